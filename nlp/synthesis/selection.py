"""Choosing sentences: ranked by closeness to a sub-topic, cited with the ideas that say the same, checked;
counts, headings and the arguments put forward."""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

from nlp._phrases import (
    COMPLEMENT,
    SurfaceFinder,
    capitalise,
    is_prenominal,
    lone_heads,
    of_phrase,
    phrase_stems,
    phrases_in_text,
)
from nlp.citations import CheckedSentence, check_sentence
from nlp.synthesis.segments import Segment
from nlp.synthesis.subtopics import _Fitted
from nlp.text import FrenchAnalyzer, fold

_MAX_CITED = 8


_SAME_SENTENCE = 0.7  # TF-IDF cosine above which a sentence of another idea says the same (with 3 shared words)


_SAME_MEMBER = 0.8  # share of the sentence's weighted stems a duplicate must contain to be cited with it


_PHRASE_LEAD = 0.25  # share of the best noun's score the second needs to join it in a heading ("X et Y")


_HEADING_WORDS = 7  # words of a heading, links included: "financement des formations par les OPCO"


_LONG = 35  # words: a longer sentence is less likely chosen (a summary reads short sentences)


_ARGUMENT = re.compile(
    r"\b(car|parce qu|parce que|puisqu|puisque|afin d|afin que|pour que|en effet|permettrait|permettra|"
    r"permettant|grâce à|sinon|ce qui|c'est pourquoi|donc)\b",
    re.IGNORECASE,
)


_ANALYZER = FrenchAnalyzer()


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n <= 1 else plural or word + 's'}"


@functools.lru_cache(maxsize=100_000)
def _stem(word: str) -> str:
    stems = _ANALYZER.stems(word)
    return stems[0] if stems else fold(word)


def _inflection_key(phrase: str) -> str:
    """A folded phrase without its plural marks ("marches publics" -> "marche public"): number is the
    inflection that varies between texts naming the same thing."""
    return " ".join([w[:-1] if len(w) > 3 and w[-1] in "sx" else w for w in phrase.split()])


def _by_inflection(
    counts: Counter, articles: dict, key: Callable[[str], str] = _inflection_key
) -> tuple[Counter, dict]:
    """Phrases that differ only by inflection ("marché public", "marchés publics") counted as one, under
    their most used form; their determiners put together.

    ``key`` gives a phrase's :func:`_inflection_key` (a caller reading the same phrases often passes a cache).
    A phrase without variants keeps its own determiners (the mapping itself, not a copy).
    """
    forms: dict[str, list[str]] = {}
    for phrase in counts:
        forms.setdefault(key(phrase), []).append(phrase)
    merged: Counter = Counter()
    merged_articles: dict = {}
    for variants in forms.values():
        if len(variants) == 1:  # most phrases: nothing to put together
            phrase = variants[0]
            merged[phrase] = counts[phrase]
            if articles.get(phrase):
                merged_articles[phrase] = articles[phrase]
            continue
        main = min(variants, key=lambda p: (-counts[p], p))
        merged[main] = sum(counts[p] for p in variants)
        together: Counter = Counter()
        for p in variants:
            together.update(articles.get(p, {}))
        if together:
            merged_articles[main] = together
    return merged, merged_articles


