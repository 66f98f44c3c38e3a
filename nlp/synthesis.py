"""Extractive synthesis of a set of contributions: summary, answers to questions, proposal draft.

The embedded engine of the synthesis assistant: no network, no model download, deterministic.
Every sentence it states is a sentence copied from a contribution, cited with the contributions
that contain it (its duplicates folded together); everything else is a heading, a short French
connecting phrase or a count computed from the metadata. Its output goes through the same
citation check (:mod:`nlp.citations`) as a language model's.

Steps: duplicates folded (:func:`nlp.find_duplicates`) into *ideas*; ideas grouped into sub-topics
(k-means on TF-IDF, weighted by the number of contributions per idea); per sub-topic the sentences
closest to its centre, without repeating themselves; arguments = sentences carrying a reason
("car", "parce que", "afin de"…); weak signals = ideas said once and close to nothing else.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.cluster import KMeans
from sklearn.preprocessing import normalize

from nlp.citations import NO_ANSWER, SupportScorer, format_citations, parse_citations, split_sentences
from nlp.duplicates import find_duplicates
from nlp.text import FrenchAnalyzer, FrenchVectorizer, display_forms, fold

__all__ = [
    "Draft",
    "ExtractiveSynthesizer",
    "Segment",
    "Synthesis",
    "answer_question",
    "draft_proposal",
    "summarize",
]

_MIN_WORDS, _MAX_WORDS = 5, 60
_MAX_CITED = 8
_ARGUMENT = re.compile(
    r"\b(car|parce qu|parce que|puisqu|puisque|afin d|afin que|pour que|en effet|permettrait|permettra|"
    r"permettant|grâce à|sinon|ce qui|c'est pourquoi|donc)\b", re.IGNORECASE)
_QUESTION_WORDS = {"que", "quoi", "quel", "quels", "quelle", "quelles", "comment", "pourquoi", "qui",
                   "disent", "dit", "pensent", "veulent", "sur", "concret", "concretes", "concrets", "concrete"}


@dataclass(frozen=True)
class Segment:
    """One piece of a generated text.

    ``kind``: ``"titre"`` (a heading), ``"liaison"`` (a connecting phrase, no claim),
    ``"statistique"`` (a count computed from metadata) or ``"phrase"`` (a sentence taken from the
    contributions, cited in ``citations``).
    """

    kind: str
    text: str
    citations: tuple = ()

    def as_text(self) -> str:
        """The segment as a model would write it: the sentence then ``[#id, …]``."""
        return f"{self.text} {format_citations(self.citations)}".strip()


@dataclass(frozen=True)
class Synthesis:
    """A generated text as segments, and what it drew on."""

    segments: tuple[Segment, ...]
    n_contributions: int = 0
    n_ideas: int = 0
    topic_ids: tuple[tuple, ...] = ()  # ids of each sub-topic, largest first

    @property
    def cited_ids(self) -> set:
        return {i for s in self.segments for i in s.citations}

    def as_text(self) -> str:
        return "\n".join(s.as_text() for s in self.segments)


@dataclass(frozen=True)
class Draft:
    """A proposal draft: a title, a text and arguments, each sentence cited."""

    title: str
    text: tuple[Segment, ...]
    arguments: tuple[Segment, ...] = field(default=())

    @property
    def segments(self) -> tuple[Segment, ...]:
        return (Segment("titre", self.title), *self.text, *self.arguments)

    def body(self) -> str:
        """The proposal text to prefill: sentences with their citations, then the arguments."""
        lines = [s.as_text() for s in self.text if s.kind == "phrase"]
        if self.arguments:
            lines += ["", "Arguments :"] + [f"- {s.as_text()}" for s in self.arguments if s.kind == "phrase"]
        return "\n".join(lines)


@dataclass
class _Sentence:
    text: str
    idea: int  # index in ideas
    position: int  # order in the idea's text


class ExtractiveSynthesizer:
    """Extractive synthesis of one scope of contributions.

    Parameters
    ----------
    max_topics : int, default=5
        Largest number of sub-topics in a summary.
    sentences_per_topic : int, default=2
    n_arguments : int, default=3
    n_weak_signals : int, default=3
    min_answer_score : float, default=0.12
        Smallest TF-IDF cosine between a question and a sentence for the sentence to answer it.
    random_state : int, default=0

    Attributes
    ----------
    ideas_ : list of tuple
        Member ids of each idea (a duplicate group or a single contribution), representative first.
    topics_ : list of list of int
        Idea indices of each sub-topic, largest sub-topic first.
    """

    def __init__(self, max_topics: int = 5, sentences_per_topic: int = 2, n_arguments: int = 3,
                 n_weak_signals: int = 3, min_answer_score: float = 0.12, random_state: int = 0):
        self.max_topics = max_topics
        self.sentences_per_topic = sentences_per_topic
        self.n_arguments = n_arguments
        self.n_weak_signals = n_weak_signals
        self.min_answer_score = min_answer_score
        self.random_state = random_state

    # --- fitting ---------------------------------------------------------------------------

    def fit(self, ids: Sequence[Hashable], texts: Sequence[str], *, actor_types: Sequence[str | None] | None = None,
            events: Sequence[str | None] | None = None, titles: Sequence[str | None] | None = None
            ) -> ExtractiveSynthesizer:
        """Fold duplicates, split sentences, vectorise and find sub-topics; return ``self``.

        Raises
        ------
        ValueError
            On unequal lengths, repeated ids or a non-string text.
        """
        ids, texts = list(ids), list(texts)
        for name, values in (("actor_types", actor_types), ("events", events), ("titles", titles)):
            if values is not None and len(values) != len(ids):
                raise ValueError(f"{name} must have the same length as ids")
        if len(ids) != len(texts):
            raise ValueError("ids and texts must have the same length")
        if len(set(ids)) != len(ids):
            raise ValueError("ids must be unique")
        if any(not isinstance(t, str) for t in texts):
            raise ValueError("every text must be a string")
        self.ids_, self.texts_ = ids, texts
        self._row = {id_: i for i, id_ in enumerate(ids)}
        self.actor_types_ = list(actor_types) if actor_types is not None else [None] * len(ids)
        self.events_ = list(events) if events is not None else [None] * len(ids)
        self.titles_ = list(titles) if titles is not None else [None] * len(ids)
        self.scorer_ = SupportScorer(dict(zip(ids, texts)))
        self._fold_duplicates()
        self._split()
        self._vectorise()
        self._find_topics()
        return self

    def _fold_duplicates(self) -> None:
        grouped = {}
        # Copies only: a "same idea, worded differently" group is a suggestion a moderator checks,
        # never folded automatically.
        for group in find_duplicates(self.ids_, self.texts_, semantic=False) if len(self.ids_) > 1 else []:
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

    def _split(self) -> None:
        sentences = []
        for index, members in enumerate(self.ideas_):
            text = self.texts_[self._row[members[0]]]
            # Citation-like markers written by a participant are not citations.
            pieces = [parse_citations(s)[0] for s in split_sentences(text)]
            kept = [p for p in pieces if _MIN_WORDS <= len(p.split()) <= _MAX_WORDS]
            if not kept:
                whole = " ".join(pieces).split()
                if len(whole) >= 2:
                    kept = [" ".join(whole[:_MAX_WORDS])]
            sentences.extend(_Sentence(p, index, n) for n, p in enumerate(kept))
        self.sentences_ = sentences

    def _vectorise(self) -> None:
        self.vectorizer_ = FrenchVectorizer()
        n_ideas = len(self.ideas_)
        if not self.sentences_:
            self.sentence_matrix_ = None
            self.idea_matrix_ = None
            return
        matrix = self.vectorizer_.fit_transform([s.text for s in self.sentences_])
        self.sentence_matrix_ = matrix
        rows = np.array([s.idea for s in self.sentences_])
        import scipy.sparse as sp

        pooling = sp.csr_matrix((np.ones(len(rows)), (rows, np.arange(len(rows)))), shape=(n_ideas, len(rows)))
        self.idea_matrix_ = normalize(sp.csr_matrix(pooling @ matrix), copy=False)

    def _find_topics(self) -> None:
        n_ideas = len(self.ideas_)
        nnz = np.diff(self.idea_matrix_.indptr) if self.idea_matrix_ is not None else np.zeros(n_ideas)
        with_text = [i for i in range(n_ideas) if nnz[i]]
        k = 1 if len(with_text) < 6 else min(self.max_topics, max(2, round(math.sqrt(len(with_text) / 4))))
        if self.idea_matrix_ is None or self.idea_matrix_.shape[1] == 0 or not with_text:
            self.topics_ = [list(range(n_ideas))] if n_ideas else []
            self.centres_ = None
            return
        if k == 1:
            labels = np.zeros(len(with_text), dtype=int)
        else:
            # Lloyd on 50 SVD dimensions, one thread: k-means on the sparse matrix with OpenMP threads
            # took 2.4 s for 500 texts on a busy 2-core host (nlp/README.md saw the same for the SVD).
            from sklearn.decomposition import TruncatedSVD
            from threadpoolctl import threadpool_limits

            matrix = self.idea_matrix_[with_text]
            with threadpool_limits(1):
                if matrix.shape[1] > 60:
                    matrix = normalize(TruncatedSVD(50, random_state=self.random_state).fit_transform(matrix))
                model = KMeans(n_clusters=k, n_init=3, random_state=self.random_state)
                labels = model.fit_predict(matrix, sample_weight=self.weights_[with_text])
        topics: dict[int, list[int]] = {}
        for idea, label in zip(with_text, labels):
            topics.setdefault(int(label), []).append(idea)
        ordered = sorted(topics.values(), key=lambda members: (-self.weights_[members].sum(), members[0]))
        self.topics_ = ordered
        centres = []
        for members in ordered:
            centre = np.asarray(self.idea_matrix_[members].multiply(self.weights_[members][:, None]).sum(axis=0)).ravel()
            norm = np.linalg.norm(centre)
            centres.append(centre / norm if norm else centre)
        self.centres_ = np.vstack(centres)

    # --- building blocks -------------------------------------------------------------------

    def _topic_label(self, topic: int) -> str:
        centre = self.centres_[topic] if self.centres_ is not None else None
        if centre is None or not centre.any():
            return ""
        top = [int(j) for j in np.argsort(-centre, kind="stable")[:3] if centre[j] > 0]
        features = [str(self.vectorizer_.feature_names_[j]) for j in top]
        texts = [self.texts_[self._row[self.ideas_[i][0]]] for i in self.topics_[topic]]
        return ", ".join(display_forms(texts, features))

    def _supporters(self, sentence: str, idea: int, candidate_ideas: Sequence[int]) -> tuple:
        """The idea's members, then members of other candidate ideas that also contain the sentence."""
        stems = self.scorer_.content_stems(sentence)
        cited = [i for i in self.ideas_[idea] if self.scorer_.score(stems, (i,)) >= 0.999] or [self.ideas_[idea][0]]
        for other in candidate_ideas:
            if len(cited) >= _MAX_CITED:
                break
            if other != idea:
                rep = self.ideas_[other][0]
                if self.scorer_.score(stems, (rep,)) >= 0.999:
                    cited.extend(i for i in self.ideas_[other] if self.scorer_.score(stems, (i,)) >= 0.999)
        return tuple(dict.fromkeys(cited))[:_MAX_CITED]

    def _sentence_scores(self, vector: np.ndarray, ideas: Sequence[int]) -> list[tuple[float, int]]:
        wanted = set(ideas)
        rows = [n for n, s in enumerate(self.sentences_) if s.idea in wanted]
        if not rows:
            return []
        scores = self.sentence_matrix_[rows] @ vector
        return sorted(((float(scores[k]), rows[k]) for k in range(len(rows))), key=lambda p: (-p[0], p[1]))

    def _pick(self, ranked, count: int, used: set[int], *, candidate_ideas: Sequence[int],
              redundancy: float = 0.5, predicate=None) -> list[Segment]:
        out: list[Segment] = []
        chosen_rows: list[int] = []
        for score, row in ranked:
            if len(out) >= count:
                break
            sentence = self.sentences_[row]
            if row in used or (predicate and not predicate(sentence.text)):
                continue
            if any(s.idea == sentence.idea for s in (self.sentences_[r] for r in chosen_rows)):
                continue
            if chosen_rows:
                overlap = (self.sentence_matrix_[chosen_rows] @ self.sentence_matrix_[row].T).toarray().max()
                if overlap > redundancy:
                    continue
            chosen_rows.append(row)
            used.add(row)
            out.append(Segment("phrase", sentence.text, self._supporters(sentence.text, sentence.idea, candidate_ideas)))
        return out

    def _n_contributions(self, ideas: Sequence[int]) -> int:
        return int(self.weights_[list(ideas)].sum()) if len(ideas) else 0

    def _who(self, ideas: Sequence[int] | None = None) -> list[Segment]:
        rows = [self._row[i] for idea in (ideas if ideas is not None else range(len(self.ideas_)))
                for i in self.ideas_[idea]]
        out = []
        for values, intro in ((self.actor_types_, "Qui s'exprime"), (self.events_, "Où")):
            counts = Counter(values[r] for r in rows if values[r])
            if counts:
                parts = [f"{label} : {n}" for label, n in sorted(counts.items(), key=lambda p: (-p[1], p[0]))]
                out.append(Segment("statistique", f"{intro} — " + " ; ".join(parts) + "."))
        return out

    # --- the three uses ----------------------------------------------------------------------

    def summary(self, *, ideas: Sequence[int] | None = None) -> Synthesis:
        """The main ideas per sub-topic, the arguments, the weak signals and who spoke."""
        self._check_fitted()
        all_ideas = list(range(len(self.ideas_))) if ideas is None else list(ideas)
        n = self._n_contributions(all_ideas)
        if not self.sentences_ or not all_ideas:
            return Synthesis((Segment("liaison", "Cette sélection ne contient aucun texte à résumer."),), n, len(all_ideas))
        wanted = set(all_ideas)
        segments = [Segment("liaison", f"{n} contribution{'s' if n > 1 else ''}, soit {len(all_ideas)} idée"
                            f"{'s' if len(all_ideas) > 1 else ''} distincte{'s' if len(all_ideas) > 1 else ''} "
                            "une fois les doublons regroupés.")]
        used: set[int] = set()
        topic_ids = []
        segments.append(Segment("titre", "Idées principales"))
        for t, members in enumerate(self.topics_):
            members = [m for m in members if m in wanted]
            if not members:
                continue
            weight = self._n_contributions(members)
            label = self._topic_label(t)
            picks = self._pick(self._sentence_scores(self.centres_[t], members) if self.centres_ is not None else
                               [(0.0, r) for r, s in enumerate(self.sentences_) if s.idea in set(members)],
                               self.sentences_per_topic if weight > 1 else 1, used, candidate_ideas=members)
            if not picks:
                continue
            topic_ids.append(tuple(i for m in members for i in self.ideas_[m]))
            head = f"Sur {label} ({weight} contribution{'s' if weight > 1 else ''})" if label else \
                f"{weight} contribution{'s' if weight > 1 else ''}"
            segments.append(Segment("liaison", head + " :"))
            segments.extend(picks)
        arguments = self._arguments(all_ideas, used)
        if arguments:
            segments.append(Segment("titre", "Arguments avancés"))
            segments.extend(arguments)
        weak = self._weak_signals(all_ideas, used)
        if weak:
            segments.append(Segment("titre", "Signaux faibles"))
            segments.append(Segment("liaison", "Des idées exprimées une seule fois, éloignées des autres :"))
            segments.extend(weak)
        who = self._who(all_ideas)
        if who:
            segments.append(Segment("titre", "Qui s'est exprimé"))
            segments.extend(who)
        return Synthesis(tuple(segments), n, len(all_ideas), tuple(topic_ids))

    def _arguments(self, ideas: Sequence[int], used: set[int]) -> list[Segment]:
        ranked = []
        wanted = set(ideas)
        topic_of = {i: t for t, members in enumerate(self.topics_) for i in members}
        closeness_all = self.sentence_matrix_ @ self.centres_.T if self.centres_ is not None else None
        for row, sentence in enumerate(self.sentences_):
            if sentence.idea not in wanted or row in used or not _ARGUMENT.search(sentence.text):
                continue
            t = topic_of.get(sentence.idea)
            closeness = float(closeness_all[row, t]) if t is not None and closeness_all is not None else 0.0
            ranked.append((closeness * (1 + math.log(self.weights_[sentence.idea])), row))
        ranked.sort(key=lambda p: (-p[0], p[1]))
        return self._pick(ranked, self.n_arguments, used, candidate_ideas=ideas)

    def _weak_signals(self, ideas: Sequence[int], used: set[int]) -> list[Segment]:
        nnz = np.diff(self.idea_matrix_.indptr)
        singles = [i for i in ideas if self.weights_[i] == 1 and nnz[i] >= 6]
        if len(ideas) < 8 or not singles:
            return []
        matrix = self.idea_matrix_[list(ideas)]
        similarity = (self.idea_matrix_[singles] @ matrix.T).toarray()
        position = {idea: k for k, idea in enumerate(ideas)}
        for row, idea in enumerate(singles):
            similarity[row, position[idea]] = 0.0
        isolation = similarity.max(axis=1)
        order = sorted(range(len(singles)), key=lambda k: (isolation[k], singles[k]))
        out: list[Segment] = []
        used_ideas = {self.sentences_[r].idea for r in used}
        for k in order:
            if len(out) >= self.n_weak_signals or isolation[k] > 0.25:
                break
            idea = singles[k]
            if idea in used_ideas:
                continue
            rows = [r for r, s in enumerate(self.sentences_) if s.idea == idea and r not in used]
            if not rows:
                continue
            row = max(rows, key=lambda r: (self.sentence_matrix_[r].nnz, -r))
            used.add(row)
            out.append(Segment("phrase", self.sentences_[row].text, self.ideas_[idea]))
        return out

    def answer(self, question: str, *, min_score: float | None = None, n_sentences: int = 5) -> Synthesis:
        """Sentences of the contributions that answer ``question``, or :data:`NO_ANSWER`.

        A question naming an actor type ("Que disent les financeurs ?") is restricted to the
        contributions of that actor type; with no other content word it gets their summary.
        """
        self._check_fitted()
        min_score = self.min_answer_score if min_score is None else min_score
        analyzer = FrenchAnalyzer()
        question_stems = [s for s in analyzer.stems(question) if s not in self.scorer_._discourse]
        actor_stems = self._actor_stems()
        wanted_actors = {label for stem in question_stems for label in actor_stems.get(stem, ())}
        ideas = list(range(len(self.ideas_)))
        intro: list[Segment] = []
        if wanted_actors:
            ideas = [i for i in ideas if any(self.actor_types_[self._row[m]] in wanted_actors for m in self.ideas_[i])]
            names = " ; ".join(sorted(wanted_actors))
            if not ideas:
                return Synthesis((Segment("liaison", f"Aucune contribution de type « {names} » dans cette sélection."),
                                  Segment("liaison", NO_ANSWER)))
            intro = [Segment("liaison", f"Contributions de type « {names} » :")]
            question_stems = [s for s in question_stems if s not in actor_stems]
        content = [s for s in question_stems if fold(s) not in _QUESTION_WORDS]
        if wanted_actors and not content:
            summary = self.summary(ideas=ideas)
            return Synthesis((*intro, *summary.segments), summary.n_contributions, summary.n_ideas, summary.topic_ids)
        if not content or self.sentence_matrix_ is None or self.sentence_matrix_.shape[1] == 0:
            return Synthesis((*intro, Segment("liaison", NO_ANSWER)))
        vector = self.vectorizer_.transform([" ".join(content)])
        if vector.nnz == 0:
            return Synthesis((*intro, Segment("liaison", NO_ANSWER)))
        query = np.asarray(vector.toarray()).ravel()
        ranked = [(score, row) for score, row in self._sentence_scores(query, ideas) if score >= min_score]
        picks = self._pick(ranked, n_sentences, set(), candidate_ideas=ideas, redundancy=0.6)
        if not picks:
            return Synthesis((*intro, Segment("liaison", NO_ANSWER)))
        head = Segment("liaison", "Ce que disent les contributions à ce sujet :")
        return Synthesis((*intro, head, *picks), self._n_contributions(ideas), len(ideas))

    def _actor_stems(self) -> dict[str, set[str]]:
        analyzer = FrenchAnalyzer()
        out: dict[str, set[str]] = {}
        for label in {a for a in self.actor_types_ if a}:
            stems = analyzer.stems(label)
            if stems and fold(label) != "autre":
                out.setdefault(stems[0], set()).add(label)
        return out

    def draft(self, *, n_sentences: int = 4) -> Draft:
        """A merged-proposal draft: a title, the central sentence of each sub-topic, arguments."""
        self._check_fitted()
        if not self.sentences_:
            return Draft("Proposition", (Segment("liaison", "Cette sélection ne contient aucun texte."),))
        used: set[int] = set()
        text: list[Segment] = []
        for t, members in enumerate(self.topics_):
            if len(text) >= n_sentences:
                break
            text.extend(self._pick(self._sentence_scores(self.centres_[t], members), 1, used, candidate_ideas=members)
                        if self.centres_ is not None else [])
        arguments = self._arguments(list(range(len(self.ideas_))), used)
        return Draft(self._title(), tuple(text), tuple(arguments))

    def _title(self) -> str:
        main = self.topics_[0] if self.topics_ else []
        titled = [m for m in main if self.titles_[self._row[self.ideas_[m][0]]]]
        if titled and self.centres_ is not None:
            closeness = self.idea_matrix_[titled] @ self.centres_[0]
            best = titled[int(np.argmax(closeness))]
            return self.titles_[self._row[self.ideas_[best][0]]].strip()[:200]
        label = self._topic_label(0) if self.centres_ is not None else ""
        return (label[:1].upper() + label[1:]) if label else "Proposition"

    def _check_fitted(self) -> None:
        if not hasattr(self, "ideas_"):
            raise RuntimeError("ExtractiveSynthesizer is not fitted: call fit() first")


def summarize(ids, texts, **metadata) -> Synthesis:
    """Shortcut: ``ExtractiveSynthesizer().fit(ids, texts, **metadata).summary()``."""
    return ExtractiveSynthesizer().fit(ids, texts, **metadata).summary()


def answer_question(ids, texts, question: str, **metadata) -> Synthesis:
    """Shortcut: ``ExtractiveSynthesizer().fit(ids, texts, **metadata).answer(question)``."""
    return ExtractiveSynthesizer().fit(ids, texts, **metadata).answer(question)


def draft_proposal(ids, texts, **metadata) -> Draft:
    """Shortcut: ``ExtractiveSynthesizer().fit(ids, texts, **metadata).draft()``."""
    return ExtractiveSynthesizer().fit(ids, texts, **metadata).draft()
