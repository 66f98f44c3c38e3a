"""Answers to questions, in a conversation: the subject carried from the previous questions, sentences
retrieved by words and meaning."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from nlp.citations import NO_ANSWER
from nlp.lexicon import expressions_in, read_stems, related_words, synonym_families
from nlp.synthesis.segments import Segment, Synthesis
from nlp.synthesis.selection import _ANALYZER, _plural
from nlp.synthesis.summary import _Summary
from nlp.text import fold

_MIN_SEMANTIC = 0.3  # cosine (sentence encoder) between a question and a sentence that answers it


_N_CANDIDATES = 80  # sentences embedded one by one to answer a question


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


@dataclass
class _Subject:
    """What a question asks about, once the conversation is taken into account."""

    stems: list[str]
    words: list[str]
    actors: set[str]
    ideas: tuple[int, ...] | None  # restricted to the previous answer's ideas ("Lesquelles…")
    questions: tuple[str, ...]  # the question and the previous ones it carries, for the encoder
    carried: bool
    widened: bool = False  # "Lesquelles…" after an answer that found nothing: the whole scope is searched


class _Answering(_Summary):
    """Answers to questions, in a conversation: the subject carried from the previous questions, sentences"""

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
            answered = self._counts(ideas)
            intro.append(
                Segment("liaison", f"Parmi les contributions qui répondaient à la question précédente ({answered}) :")
            )
        elif subject.widened:
            intro.append(
                Segment(
                    "liaison",
                    "La question précédente n'avait trouvé aucune contribution : la recherche porte sur toute la "
                    "sélection.",
                )
            )
        if subject.actors:
            ideas = self._of_actors(subject, ideas)
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
        ranked, searched_all = self._found(subject, ideas, min_score) if subject.stems else ([], False)
        if searched_all:
            intro[0] = Segment(
                "liaison",
                f"Aucune des contributions qui répondaient à la question précédente ({answered}) n'en parle. "
                "Dans toute la sélection :"
                if ranked
                else f"Cherché parmi les contributions qui répondaient à la question précédente ({answered}), "
                "puis dans toute la sélection :",
            )
        if not ranked and subject.actors and subject.carried:
            # "Et les financeurs, qu'en disent-ils ?" when none of them speaks of the previous subject: say so,
            # then what they do say, rather than a bare "ne répondent pas".
            summary = self.summary(ideas=ideas)
            return Synthesis(
                (
                    *intro[:-1],
                    Segment(
                        "liaison",
                        f"Aucune contribution de type « {' ; '.join(sorted(subject.actors))} » ne parle de "
                        f"« {' '.join(subject.words)} ». Ce qu'elles disent :",
                    ),
                    *summary.segments,
                ),
                summary.n_contributions,
                summary.n_ideas,
                summary.topic_ids,
                tuple(i for idea in ideas for i in self.ideas_[idea]),
                subject=" ".join(subject.words),
            )
        if not ranked:
            return Synthesis((*intro, Segment("liaison", NO_ANSWER)), subject=" ".join(subject.words))
        relevant = list(dict.fromkeys(self.sentences_[r].idea for _, r in ranked))
        picks = self._pick(ranked, n_sentences, set(), candidate_ideas=relevant, redundancy=0.6)
        if not picks:
            return Synthesis((*intro, Segment("liaison", NO_ANSWER)), subject=" ".join(subject.words))
        cited = {i for s in picks for i in s.citations}
        # A sentence is cited to every contribution that says it (a copy in another idea too): those count as
        # drawn on, so "tirée de N contributions … dont k citées" never has k > N.
        drawn = tuple(dict.fromkeys([*(i for idea in relevant for i in self.ideas_[idea]), *sorted(cited)]))
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
            # "Lesquelles parlent de la VAE ?": the encoder reads its subject, not "parlent" (which it matched
            # with "Les OPCO en parlent beaucoup…").
            asked = " ".join(words + related_words(stems)) if among and stems else question
            return _Subject(stems, words, actors, None, (asked,), False)
        previous = self._subject(history[-1], history[:-1])
        if among and stems:
            answered = self._answered(previous)
            return _Subject(
                stems,
                words,
                actors,
                answered or None,
                (" ".join(words + related_words(stems)),),
                False,
                widened=not answered,
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

    def _answered(self, subject: _Subject) -> tuple[int, ...]:
        """The ideas the answer to ``subject`` drew on, as :meth:`answer` chose them: its actors' ideas only,
        those whose sentences answer its words (all of the actors' ideas when none does: their summary)."""
        ideas = list(range(len(self.ideas_))) if subject.ideas is None else list(subject.ideas)
        ideas = self._of_actors(subject, ideas)
        if not subject.stems:
            return tuple(ideas)
        found, _ = self._found(subject, ideas, self.min_answer_score)
        if not found and subject.actors and subject.carried:
            return tuple(ideas)
        return tuple(dict.fromkeys(self.sentences_[r].idea for _, r in found))

    def _of_actors(self, subject: _Subject, ideas: Iterable[int]) -> list[int]:
        """The ideas with a contribution of an actor type the subject names (all of them when it names none)."""
        if not subject.actors:
            return list(ideas)
        return [i for i in ideas if any(self.actor_types_[self._row[m]] in subject.actors for m in self.ideas_[i])]

    def _found(self, subject: _Subject, ideas: Sequence[int], min_score: float) -> tuple[list[tuple[float, int]], bool]:
        """Sentences answering ``subject`` among ``ideas`` (:meth:`_retrieve`), and whether the search was widened:
        a "Lesquelles parlent de la VAE ?" none of the previous answer's contributions answers is answered from the
        whole selection (its actors' ideas) rather than stopped at "ne répondent pas"."""
        found = self._retrieve(subject, ideas, min_score)
        if found or subject.ideas is None:
            return found, False
        return self._retrieve(subject, self._of_actors(subject, range(len(self.ideas_))), min_score), True

    def _retrieve(self, subject: _Subject, ideas: Sequence[int], min_score: float) -> list[tuple[float, int]]:
        """Sentences answering the subject, best first: TF-IDF cosine with its words plus encoder cosine.

        A sentence answers when it is close in meaning, or when it has the question's words weighing at
        least half of the question (by idf): "professionnel" alone does not answer "football professionnel".
        """
        rows = [r for i in ideas for r in self._rows_of.get(i, ())]
        if not rows:
            return []
        lexical = np.zeros(len(rows))
        families = synonym_families(" ".join(subject.words))
        if subject.stems and self.sentence_matrix_ is not None:
            matrix = self.sentence_matrix_[rows]
            for words, share in ((subject.words, 1.0), (related_words(subject.stems), 0.6)):
                query = self.vectorizer_.transform([" ".join(words)]) if words else None
                if query is not None and query.nnz:
                    lexical = np.maximum(lexical, share * (matrix @ query.T).toarray().ravel())
            # The field's other words for what the question names (nlp.lexicon.SYNONYMS: « les publics les plus
            # éloignés de l'emploi » for « les publics fragiles »): a sentence holding one is read as if it wrote the
            # question's words, the expression it holds standing for the question's.
            for family, stems in families:
                others = [w for s, w in zip(subject.stems, subject.words) if s not in stems]
                for k, row in enumerate(rows):
                    held = self._held(row, family)
                    if held:
                        query = self.vectorizer_.transform([" ".join([*others, *held])])
                        lexical[k] = max(lexical[k], float((matrix[k] @ query.T).toarray().ravel()[0]))
        question = self._embed([" ".join(subject.questions)])[0]
        idea_of = np.array([self.sentences_[r].idea for r in rows])
        prior = lexical + self.idea_vectors_[idea_of] @ question
        candidates = list(np.argsort(-prior, kind="stable")[:_N_CANDIDATES])
        semantic = self._embed([self.sentences_[rows[k]].text for k in candidates]) @ question
        out = [
            (float(lexical[k] + semantic[n]), rows[k])
            for n, k in enumerate(candidates)
            if semantic[n] >= self.min_answer_similarity
            or (lexical[k] >= min_score and self._covers(subject, rows[k], families) >= 0.5)
        ]
        return sorted(out, key=lambda p: (-p[0], p[1]))

    def _covers(self, subject: _Subject, row: int, families: Sequence[tuple[Sequence[str], set[str]]] = ()) -> float:
        """Share of the question's idf-weighted stems sentence ``row`` has (a glossary word counts for its entry, an
        expression of the field's synonyms for the question's words it stands for: ``families``, from
        :func:`nlp.lexicon.synonym_families` on the subject's words).

        An acronym must be written as such: "VAE" and the verb "va" share a stem.
        """
        sentence = self.sentences_[row].text
        found = set(_ANALYZER.stems(sentence))
        folded = f" {fold(sentence)} "
        weights = {s: self.scorer_._idf.get(s, self.scorer_._unknown_idf) for s in subject.stems}
        synonymous = {s for family, stems in families if self._held(row, family) for s in stems}
        covered = 0.0
        for stem, word in zip(subject.stems, subject.words):
            own = f" {fold(word)} " in folded if word.isupper() and len(word) > 1 else stem in found
            if own or stem in synonymous or found & set(_ANALYZER.stems(" ".join(related_words([stem])))):
                covered += weights[stem]
        return covered / sum(weights.values()) if weights else 0.0

    def _held(self, row: int, family: Sequence[str]) -> list[str]:
        """The expressions of ``family`` (one of :data:`nlp.lexicon.SYNONYMS`) sentence ``row`` holds, read once per
        fit (every question naming the family reads every sentence)."""
        key = (row, id(family))
        held = self._sentence_reads.get(key)
        if held is None:
            held = self._sentence_reads[key] = expressions_in(read_stems(self.sentences_[row].text), family)
        return held

    def _actor_stems(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for label in {a for a in self.actor_types_ if a}:
            stems = _ANALYZER.stems(label)
            if stems and fold(label) != "autre":
                out.setdefault(stems[0], set()).add(label)
        return out