class _Selection(_Fitted):
    """Choosing sentences: ranked by closeness to a sub-topic, cited with the ideas that say the same, checked;"""

    def _representative(self, topic: int, ideas: Sequence[int]) -> list[tuple[float, int]]:
        """Candidate sentences of ``ideas`` by closeness to the sub-topic (words and meaning), weighted by copies.

        Read once per sub-topic and fit (the summary and its "débattu" part rank the same sentences).
        """
        key = (topic, tuple(ideas))
        if key not in self._ranked:
            self._ranked[key] = self._rank(topic, ideas)
        return self._ranked[key]

    def _rank(self, topic: int, ideas: Sequence[int]) -> list[tuple[float, int]]:
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
        stems = self._content_stems(row)
        own = self._same_members(sentence.idea, stems)
        others = [i for i in candidate_ideas if i != sentence.idea and i in self._rows_of]
        wider = list(own)
        if others and len(stems) >= 3:
            rows = [r for i in others for r in self._rows_of[i]]
            closeness = self._closeness(row)[rows]
            for k in np.argsort(-closeness, kind="stable"):
                if closeness[k] < _SAME_SENTENCE or len(wider) >= _MAX_CITED:
                    break
                other = self.sentences_[rows[k]]
                if len(stems & self._content_stems(rows[k])) >= 3:
                    wider.extend(i for i in self._same_members(other.idea, stems) if i not in wider)
        reworded = self._reworded_members(sentence.idea, stems, len(set(wider)))
        options = [
            tuple(dict.fromkeys([own[0], *reworded, *wider]))[:_MAX_CITED],
            tuple(dict.fromkeys([own[0], *reworded, *own]))[:_MAX_CITED],
            tuple(own)[:_MAX_CITED],
            (own[0],),
        ]
        return list(dict.fromkeys(options))

    def _content_stems(self, row: int) -> set[str]:
        """The content stems of sentence ``row`` (:meth:`SupportScorer.content_stems`), read once per fit."""
        stems = self._stems_of_row.get(row)
        if stems is None:
            stems = self._stems_of_row[row] = self.scorer_.content_stems(self.sentences_[row].text)
        return stems

    def _closeness(self, row: int) -> np.ndarray:
        """TF-IDF cosine of sentence ``row`` with every sentence (one sparse product, not one per row subset)."""
        return (self.sentence_matrix_ @ self.sentence_matrix_[row].T).toarray().ravel()

    def _reworded_members(self, idea: int, stems: set[str], n_cited: int) -> list:
        """The contributions saying ``idea`` in other words (``reworded_``), to cite with its sentence.

        Beyond three sources each must share two content words with the sentence: no citation through one word.
        """
        members = [m for k in self.reworded_.get(idea, ()) for m in self.ideas_[k]]
        if n_cited + len(members) > 3:
            members = [m for m in members if len(stems & self.scorer_.stems_[m]) >= 2]
        return members

    def _cite(self, row: int, candidate_ideas: Sequence[int]) -> Segment | None:
        """The sentence with the widest citation the checker verifies; None when none is verified.

        The checker has the last word even on a sentence copied word for word: the app shows only
        verified sentences as fact, so a copy it refuses ("les abeilles" from one source) is not chosen.
        """
        text = self.sentences_[row].text
        for citations in self._supporters(row, candidate_ideas):
            segment = Segment("phrase", text, citations)
            if self.verdict(segment).is_verified:
                return segment
        return None

    def verdict(self, segment: Segment) -> CheckedSentence:
        """The citation check's verdict on ``segment`` (:func:`nlp.citations.check_sentence` on its text and
        citations), against the fitted scope with its size known.

        Each exact sentence and citation is checked once per fit: the verdict that chose a sentence is the one
        the app stores and shows (the embedded engine reads it here instead of checking the sentence again).
        """
        self._check_fitted()
        key = segment.as_text()
        found = self._verdicts.get(key)
        if found is None:
            found = self._verdicts[key] = check_sentence(key, self.scorer_)
        return found

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
        """ "12 contributions de 9 personnes"; "12 contributions, dont 7 de 5 personnes identifiées" when some
        texts have no known author (a workshop table's sheet); "12 contributions" when none has one."""
        n = self._n_contributions(ideas)
        if self.authors_ is None:
            return _plural(n, "contribution")
        authors = [self.authors_[self._row[i]] for idea in ideas for i in self.ideas_[idea]]
        known = [a for a in authors if a not in (None, "")]
        people = _plural(len(set(known)), "personne")
        if not known:
            return _plural(n, "contribution")
        if len(known) == len(authors):
            return f"{_plural(n, 'contribution')} de {people}"
        identified = "identifiée" + ("s" if len(set(known)) > 1 else "")
        return f"{_plural(n, 'contribution')}, dont {len(known)} de {people} {identified}"

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
        """Noun phrases of a sub-topic, best first: frequent, made of the sub-topic's weighty words, and more
        frequent in the sub-topic than in the whole scope; the first is the heading.

        ``self._of_phrases`` keeps each returned phrase written after "de" with its texts' article
        ("du financement des formations"), for the gist.
        """
        ranked_ideas = sorted(ideas, key=lambda i: (-self.weights_[i], i))[:300]
        texts = [self._text(i) for i in ranked_ideas]
        # Determiners counted in plain dicts (a Counter per phrase cost more than the counting: thousands of
        # phrases per sub-topic, most read once).
        articles: dict[str, dict[str, int]] = {}
        found: Counter = Counter()
        texts_of_key: Counter = Counter()  # texts using a phrase in any of its inflections, each counted once
        for idea in ranked_ideas:
            phrases = self._idea_phrases(idea)
            found.update(phrases.keys())
            texts_of_key.update({self._inflection(p) for p in phrases})
            for phrase, determiner in phrases.items():
                seen = articles.get(phrase)
                if seen is None:
                    articles[phrase] = {determiner: 1}
                else:
                    seen[determiner] = seen.get(determiner, 0) + 1
        counts, articles = _by_inflection(found, articles, self._inflection)
        # A text writing "système" and "systèmes" is one text using the phrase (a sub-topic of one text copied 20 times
        # was headed "Système": both forms counted, it alone was read "in two texts").
        counts = Counter({p: texts_of_key[self._inflection(p)] for p in counts})
        # A phrase must be read in two texts, or in the sub-topic's only one.
        needed = min(2, len(ranked_ideas))
        scope_counts, lone = self._scope_phrases()
        vocabulary = self.vectorizer_.vectorizer_.vocabulary_ if self.vectorizer_.vectorizer_ is not None else {}
        centre = self.centres_[topic] if self.centres_ is not None else None
        stems_of = self._phrase_stems

        def stems(phrase: str) -> set[str]:
            found_stems = stems_of.get(phrase)
            if found_stems is None:
                found_stems = stems_of[phrase] = phrase_stems(phrase, _stem)
            return found_stems

        n_topic, n_scope = max(1, len(ranked_ideas)), max(1, len(self.ideas_))
        scored = []
        for phrase, count in counts.items():
            if count < needed and len(counts) > 3:
                continue
            words = phrase.replace("'", "' ").split()
            # "la présente loi", "un excellent outil": a word only read before a noun is an adjective, not a head.
            if len(words) >= 2 and (is_prenominal(words[0]) or (words[0] not in lone and words[1] in lone)):
                continue
            if len(words) == 1 and (is_prenominal(words[0]) or words[0] not in lone):
                continue  # a word alone must be read as a noun alone: not "la véritable", nor "open" of "open data"
            weight = (
                sum(float(centre[vocabulary[s]]) for s in stems(phrase) if s in vocabulary) if centre is not None else 0
            )
            if weight <= 0:
                continue
            # A phrase of several words is weighed as a phrase too: its share of the sub-topic's texts against its
            # share of the scope's ("projet de loi" is everywhere in a consultation on a bill). A word's own
            # distinctiveness is already its TF-IDF weight.
            lift = (count / n_topic) / max(scope_counts[self._inflection(phrase)] / n_scope, count / n_scope)
            distinct = math.log1p(lift) / math.log(2) if len(stems(phrase)) >= 2 else 1.0
            scored.append((count * weight * (1 + 0.35 * (len(stems(phrase)) - 1)) * distinct, phrase))
        scored.sort(key=lambda p: (-p[0], p[1]))
        if len(ranked_ideas) == 1:
            # One text (copied, maybe, many times): no phrase is read more often than another, and the words' weights
            # are that text's alone; the text names its subject first ("enseigner la structure de la fiscalité (…) au
            # jeune citoyen", not "Jeune citoyen").
            order = {self._inflection(p): n for n, p in enumerate(self._idea_phrases(ranked_ideas[0]))}
            scored.sort(key=lambda p: order.get(self._inflection(p[1]), len(order)))
        # A heading a person would write is a noun phrase ("financement des formations"), not a lone noun
        # ("financement"): the best word leads within the best phrase of several words that holds it; without
        # one, the best phrase of several words within a quarter of the best word's score.
        # Only a phrase read at least once on its own heads: "signes française" is always "langue des signes …".
        several = [
            n
            for n, (_, phrase) in enumerate(scored)
            if len(stems(phrase)) >= 2
            and counts[phrase] >= needed
            and any(not d.startswith(COMPLEMENT) for d in articles.get(phrase, ()))
        ]
        lead = next((n for n in several if stems(scored[0][1]) <= stems(scored[n][1])), None)
        if lead is None:
            lead = next((n for n in several if scored[n][0] >= _PHRASE_LEAD * scored[0][0]), 0)
        if scored:
            scored.insert(0, scored.pop(lead))
            # Then its most used longer form, while that keeps half its uses ("signes française" ->
            # "langue des signes française").
            position = {phrase: n for n, (_, phrase) in enumerate(scored)}
            head = scored[0][1]
            while True:
                enough = max(2, counts[head] / 2)
                longer = [p for p in position if stems(head) < stems(p) and counts[p] >= enough]
                if not longer:
                    break
                head = max(longer, key=lambda p: (counts[p], -len(p), p))
            if head != scored[0][1]:
                scored.insert(0, scored.pop(position[head]))
        surfaces: list[str] = []
        kept: list[tuple[float, str]] = []
        finder = SurfaceFinder(texts, [self._read(i) for i in ranked_ideas])
        for score, phrase in scored:
            if len(surfaces) >= 6:
                break
            if any(stems(phrase) <= stems(fold(s)) or stems(fold(s)) <= stems(phrase) for s in surfaces):
                continue
            surface = finder.find(phrase)
            surfaces.append(surface)
            kept.append((score, phrase))
            self._of_phrases[surface] = of_phrase(surface, articles.get(phrase))
        # No phrase of several words: the two leading nouns together ("stagiaires et formateurs") say more
        # than one alone, when the second is not far behind.
        first, second = (fold(p) for _, p in kept[:2]) if len(kept) >= 2 else ("", "")
        if (
            len(kept) >= 2
            and all(len(stems(p)) == 1 for _, p in kept[:2])
            and kept[1][0] >= _PHRASE_LEAD * kept[0][0]
            and min(counts[p] for _, p in kept[:2]) >= 3  # each noun read in three texts at least
            and not (first.startswith(second) or second.startswith(first))  # "publicité et pub"
        ):
            surfaces[:2] = [f"{surfaces[0]} et {surfaces[1]}"]
        return surfaces

    def _idea_phrases(self, idea: int) -> dict[str, str]:
        """The noun phrases of an idea's text with their determiner (:func:`phrases_in_text`), read once per fit."""
        phrases = self._phrases_of.get(idea)
        if phrases is None:
            phrases = self._phrases_of[idea] = phrases_in_text(self._phrase_tokens(idea), max_words=_HEADING_WORDS)
        return phrases

    def _scope_phrases(self) -> tuple[Counter, set[str]]:
        """The noun phrases of the whole scope (texts using each, by :func:`_inflection_key`) and the words read
        as a noun on their own; read once per fit."""
        if self._scope_phrases_ is None:
            by_key: Counter = Counter()
            for idea in range(len(self.ideas_)):
                by_key.update(map(self._inflection, self._idea_phrases(idea)))
            self._scope_phrases_ = (by_key, lone_heads(self._phrase_tokens(i) for i in range(len(self.ideas_))))
        return self._scope_phrases_

    def _inflection(self, phrase: str) -> str:
        """:func:`_inflection_key` of a phrase, read once per fit (the scope's and each sub-topic's phrases repeat)."""
        key = self._inflection_keys.get(phrase)
        if key is None:
            key = self._inflection_keys[phrase] = _inflection_key(phrase)
        return key

    def _heading(self, phrases: list[str], taken: set[str]) -> str:
        for phrase in phrases:
            if fold(phrase) not in taken:
                taken.add(fold(phrase))
                return capitalise(phrase)
        return "Autres idées"

    def _arguments(self, ideas: Sequence[int], used: set[int]) -> list[Segment]:
        wanted = set(ideas)
        ranked = [
            (score, row)
            for score, row in self._argument_rows()
            if row not in used and self.sentences_[row].idea in wanted
        ]
        return self._pick(ranked, self.n_arguments, used, candidate_ideas=ideas)

    def _argument_rows(self) -> list[tuple[float, int]]:
        """Sentences that give a reason ("car", "afin de"…), best first: central to their sub-topic, often said.

        Read once per fit (the summary and the draft both list arguments).
        """
        if self._arguments_ranked is None:
            topic_of = {i: t for t, members in enumerate(self.topics_) for i in members}
            closeness: dict[int, float] = {}
            ranked = []
            for row, sentence in enumerate(self.sentences_):
                if not _ARGUMENT.search(sentence.text):
                    continue
                idea = sentence.idea
                if idea not in closeness:
                    closeness[idea] = float(self.idea_vectors_[idea] @ self.semantic_centres_[topic_of[idea]])
                ranked.append((closeness[idea] * (1 + math.log(self.weights_[idea])), row))
            ranked.sort(key=lambda p: (-p[0], p[1]))
            self._arguments_ranked = ranked
        return self._arguments_ranked
