"""Extractive synthesis of a set of contributions: summary, answers to questions, proposal draft.

The embedded engine of the synthesis assistant: no network, no model download, deterministic.
Every sentence it states is a complete sentence copied from a contribution, cited with the
contributions that say the same (their duplicates folded together, or a sentence of theirs close
in words and meaning); everything else is a heading, a short French connecting phrase or a count
computed from the metadata. Its output goes through the same citation check
(:mod:`nlp.citations`) as a language model's; sentences cited to several sources are checked here
before they are chosen.

Steps: duplicates folded (:func:`nlp.find_duplicates`) into *ideas*; ideas grouped into sub-topics
by meaning (k-means on TF-IDF joined with sentence embeddings, :func:`nlp.embeddings.embed`);
each sub-topic gets a heading (a noun phrase read in its texts, :mod:`nlp._phrases`), its counts,
a gist and 1–3 central sentences; sentences of the same sub-topic that say the opposite are shown
as disputed; small sub-topics and isolated ideas are minority views and weak signals. Thanks,
greetings, fragments, questions, all-caps, sarcasm and asides are never chosen.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.cluster import KMeans
from sklearn.preprocessing import normalize

from nlp._phrases import best_surface, capitalise, is_idea_sentence, is_proposal, noun_phrases, phrase_stems
from nlp.citations import NO_ANSWER, SupportScorer, check_sentence, format_citations, parse_citations, split_sentences
from nlp.duplicates import find_duplicates
from nlp.stance import opposite_stance
from nlp.text import FrenchAnalyzer, FrenchVectorizer, fold

__all__ = [
    "Draft",
    "ExtractiveSynthesizer",
    "Segment",
    "Synthesis",
    "answer_question",
    "draft_proposal",
    "summarize",
]

_MAX_WORDS = 60
_MAX_CITED = 8
_EMBED_WORDS = 40  # words of each idea embedded: the opening carries the idea; the encoder's cost grows with length
_SAME_SENTENCE = 0.7  # TF-IDF cosine above which a sentence of another idea says the same (with 3 shared words)
_SAME_MEMBER = 0.8  # share of the sentence's weighted stems a duplicate must contain to be cited with it
_MIN_SEMANTIC = 0.3  # cosine (sentence encoder) between a question and a sentence that answers it
_N_CANDIDATES = 80  # sentences embedded one by one to answer a question
# The training sector's programmes and what they are about: a question on "les financements" also
# finds the sentences on the CPF or an OPCO, one on "la VAE" those on "validation des acquis".
# The sentence encoder does not know these acronyms (cosine 0.25 between "financements" and "OPCO").
_GLOSSARY = (
    (
        "financement financements financer financé financeur financeurs payer paiement coût budget",
        "CPF OPCO prise en charge reste à charge taux horaire rémunération",
    ),
    ("financeur financeurs", "OPCO Région État France Travail"),
    ("VAE", "validation des acquis de l'expérience jury"),
    ("qualité certification", "Qualiopi audit référentiel"),
    ("apprentissage alternance", "apprentis alternants AFEST tuteur"),
)
_ARGUMENT = re.compile(
    r"\b(car|parce qu|parce que|puisqu|puisque|afin d|afin que|pour que|en effet|permettrait|permettra|"
    r"permettant|grâce à|sinon|ce qui|c'est pourquoi|donc)\b",
    re.IGNORECASE,
)
_QUESTION_WORDS = {
    "que",
    "quoi",
    "quel",
    "quels",
    "quelle",
    "quelles",
    "comment",
    "pourquoi",
    "qui",
    "lesquel",
    "lesquell",
    "disent",
    "dit",
    "pensent",
    "veulent",
    "sur",
    "concret",
    "concretes",
    "concrets",
    "concrete",
    "parl",
    "parlent",
    "en",
    "et",
    "ils",
    "elles",
    "eux",
    "parm",
    "cel",
    "ceux",
    "propos",
    "qu",
}
# A follow-up that refers to the previous answer's contributions ("Lesquelles parlent de la VAE ?").
_AMONG_PREVIOUS = re.compile(
    r"^\W*(lesquel(le)?s|lesquels|parmi (elles|eux|celles-ci|ceux-ci|ces contributions)|"
    r"celles-ci|ceux-ci|et parmi)\b",
    re.IGNORECASE,
)
# A follow-up that keeps the previous subject ("Et les financeurs, qu'en disent-ils ?").
_ELLIPTIC = re.compile(
    r"^\W*(et|mais|aussi|alors)\b|\bqu'en\b|\ben (disent|pensent|parlent)\b|\b(ils|elles|eux)\b", re.IGNORECASE
)
_ANALYZER = FrenchAnalyzer()
_LEADING_MARK = re.compile(r"^(?:[\s\-–—•*·]+|\d+\s*(?:°\s*/?|[.)/]))\s*")
_SAME_SUBJECT = 0.5  # encoder cosine above which two contributions speak of the same subject
_LONG = 35  # words: a longer sentence is less likely chosen (a summary reads short sentences)


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
    """A generated text as segments, and what it drew on.

    ``drawn_ids``: the contributions an answer was drawn from (those found relevant to the question).
    ``subject``: the subject an answer searched for (the question's words, plus the previous
    subject for an elliptic follow-up).
    """

    segments: tuple[Segment, ...]
    n_contributions: int = 0
    n_ideas: int = 0
    topic_ids: tuple[tuple, ...] = ()  # ids of each sub-topic, largest first
    drawn_ids: tuple = ()
    subject: str = ""

    @property
    def cited_ids(self) -> set:
        return {i for s in self.segments for i in s.citations}

    def as_text(self) -> str:
        return "\n".join(s.as_text() for s in self.segments)


@dataclass(frozen=True)
class Draft:
    """A proposal draft: a title, a constat and a proposition, and arguments, each sentence cited.

    ``text`` holds the constat then the proposition, each introduced by a connecting phrase;
    ``considered_ids`` are all the contributions the draft was built from, ``kept_ids`` those it cites:
    the app shows both so the moderator chooses the sources (nothing is cut silently).
    """

    title: str
    text: tuple[Segment, ...]
    arguments: tuple[Segment, ...] = field(default=())
    constat: tuple[Segment, ...] = field(default=())
    proposition: tuple[Segment, ...] = field(default=())
    considered_ids: tuple = ()
    kept_ids: tuple = ()

    @property
    def segments(self) -> tuple[Segment, ...]:
        return (Segment("titre", self.title), *self.text, *self.arguments)

    def body(self) -> str:
        """The proposal text to prefill: the constat and the proposition with their citations, then arguments."""
        lines: list[str] = []
        for heading, part in (("Constat :", self.constat), ("Proposition :", self.proposition)):
            if part:
                lines += ([""] if lines else []) + [heading] + [s.as_text() for s in part]
        if not lines:
            lines = [s.as_text() for s in self.text if s.kind == "phrase"]
        if self.arguments:
            lines += ["", "Arguments :"] + [f"- {s.as_text()}" for s in self.arguments if s.kind == "phrase"]
        return "\n".join(lines)


@dataclass
class _Sentence:
    text: str
    idea: int  # index in ideas
    position: int  # order in the idea's text


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n <= 1 else plural or word + 's'}"


def _opposed(a: str, b: str, n_shared: int, similarity: float) -> bool:
    """Two sentences on the same subject that take opposite positions (:func:`nlp.stance.opposite_stance`).

    Same subject: close in meaning (``similarity``, the encoder's cosine of their contributions) or
    three shared content words (``n_shared``); a negation alone, between two unrelated sentences, is
    no dispute.
    """
    return (similarity >= _SAME_SUBJECT or n_shared >= 3) and opposite_stance(a, b)


class ExtractiveSynthesizer:
    """Extractive synthesis of one scope of contributions.

    Parameters
    ----------
    max_topics : int, default=5
        Largest number of sub-topics in a summary.
    sentences_per_topic : int, default=2
        Sentences per sub-topic; one more (3) for a sub-topic of a tenth of the scope or more.
    n_arguments : int, default=3
    n_weak_signals : int, default=3
    min_answer_score : float, default=0.12
        Smallest TF-IDF cosine between a question and a sentence for the sentence to answer it by words.
    min_answer_similarity : float, default=0.3
        Smallest sentence-encoder cosine for a sentence to answer it by meaning.
    random_state : int, default=0
    encoder : nlp.embeddings.Encoder, optional
        The sentence encoder (the shipped model when None).

    Attributes
    ----------
    ideas_ : list of tuple
        Member ids of each idea (a duplicate group or a single contribution), representative first.
    topics_ : list of list of int
        Idea indices of each sub-topic, largest sub-topic first.
    """

    def __init__(
        self,
        max_topics: int = 5,
        sentences_per_topic: int = 2,
        n_arguments: int = 3,
        n_weak_signals: int = 3,
        min_answer_score: float = 0.12,
        random_state: int = 0,
        *,
        min_answer_similarity: float = _MIN_SEMANTIC,
        encoder=None,
    ):
        self.max_topics = max_topics
        self.sentences_per_topic = sentences_per_topic
        self.n_arguments = n_arguments
        self.n_weak_signals = n_weak_signals
        self.min_answer_score = min_answer_score
        self.min_answer_similarity = min_answer_similarity
        self.random_state = random_state
        self.encoder = encoder

    # --- fitting ---------------------------------------------------------------------------

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
    ) -> ExtractiveSynthesizer:
        """Fold duplicates, split sentences, vectorise and embed, find sub-topics; return ``self``.

        ``authors`` (optional) identifies the person behind each contribution, to count people.
        ``vectors`` (optional, one row per text: an array or stored bytes, from :func:`nlp.embeddings.embed`):
        the texts' stored sentence vectors, used instead of encoding the texts again.

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

        self._stored_vectors = as_matrix(vectors, len(ids)) if vectors is not None else None
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

    def _text(self, idea: int) -> str:
        return self.texts_[self._row[self.ideas_[idea][0]]]

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
        if self._stored_vectors is not None:
            self.idea_vectors_ = self._stored_vectors[[self._row[members[0]] for members in self.ideas_]]
        else:
            self.idea_vectors_ = self._embed([" ".join(t.split()[:_EMBED_WORDS]) for t in idea_texts])

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
            from sklearn.decomposition import TruncatedSVD
            from threadpoolctl import threadpool_limits

            parts = [self.idea_vectors_]
            with threadpool_limits(1):
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

    # --- building blocks -------------------------------------------------------------------

    def _representative(self, topic: int, ideas: Sequence[int]) -> list[tuple[float, int]]:
        """Candidate sentences of ``ideas`` by closeness to the sub-topic (words and meaning), weighted by copies."""
        rows = [r for i in ideas for r in self._rows_of.get(i, ())]
        if not rows:
            return []
        lexical = (
            (self.sentence_matrix_[rows] @ self.centres_[topic]) if self.centres_ is not None else np.zeros(len(rows))
        )
        idea_of = np.array([self.sentences_[r].idea for r in rows])
        semantic = self.idea_vectors_[idea_of] @ self.semantic_centres_[topic]
        length = np.array([min(1.0, _LONG / len(self.sentences_[r].text.split())) for r in rows])
        copies = 1 + 0.3 * np.log(self.weights_[idea_of])
        score = (0.5 * np.asarray(lexical).ravel() + 0.5 * semantic) * copies * length
        return sorted(((float(s), r) for s, r in zip(score, rows)), key=lambda p: (-p[0], p[1]))

    def _same_members(self, idea: int, stems: set[str]) -> list:
        rep = self.ideas_[idea][0]
        return [i for i in self.ideas_[idea] if i == rep or self.scorer_.score(stems, (i,)) >= _SAME_MEMBER]

    def _supporters(self, row: int, candidate_ideas: Sequence[int]) -> list[tuple]:
        """Citations to try, widest first: the idea's copies plus ideas with a sentence saying the same; the copies.

        Another idea says the same when one of its sentences is close in words (TF-IDF cosine) and
        shares at least three content words: never through a single shared word.
        """
        sentence = self.sentences_[row]
        stems = self.scorer_.content_stems(sentence.text)
        own = self._same_members(sentence.idea, stems)
        others = [i for i in candidate_ideas if i != sentence.idea and i in self._rows_of]
        wider = list(own)
        if others and len(stems) >= 3:
            rows = [r for i in others for r in self._rows_of[i]]
            closeness = (self.sentence_matrix_[rows] @ self.sentence_matrix_[row].T).toarray().ravel()
            for k in np.argsort(-closeness, kind="stable"):
                if closeness[k] < _SAME_SENTENCE or len(wider) >= _MAX_CITED:
                    break
                other = self.sentences_[rows[k]]
                if len(stems & self.scorer_.content_stems(other.text)) >= 3:
                    wider.extend(i for i in self._same_members(other.idea, stems) if i not in wider)
        options = [tuple(dict.fromkeys(wider))[:_MAX_CITED], tuple(own)[:_MAX_CITED], (own[0],)]
        return list(dict.fromkeys(options))

    def _cite(self, row: int, candidate_ideas: Sequence[int]) -> Segment | None:
        """The sentence with the widest citation the checker verifies; None when none is verified.

        The checker has the last word even on a sentence copied word for word: the app shows only
        verified sentences as fact, so a copy it refuses ("les abeilles" from one source) is not chosen.
        """
        text = self.sentences_[row].text
        for citations in self._supporters(row, candidate_ideas):
            segment = Segment("phrase", text, citations)
            if check_sentence(segment.as_text(), self.scorer_).is_verified:
                return segment
        return None

    def _pick(
        self,
        ranked,
        count: int,
        used: set[int],
        *,
        candidate_ideas: Sequence[int],
        redundancy: float = 0.5,
        predicate: Callable[[str], bool] | None = None,
    ) -> list[Segment]:
        out: list[Segment] = []
        chosen_rows: list[int] = []
        cited: set = set()
        for _, row in ranked:
            if len(out) >= count:
                break
            sentence = self.sentences_[row]
            if row in used or (predicate and not predicate(sentence.text)):
                continue
            if self.ideas_[sentence.idea][0] in cited or any(
                self.sentences_[r].idea == sentence.idea for r in chosen_rows
            ):
                continue
            if chosen_rows:
                overlap = (self.sentence_matrix_[chosen_rows] @ self.sentence_matrix_[row].T).toarray().max()
                if overlap > redundancy:
                    continue
            segment = self._cite(row, candidate_ideas)
            if segment is None:
                continue
            chosen_rows.append(row)
            used.add(row)
            cited.update(segment.citations)
            out.append(segment)
        return out

    def _n_contributions(self, ideas: Sequence[int]) -> int:
        return int(self.weights_[list(ideas)].sum()) if len(ideas) else 0

    def _counts(self, ideas: Sequence[int]) -> str:
        """ "12 contributions de 9 personnes" (people only when the authors are known)."""
        n = self._n_contributions(ideas)
        if self.authors_ is None:
            return _plural(n, "contribution")
        people = {self.authors_[self._row[i]] for idea in ideas for i in self.ideas_[idea]} - {None, ""}
        return f"{_plural(n, 'contribution')} de {_plural(len(people), 'personne')}"

    def _who(self, ideas: Sequence[int] | None = None) -> list[Segment]:
        rows = [
            self._row[i]
            for idea in (ideas if ideas is not None else range(len(self.ideas_)))
            for i in self.ideas_[idea]
        ]
        out = []
        for values, intro in ((self.actor_types_, "Qui s'exprime"), (self.events_, "Où")):
            counts = Counter(values[r] for r in rows if values[r])
            if counts:
                parts = [f"{label} : {n}" for label, n in sorted(counts.items(), key=lambda p: (-p[1], p[0]))]
                out.append(Segment("statistique", f"{intro} — " + " ; ".join(parts) + "."))
        return out

    def _phrases(self, topic: int, ideas: Sequence[int]) -> list[str]:
        """Noun phrases of a sub-topic, best first: frequent, and made of the sub-topic's weighty words."""
        ranked_ideas = sorted(ideas, key=lambda i: (-self.weights_[i], i))[:300]
        texts = [self._text(i) for i in ranked_ideas]
        counts = noun_phrases(texts)
        vocabulary = {str(f): j for j, f in enumerate(self.vectorizer_.feature_names_)}
        centre = self.centres_[topic] if self.centres_ is not None else None
        scored = []
        for phrase, count in counts.items():
            if count < 2 and len(counts) > 3:
                continue
            stems = phrase_stems(phrase, _stem)
            weight = sum(float(centre[vocabulary[s]]) for s in stems if s in vocabulary) if centre is not None else 0
            if weight <= 0:
                continue
            scored.append((count * weight * (1 + 0.35 * (len(stems) - 1)), phrase))
        scored.sort(key=lambda p: (-p[0], p[1]))
        surfaces = []
        for _, phrase in scored:
            if len(surfaces) >= 6:
                break
            stems = phrase_stems(phrase, _stem)
            if any(stems <= phrase_stems(fold(s), _stem) or phrase_stems(fold(s), _stem) <= stems for s in surfaces):
                continue
            surfaces.append(best_surface(phrase, texts))
        return surfaces

    def _heading(self, phrases: list[str], taken: set[str]) -> str:
        for phrase in phrases:
            if fold(phrase) not in taken:
                taken.add(fold(phrase))
                return capitalise(phrase)
        return "Autres idées"

    # --- the three uses ----------------------------------------------------------------------

    def summary(self, *, ideas: Sequence[int] | None = None) -> Synthesis:
        """Per sub-topic a heading, counts, a gist and 1–3 sentences; then what is disputed and agreed,
        minority views and weak signals, texts copied by several contributions, arguments and who spoke."""
        self._check_fitted()
        all_ideas = list(range(len(self.ideas_))) if ideas is None else list(ideas)
        n = self._n_contributions(all_ideas)
        if not self.sentences_ or not all_ideas:
            return Synthesis(
                (Segment("liaison", "Cette sélection ne contient aucun texte à résumer."),), n, len(all_ideas)
            )
        wanted = set(all_ideas)
        segments = [
            Segment(
                "liaison",
                f"{self._counts(all_ideas)}, soit {_plural(len(all_ideas), 'idée')} "
                f"distincte{'s' if len(all_ideas) > 1 else ''} une fois les doublons regroupés.",
            )
        ]
        used: set[int] = set()
        topic_ids, taken, main, minor = [], set(), [], []
        for t, members in enumerate(self.topics_):
            members = [m for m in members if m in wanted]
            if members:
                weight = self._n_contributions(members)
                (main if weight >= max(3, 0.05 * n) or not main else minor).append((t, members))
        segments.append(Segment("titre", "Idées principales"))
        shown = []
        for t, members in main:
            weight = self._n_contributions(members)
            count = min(3, self.sentences_per_topic + (weight >= 0.1 * n and weight >= 10)) if weight > 1 else 1
            picks = self._pick(self._representative(t, members), count, used, candidate_ideas=members)
            if not picks:
                minor.append((t, members))
                continue
            phrases = self._phrases(t, members)
            heading = self._heading(phrases, taken)
            topic_ids.append(tuple(i for m in members for i in self.ideas_[m]))
            segments.append(Segment("titre", heading))
            segments.append(Segment("statistique", f"{self._counts(members)}."))
            gist = [p for p in phrases if fold(p) != fold(heading)][:3]
            if gist:
                segments.append(Segment("liaison", "Ce qui revient : " + ", ".join(f"« {p} »" for p in gist) + "."))
            segments.extend(picks)
            shown.append((t, members, heading))
        segments.extend(self._debate(shown, used))
        segments.extend(self._minority(minor, all_ideas, used))
        segments.extend(self._copies(all_ideas, used))
        arguments = self._arguments(all_ideas, used)
        if arguments:
            segments.append(Segment("titre", "Arguments avancés"))
            segments.extend(arguments)
        who = self._who(all_ideas)
        if who:
            segments.append(Segment("titre", "Qui s'est exprimé"))
            segments.extend(who)
        return Synthesis(tuple(segments), n, len(all_ideas), tuple(topic_ids))

    def _debate(self, shown, used: set[int]) -> list[Segment]:
        """ "Ce qui est débattu": pairs of sentences of a sub-topic that say the opposite; "ce qui fait accord"."""
        disputed, agreed = [], []
        for t, members, heading in shown:
            ranked = [r for _, r in self._representative(t, members)[:25]]
            stems = {r: self.scorer_.content_stems(self.sentences_[r].text) for r in ranked}
            pair = next(
                (
                    (a, b)
                    for n, a in enumerate(ranked)
                    for b in ranked[n + 1 :]
                    if self.sentences_[a].idea != self.sentences_[b].idea and self._opposed(a, b, stems)
                ),
                None,
            )
            segments = [self._cite(r, members) for r in pair] if pair else []
            if pair and all(segments):
                used.update(pair)
                disputed += [
                    Segment(
                        "liaison",
                        f"Sur « {heading.lower() if not heading.isupper() else heading} », "
                        "des contributions disent le contraire l'une de l'autre :",
                    ),
                    *segments,
                ]
            elif self._n_contributions(members) > 1:
                agreed.append(f"« {heading} » ({self._counts(members)})")
        out = []
        if disputed:
            out += [Segment("titre", "Ce qui est débattu"), *disputed]
        if agreed:
            out += [
                Segment("titre", "Ce qui fait accord"),
                Segment("liaison", "Aucun avis contraire relevé sur : " + " ; ".join(agreed) + "."),
            ]
        return out

    def _opposed(self, a: int, b: int, stems: dict) -> bool:
        first, second = self.sentences_[a], self.sentences_[b]
        similarity = float(self.idea_vectors_[first.idea] @ self.idea_vectors_[second.idea])
        return _opposed(first.text, second.text, len(stems[a] & stems[b]), similarity)

    def _minority(self, minor, ideas: Sequence[int], used: set[int]) -> list[Segment]:
        """Small sub-topics (one sentence each) and isolated ideas, in their own part."""
        out: list[Segment] = []
        for t, members in minor[:3]:
            picks = self._pick(self._representative(t, members), 1, used, candidate_ideas=members)
            if picks:
                out += [Segment("liaison", f"{capitalise(self._counts(members))} :"), *picks]
        out += self._weak_signals(ideas, used)
        if not out:
            return []
        return [Segment("titre", "Avis minoritaires et signaux faibles"), *out]

    def _copies(self, ideas: Sequence[int], used: set[int]) -> list[Segment]:
        """Every text copied by several contributions appears: its central sentence, or its count when too short."""
        cited = {self.sentences_[r].idea for r in used}
        groups = sorted(
            (i for i in ideas if self.weights_[i] > 1 and i not in cited), key=lambda i: (-self.weights_[i], i)
        )
        phrases, short = [], []
        for idea in groups:
            rows = self._rows_of.get(idea, [])
            if not rows:
                if self.weights_[idea] >= 3:
                    short.append(f"« {' '.join(self._text(idea).split()[:12])} » ({int(self.weights_[idea])})")
                continue
            own = self.idea_matrix_[idea].toarray().ravel()
            closeness = np.asarray(self.sentence_matrix_[rows] @ own).ravel()
            order = [rows[k] for k in np.argsort(-closeness, kind="stable")]
            segment = next((s for s in (self._cite(r, [idea]) for r in order[:3]) if s), None)
            if segment:
                used.add(order[0])
                phrases.append(segment)
        out: list[Segment] = []
        if phrases:
            out += [Segment("titre", "Textes repris par plusieurs contributions"), *phrases]
        if short:
            out.append(Segment("statistique", "Réponses brèves reprises à l'identique : " + " ; ".join(short) + "."))
        return out

    def _arguments(self, ideas: Sequence[int], used: set[int]) -> list[Segment]:
        ranked = []
        wanted = set(ideas)
        topic_of = {i: t for t, members in enumerate(self.topics_) for i in members}
        for row, sentence in enumerate(self.sentences_):
            if sentence.idea not in wanted or row in used or not _ARGUMENT.search(sentence.text):
                continue
            t = topic_of[sentence.idea]
            closeness = float(self.idea_vectors_[sentence.idea] @ self.semantic_centres_[t])
            ranked.append((closeness * (1 + math.log(self.weights_[sentence.idea])), row))
        ranked.sort(key=lambda p: (-p[0], p[1]))
        return self._pick(ranked, self.n_arguments, used, candidate_ideas=ideas)

    def _weak_signals(self, ideas: Sequence[int], used: set[int]) -> list[Segment]:
        """Ideas said once, far in meaning from every other idea of the scope."""
        singles = [i for i in ideas if self.weights_[i] == 1 and i in self._rows_of]
        if len(ideas) < 8 or not singles:
            return []
        similarity = self.idea_vectors_[singles] @ self.idea_vectors_[list(ideas)].T
        position = {idea: k for k, idea in enumerate(ideas)}
        for row, idea in enumerate(singles):
            similarity[row, position[idea]] = -1.0
        isolation = similarity.max(axis=1)
        order = sorted(range(len(singles)), key=lambda k: (isolation[k], singles[k]))
        used_ideas = {self.sentences_[r].idea for r in used}
        candidates = [
            (0.0, max(self._rows_of[singles[k]], key=lambda r: (self.sentence_matrix_[r].nnz, -r)))
            for k in order[: 4 * self.n_weak_signals]
            if singles[k] not in used_ideas
        ]
        picks = self._pick(candidates, self.n_weak_signals, used, candidate_ideas=[])
        if not picks:
            return []
        return [Segment("liaison", "Des idées exprimées une seule fois, éloignées des autres :"), *picks]

    def answer(
        self, question: str, *, history: Sequence[str] = (), min_score: float | None = None, n_sentences: int = 5
    ) -> Synthesis:
        """Sentences of the contributions that answer ``question`` by words or meaning, or :data:`NO_ANSWER`.

        ``history``: the previous questions of the same scope, oldest first. An elliptic follow-up
        ("Et les financeurs, qu'en disent-ils ?") keeps the previous subject; "Lesquelles parlent de
        la VAE ?" searches among the contributions that answered the previous question. A question
        naming an actor type ("Que disent les financeurs ?") is restricted to that actor type; with no
        other subject it gets their summary. The last segment says how many contributions were drawn on.
        """
        self._check_fitted()
        min_score = self.min_answer_score if min_score is None else min_score
        subject = self._subject(question, list(history))
        ideas = list(range(len(self.ideas_))) if subject.ideas is None else list(subject.ideas)
        intro: list[Segment] = []
        if subject.ideas is not None:
            intro.append(
                Segment("liaison", f"Parmi les {self._counts(ideas)} qui répondaient à la question précédente :")
            )
        if subject.actors:
            ideas = [i for i in ideas if any(self.actor_types_[self._row[m]] in subject.actors for m in self.ideas_[i])]
            names = " ; ".join(sorted(subject.actors))
            if not ideas:
                return Synthesis(
                    (
                        *intro,
                        Segment("liaison", f"Aucune contribution de type « {names} » dans cette sélection."),
                        Segment("liaison", NO_ANSWER),
                    )
                )
            intro.append(Segment("liaison", f"Contributions de type « {names} » :"))
            if not subject.stems:
                summary = self.summary(ideas=ideas)
                return Synthesis(
                    (*intro, *summary.segments),
                    summary.n_contributions,
                    summary.n_ideas,
                    summary.topic_ids,
                    tuple(i for idea in ideas for i in self.ideas_[idea]),
                )
        ranked = self._retrieve(subject, ideas, min_score) if subject.stems else []
        if not ranked:
            return Synthesis((*intro, Segment("liaison", NO_ANSWER)), subject=" ".join(subject.words))
        relevant = list(dict.fromkeys(self.sentences_[r].idea for _, r in ranked))
        picks = self._pick(ranked, n_sentences, set(), candidate_ideas=relevant, redundancy=0.6)
        if not picks:
            return Synthesis((*intro, Segment("liaison", NO_ANSWER)), subject=" ".join(subject.words))
        drawn = tuple(i for idea in relevant for i in self.ideas_[idea])
        cited = {i for s in picks for i in s.citations}
        head = "Ce que disent les contributions à ce sujet :"
        if subject.carried:
            head = f"Ce que disent les contributions sur « {' '.join(subject.words)} » :"
        count = Segment(
            "statistique",
            f"Réponse tirée de {_plural(len(drawn), 'contribution')} qui en "
            f"parle{'nt' if len(drawn) > 1 else ''} "
            f"(sur {len(self.ids_)} dans la sélection), dont {len(cited)} citée"
            f"{'s' if len(cited) > 1 else ''}.",
        )
        return Synthesis(
            (*intro, Segment("liaison", head), *picks, count),
            self._n_contributions(relevant),
            len(relevant),
            drawn_ids=drawn,
            subject=" ".join(subject.words),
        )

    def _terms(self, question: str) -> tuple[list[str], list[str], set[str]]:
        """(content stems, their words as written, actor types named) of a question."""
        actor_stems = self._actor_stems()
        stems, words, actors = [], [], set()
        for word in re.findall(r"[\wÀ-ÿ'’-]+", question):
            for stem in _ANALYZER.stems(word):
                if stem in actor_stems:
                    actors |= actor_stems[stem]
                elif stem not in self.scorer_._discourse and fold(stem) not in _QUESTION_WORDS and stem not in stems:
                    stems.append(stem)
                    words.append(word.split("'")[-1].split("’")[-1])
        return stems, words, actors

    def _subject(self, question: str, history: list[str]) -> _Subject:
        stems, words, actors = self._terms(question)
        among = bool(_AMONG_PREVIOUS.search(question))
        if not history or not (among or _ELLIPTIC.search(question) or len(stems) + bool(actors) <= 1):
            return _Subject(stems, words, actors, None, (question,), False)
        previous = self._subject(history[-1], history[:-1])
        if among and stems:
            ideas = list(range(len(self.ideas_))) if previous.ideas is None else previous.ideas
            found = self._retrieve(previous, ideas, self.min_answer_score)
            return _Subject(
                stems,
                words,
                actors,
                tuple(dict.fromkeys(self.sentences_[r].idea for _, r in found)),
                (question,),
                False,
            )
        new = [s for s in stems if s not in previous.stems]
        return _Subject(
            previous.stems + new,
            previous.words + [w for s, w in zip(stems, words) if s in new],
            actors or previous.actors,
            previous.ideas,
            (question, *previous.questions),
            True,
        )

    def _retrieve(self, subject: _Subject, ideas: Sequence[int], min_score: float) -> list[tuple[float, int]]:
        """Sentences answering the subject, best first: TF-IDF cosine with its words plus encoder cosine.

        A sentence answers when it is close in meaning, or when it has the question's words weighing at
        least half of the question (by idf): "professionnel" alone does not answer "football professionnel".
        """
        rows = [r for i in ideas for r in self._rows_of.get(i, ())]
        if not rows:
            return []
        lexical = np.zeros(len(rows))
        if subject.stems and self.sentence_matrix_ is not None:
            matrix = self.sentence_matrix_[rows]
            for words, share in ((subject.words, 1.0), (_related(subject.stems), 0.6)):
                query = self.vectorizer_.transform([" ".join(words)]) if words else None
                if query is not None and query.nnz:
                    lexical = np.maximum(lexical, share * (matrix @ query.T).toarray().ravel())
        question = self._embed([" ".join(subject.questions)])[0]
        idea_of = np.array([self.sentences_[r].idea for r in rows])
        prior = lexical + self.idea_vectors_[idea_of] @ question
        candidates = list(np.argsort(-prior, kind="stable")[:_N_CANDIDATES])
        semantic = self._embed([self.sentences_[rows[k]].text for k in candidates]) @ question
        out = [
            (float(lexical[k] + semantic[n]), rows[k])
            for n, k in enumerate(candidates)
            if semantic[n] >= self.min_answer_similarity
            or (lexical[k] >= min_score and self._covers(subject, self.sentences_[rows[k]].text) >= 0.5)
        ]
        return sorted(out, key=lambda p: (-p[0], p[1]))

    def _covers(self, subject: _Subject, sentence: str) -> float:
        """Share of the question's idf-weighted stems the sentence has (a glossary word counts for its entry).

        An acronym must be written as such: "VAE" and the verb "va" share a stem.
        """
        found = set(_ANALYZER.stems(sentence))
        folded = f" {fold(sentence)} "
        weights = {s: self.scorer_._idf.get(s, self.scorer_._unknown_idf) for s in subject.stems}
        covered = 0.0
        for stem, word in zip(subject.stems, subject.words):
            own = f" {fold(word)} " in folded if word.isupper() and len(word) > 1 else stem in found
            if own or found & set(_ANALYZER.stems(" ".join(_related([stem])))):
                covered += weights[stem]
        return covered / sum(weights.values()) if weights else 0.0

    def _actor_stems(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for label in {a for a in self.actor_types_ if a}:
            stems = _ANALYZER.stems(label)
            if stems and fold(label) != "autre":
                out.setdefault(stems[0], set()).add(label)
        return out

    def draft(self, *, n_sentences: int = 4) -> Draft:
        """A proposal draft on the main sub-topic that proposes something: a constat and a proposition.

        The proposition is made of proposal-like sentences ("il faut", "devrait", "proposer", an
        infinitive opening the sentence), the constat of the other central sentences of that
        sub-topic; every sentence is cited and verified. ``considered_ids`` lists every contribution
        of the scope and ``kept_ids`` those cited, for the moderator to choose.
        """
        self._check_fitted()
        considered = tuple(self.ids_)
        if not self.sentences_:
            return Draft(
                "Proposition",
                (Segment("liaison", "Cette sélection ne contient aucun texte."),),
                considered_ids=considered,
            )
        proposing = [
            t
            for t, members in enumerate(self.topics_)
            if any(is_proposal(self.sentences_[r].text) for i in members for r in self._rows_of.get(i, ()))
        ]
        topic = proposing[0] if proposing else 0
        members = self.topics_[topic]
        ranked = self._representative(topic, members)
        used: set[int] = set()
        half = max(1, n_sentences // 2)
        proposition = self._pick(ranked, half, used, candidate_ideas=members, predicate=is_proposal)
        constat = self._pick(
            ranked,
            max(1, n_sentences - len(proposition)) if not proposition else half,
            used,
            candidate_ideas=members,
            predicate=lambda s: not is_proposal(s),
        )
        arguments = self._arguments(members, used)
        kept = tuple(dict.fromkeys(i for s in (*constat, *proposition, *arguments) for i in s.citations))
        text = [Segment("liaison", "Constat :"), *constat, Segment("liaison", "Proposition :"), *proposition]
        if not proposition:
            text.append(
                Segment("liaison", "Aucune contribution de ce sujet ne formule de proposition : elle reste à rédiger.")
            )
        text.append(
            Segment(
                "statistique",
                f"Sources : {len(kept)} contribution{'s' if len(kept) > 1 else ''} "
                f"citée{'s' if len(kept) > 1 else ''} sur {len(considered)} examinées, "
                f"dont {self._n_contributions(members)} sur ce sujet ; toutes restent "
                "au choix du modérateur.",
            )
        )
        return Draft(
            self._title(topic, members),
            tuple(text),
            tuple(arguments),
            tuple(constat),
            tuple(proposition),
            considered,
            kept,
        )

    def _title(self, topic: int, members: Sequence[int]) -> str:
        """A noun phrase of the sub-topic, never a contribution's own title nor a link."""
        titles = {fold(t).strip(" .") for t in self.titles_ if t}
        for phrase in self._phrases(topic, members):
            if fold(phrase) not in titles and "[#" not in phrase and "http" not in phrase:
                return capitalise(phrase)[:200]
        return "Proposition"

    def _check_fitted(self) -> None:
        if not hasattr(self, "ideas_"):
            raise RuntimeError("ExtractiveSynthesizer is not fitted: call fit() first")


@dataclass
class _Subject:
    """What a question asks about, once the conversation is taken into account."""

    stems: list[str]
    words: list[str]
    actors: set[str]
    ideas: tuple[int, ...] | None  # restricted to the previous answer's ideas ("Lesquelles…")
    questions: tuple[str, ...]  # the question and the previous ones it carries, for the encoder
    carried: bool


def _related(stems: Sequence[str]) -> list[str]:
    """Words of :data:`_GLOSSARY` related to the question's stems (an entry's words find its related words)."""
    wanted = set(stems)
    out = []
    for words, related in _GLOSSARY:
        if wanted & set(_ANALYZER.stems(words)):
            out.append(related)
    return out


def _stem(word: str) -> str:
    stems = _ANALYZER.stems(word)
    return stems[0] if stems else fold(word)


def summarize(ids, texts, **metadata) -> Synthesis:
    """Shortcut: ``ExtractiveSynthesizer().fit(ids, texts, **metadata).summary()``."""
    return ExtractiveSynthesizer().fit(ids, texts, **metadata).summary()


def answer_question(ids, texts, question: str, *, history: Sequence[str] = (), **metadata) -> Synthesis:
    """Shortcut: ``ExtractiveSynthesizer().fit(ids, texts, **metadata).answer(question, history=history)``."""
    return ExtractiveSynthesizer().fit(ids, texts, **metadata).answer(question, history=history)


def draft_proposal(ids, texts, **metadata) -> Draft:
    """Shortcut: ``ExtractiveSynthesizer().fit(ids, texts, **metadata).draft()``."""
    return ExtractiveSynthesizer().fit(ids, texts, **metadata).draft()
