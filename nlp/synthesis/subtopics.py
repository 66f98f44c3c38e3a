"""Fitting: duplicates folded into ideas, candidate sentences, TF-IDF and sentence vectors, sub-topics by meaning."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Self

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import normalize
from threadpoolctl import ThreadpoolController

from nlp._phrases import phrase_tokens, read_text
from nlp._sentences import is_idea_sentence
from nlp.citations import SupportScorer, parse_citations, split_sentences
from nlp.duplicates import find_duplicates
from nlp.text import FrenchVectorizer

_MAX_WORDS = 60


_EMBED_WORDS = 40  # words of each idea embedded: the opening carries the idea; the encoder's cost grows with length


_LEADING_MARK = re.compile(r"^(?:[\s\-–—•*·]+|\d+\s*(?:°\s*/?|[.)/]))\s*")


@functools.cache
def _blas() -> ThreadpoolController:
    """The process's BLAS and OpenMP libraries, found once: ``threadpool_limits`` looks them up at every call
    (3.5 ms), as :mod:`nlp.similar` found."""
    return ThreadpoolController()


def one_thread():
    """A context in which BLAS and OpenMP run on one thread (see :meth:`_Fitted.fit`)."""
    return _blas().limit(limits=1)


@dataclass
class _Sentence:
    text: str
    idea: int  # index in ideas
    position: int  # order in the idea's text


class _Fitted:
    """The fitted state the other parts read; the parameters are set by :class:`ExtractiveSynthesizer`."""

    max_topics: int
    sentences_per_topic: int
    n_arguments: int
    n_weak_signals: int
    min_answer_score: float
    min_answer_similarity: float
    random_state: int
    encoder: object

    def fit(
        self,
        ids: Sequence[Hashable],
        texts: Sequence[str],
        *,
        actor_types: Sequence[str | None] | None = None,
        events: Sequence[str | None] | None = None,
        titles: Sequence[str | None] | None = None,
        authors: Sequence[Hashable | None] | None = None,
        vectors: Sequence | np.ndarray | None = None,
        duplicate_groups: Sequence[Sequence[Hashable]] | None = None,
    ) -> Self:
        """Fold duplicates, split sentences, vectorise and embed, find sub-topics; return ``self``.

        ``authors`` (optional) identifies the person behind each contribution, to count people.
        ``vectors`` (optional, one row per text: an array or stored bytes, from :func:`nlp.embeddings.embed`):
        the texts' stored sentence vectors, used instead of encoding the texts again.
        ``duplicate_groups`` (optional): the duplicate groups the app's detection found over the whole process,
        as ids (ids outside the scope are ignored). The scope's own detection cannot find them all: its
        "formulée autrement" tier is relative to the texts it is given (vectors centred on their mean, TF-IDF
        weights, closeness to each text's usual neighbours), and in a scope on one subject every text is close
        to the others, so a pair the process links can fall under the bar in the scope. Each group's members
        the scope's detection did not fold together are linked as one idea said again (``reworded_``), as a
        "formulée autrement" group is: never folded, cited together when the checker verifies it, and every
        such idea appears in the summary.

        Raises
        ------
        ValueError
            On unequal lengths, repeated ids or a non-string text.
        """
        ids, texts = list(ids), list(texts)
        for name, values in (
            ("actor_types", actor_types),
            ("events", events),
            ("titles", titles),
            ("authors", authors),
        ):
            if values is not None and len(values) != len(ids):
                raise ValueError(f"{name} must have the same length as ids")
        if len(ids) != len(texts):
            raise ValueError("ids and texts must have the same length")
        from nlp.embeddings import as_matrix

        self._vectors = as_matrix(vectors, len(ids)) if vectors is not None else None
        if len(set(ids)) != len(ids):
            raise ValueError("ids must be unique")
        if any(not isinstance(t, str) for t in texts):
            raise ValueError("every text must be a string")
        self.ids_, self.texts_ = ids, texts
        self._row = {id_: i for i, id_ in enumerate(ids)}
        self.actor_types_ = list(actor_types) if actor_types is not None else [None] * len(ids)
        self.events_ = list(events) if events is not None else [None] * len(ids)
        self.titles_ = list(titles) if titles is not None else [None] * len(ids)
        self.authors_ = list(authors) if authors is not None else None
        self.scorer_ = SupportScorer(dict(zip(ids, texts)), scope_size=len(ids))
        self._tokens: dict[int, tuple[str, ...]] = {}
        self._reads: dict[int, tuple] = {}
        self._stems_of_row: dict[int, set[str]] = {}
        self._ranked: dict[tuple, list[tuple[float, int]]] = {}
        self._arguments_ranked: list[tuple[float, int]] | None = None
        self._scope_phrases_: tuple | None = None
        self._phrases_of: dict[int, dict[str, str]] = {}
        self._of_phrases: dict[str, str] = {}
        self._inflection_keys: dict[str, str] = {}
        self._phrase_stems: dict[str, set[str]] = {}
        self._sentence_reads: dict[tuple[int, int], list[str]] = {}  # the field's expressions in each sentence
        self._verdicts: dict[str, object] = {}  # check_sentence's verdicts by checked text, see verdict()
        # One BLAS/OpenMP thread: the products here are small, and threads spinning on a shared 2-core host
        # cost more CPU than they save (500 contributions: 0.82 -> 0.72 s CPU, median of 5).
        with one_thread():
            self._fold_duplicates()
            self._link_groups(duplicate_groups or ())
            self._split()
            self._vectorise()
            self._find_topics()
        return self

    def _fold_duplicates(self) -> None:
        """Copies folded into ideas; ideas said again in other words linked in ``reworded_``.

        A "same idea, worded differently" group is a suggestion a moderator checks, never folded: its
        members stay distinct ideas (each counted), and a sentence of one is cited with the others
        when the checker verifies them. That tier reads the texts' vectors (stored, or each text's opening encoded).
        """
        if self._vectors is None:  # each text's opening encoded, as when stored vectors are given
            self._vectors = self._embed([" ".join(t.split()[:_EMBED_WORDS]) for t in self.texts_])
        groups = find_duplicates(self.ids_, self.texts_, vectors=self._vectors) if len(self.ids_) > 1 else []
        grouped = {}
        for group in groups:
            if group.reason != "semantic":
                for id_ in group.ids:
                    grouped[id_] = group.ids
        seen, ideas = set(), []
        for id_ in self.ids_:
            if id_ in seen:
                continue
            members = grouped.get(id_, (id_,))
            seen.update(members)
            ideas.append(tuple(members))
        self.ideas_ = ideas
        self.weights_ = np.array([len(m) for m in ideas], dtype=np.float64)
        idea_of = {id_: k for k, members in enumerate(ideas) for id_ in members}
        self.reworded_: dict[int, list[int]] = {}
        for group in groups:
            linked = list(dict.fromkeys(idea_of[id_] for id_ in group.ids)) if group.reason == "semantic" else []
            for k in linked if len(linked) > 1 else ():
                self.reworded_.setdefault(k, []).extend(x for x in linked if x != k and x not in self.reworded_[k])

    def _link_groups(self, groups: Sequence[Sequence[Hashable]]) -> None:
        """Link the ideas of each given duplicate group (see :meth:`fit`, ``duplicate_groups``) in ``reworded_``."""
        idea_of = {id_: k for k, members in enumerate(self.ideas_) for id_ in members}
        for group in groups:
            linked = list(dict.fromkeys(idea_of[id_] for id_ in group if id_ in idea_of))
            for k in linked if len(linked) > 1 else ():
                known = self.reworded_.setdefault(k, [])
                known.extend(x for x in linked if x != k and x not in known)

    def _text(self, idea: int) -> str:
        return self.texts_[self._row[self.ideas_[idea][0]]]

    def _read(self, idea: int) -> tuple:
        """The idea's text as written and folded tokens (:func:`nlp._phrases.read_text`), once per fit: its noun
        phrases and their spellings are read from it."""
        read = self._reads.get(idea)
        if read is None:
            read = self._reads[idea] = read_text(self._text(idea))
        return read

    def _phrase_tokens(self, idea: int) -> tuple[str, ...]:
        """The idea's text read for noun phrases (:func:`nlp._phrases.phrase_tokens`), once per fit."""
        tokens = self._tokens.get(idea)
        if tokens is None:  # a tuple: the collector stops tracking it (one per idea, kept all the fit)
            tokens = self._tokens[idea] = tuple(phrase_tokens(self._text(idea), self._read(idea)))
        return tokens

    def _split(self) -> None:
        """Only complete sentences that can stand as an idea are candidates (see :func:`is_idea_sentence`)."""
        sentences = []
        for index in range(len(self.ideas_)):
            # Citation-like markers written by a participant are not citations.
            pieces = [_LEADING_MARK.sub("", parse_citations(s)[0]) for s in split_sentences(self._text(index))]
            sentences.extend(
                _Sentence(p, index, n)
                for n, p in enumerate(pieces)
                if len(p.split()) <= _MAX_WORDS and is_idea_sentence(p)
            )
        self.sentences_ = sentences
        self._rows_of: dict[int, list[int]] = {}
        for row, sentence in enumerate(sentences):
            self._rows_of.setdefault(sentence.idea, []).append(row)

    def _vectorise(self) -> None:
        self.vectorizer_ = FrenchVectorizer()
        idea_texts = [self._text(i) for i in range(len(self.ideas_))]
        self.idea_matrix_ = self.vectorizer_.fit_transform(idea_texts) if idea_texts else None
        if self.idea_matrix_ is not None and self.idea_matrix_.shape[1] == 0:
            self.idea_matrix_ = None
        if self.idea_matrix_ is None:  # no content word anywhere: nothing to state
            self.sentences_, self._rows_of = [], {}
        self.sentence_matrix_ = (
            self.vectorizer_.transform([s.text for s in self.sentences_])
            if self.sentences_ and self.idea_matrix_ is not None
            else None
        )
        self.idea_vectors_ = self._vectors[[self._row[members[0]] for members in self.ideas_]]

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        from nlp.embeddings import embed

        return embed(list(texts), self.encoder)

    def _find_topics(self) -> None:
        n_ideas = len(self.ideas_)
        if not n_ideas:
            self.topics_, self.centres_, self.semantic_centres_ = [], None, None
            return
        k = 1 if n_ideas < 6 else min(self.max_topics, max(2, round(math.sqrt(n_ideas / 4))))
        if k == 1:
            labels = np.zeros(n_ideas, dtype=int)
        else:
            # Sub-topics by meaning and words: the LSA of the TF-IDF joined with the sentence embeddings.
            # Lloyd on 50 SVD dimensions, one thread: OpenMP k-means on a busy 2-core host was 2.4 s for 500 texts.
            parts = [self.idea_vectors_]
            if self.idea_matrix_ is not None:
                matrix = self.idea_matrix_
                lexical = (
                    TruncatedSVD(50, random_state=self.random_state).fit_transform(matrix)
                    if matrix.shape[1] > 60
                    else matrix.toarray()
                )
                parts.append(normalize(lexical))
            features = normalize(np.hstack(parts)) if len(parts) > 1 else parts[0]
            model = KMeans(n_clusters=k, n_init=3, random_state=self.random_state)
            labels = model.fit_predict(features, sample_weight=self.weights_)
        topics: dict[int, list[int]] = {}
        for idea, label in enumerate(labels):
            topics.setdefault(int(label), []).append(idea)
        self.topics_ = sorted(topics.values(), key=lambda members: (-self.weights_[members].sum(), members[0]))
        self.centres_ = np.vstack([self._centre(m) for m in self.topics_]) if self.idea_matrix_ is not None else None
        self.semantic_centres_ = np.vstack([self._semantic_centre(m) for m in self.topics_])

    def _centre(self, members: Sequence[int]) -> np.ndarray:
        centre = np.asarray(self.idea_matrix_[members].multiply(self.weights_[members][:, None]).sum(axis=0)).ravel()
        norm = np.linalg.norm(centre)
        return centre / norm if norm else centre

    def _semantic_centre(self, members: Sequence[int]) -> np.ndarray:
        centre = (self.idea_vectors_[members] * self.weights_[members][:, None]).sum(axis=0)
        norm = np.linalg.norm(centre)
        return centre / norm if norm else centre

    def _check_fitted(self) -> None:
        if not hasattr(self, "ideas_"):
            raise RuntimeError("ExtractiveSynthesizer is not fitted: call fit() first")
