"""The summary: per sub-topic a heading, counts, a gist and sentences; disputed and agreed; minority views,
weak signals and copied texts."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nlp._phrases import capitalise
from nlp._polarity import is_polarity_word, polarities, tokenize
from nlp._sentences import is_noise
from nlp.stance import _TOKEN, _token_cues, opposite_stance, stance
from nlp.synthesis.segments import Segment, Synthesis
from nlp.synthesis.selection import _plural, _Selection, _stem
from nlp.synthesis.subtopics import one_thread
from nlp.text import fold

_NEGATORS = frozenset(
    ["ne", "n", "pas", "plus", "jamais", "aucun", "aucune", "sans", "non", "rien", "nullement", "guere"]
)
_CUE_WINDOW = 4  # words on each side of an antonym cue it bears on


def _polar_stems(sentence: str, content: set[str]) -> tuple[dict[str, int], set[str]]:
    """The polarity of each content word of the sentence (1 when a negation governs it), and the words a
    negation bears on: the first content word after it ("il ne faut plus augmenter les impôts": ``augment``).

    Polarity as the checker reads it (:func:`nlp._polarity.polarities`); ``content`` holds the stems that count.
    """
    tokens = tokenize(fold(sentence).replace("’", "'"))
    polarity, _, _ = polarities(tokens)
    out: dict[str, int] = {}
    negated_heads: set[str] = set()
    waiting, previous, clause, before = False, 0, None, ""
    for token, value in zip(tokens, polarity):
        if token.clause != clause:
            clause, previous = token.clause, 0
        # Only a negation word ("ne … pas", "pas de", "aucun", "sans") makes a head: "on manque de formateurs"
        # lacks formateurs, it does not oppose a sentence about them.
        waiting = waiting or (value > previous and before in _NEGATORS)
        previous, before = value, token.folded
        stem = _stem(token.folded)
        if stem not in content or is_polarity_word(token.folded):
            continue
        out[stem] = max(out.get(stem, 0), value)
        if waiting and value:
            negated_heads.add(stem)
        waiting = False
    return out, negated_heads


def _opposed(a: str, b: str, stems_a: set[str], stems_b: set[str]) -> bool:
    """Two sentences that take opposite positions on the same point.

    The same point is read in the two sentences themselves (two contributions of one sub-topic are
    close in meaning whatever their sentences say): they share two content words or more. Opposite
    positions: a negation bears on a shared word the other sentence states ("augmenter les impôts" /
    "ne plus augmenter les impôts"), or opposite cues of one axis of :mod:`nlp.stance` bear on a
    shared word ("surtout ne pas alléger Qualiopi" / "simplifier l'audit Qualiopi"). A negation or
    a cue bearing on another word is no dispute.
    """
    shared = stems_a & stems_b
    if len(shared) < 2 or not opposite_stance(a, b):
        return False
    (polar_a, heads_a), (polar_b, heads_b) = _polar_stems(a, stems_a), _polar_stems(b, stems_b)
    if any((s in heads_a and polar_b.get(s) == 0) or (s in heads_b and polar_a.get(s) == 0) for s in shared):
        return True
    stance_a, stance_b = stance(a), stance(b)
    return any(
        stance_a.sign(axis) * stance_b.sign(axis) < 0 and shared & _cue_neighbours(a, axis) & _cue_neighbours(b, axis)
        for axis, _ in stance_a.axes
    )


def _cue_neighbours(sentence: str, axis: str) -> set[str]:
    """Stems of the words within :data:`_CUE_WINDOW` words of a cue of ``axis`` (what the cue bears on:
    "alléger Qualiopi", "baisser la TVA")."""
    tokens = _TOKEN.findall(fold(sentence))
    out: set[str] = set()
    for n, token in enumerate(tokens):
        if any(cue_axis == axis for cue_axis, _ in _token_cues(token)):
            out.update(_stem(t) for t in tokens[max(0, n - _CUE_WINDOW) : n + _CUE_WINDOW + 1])
    return out


class _Summary(_Selection):
    """The summary: per sub-topic a heading, counts, a gist and sentences; disputed and agreed; minority views,"""

    def summary(self, *, ideas: Sequence[int] | None = None) -> Synthesis:
        """Per sub-topic a heading, counts, a gist and 1–3 sentences; then what is disputed and agreed,
        minority views and weak signals, texts copied by several contributions, arguments and who spoke."""
        self._check_fitted()
        # One BLAS thread, as in fit: the weak signals' closeness of every idea to every other (447 x 486 x 512 at
        # 500 contributions) cost 23 ms of CPU on two threads of a shared host, 6.5 ms on one.
        with one_thread():
            return self._summary(ideas)

    def _summary(self, ideas: Sequence[int] | None) -> Synthesis:
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
        stated = self._n_stating(all_ideas)
        for t, members in enumerate(self.topics_):
            members = [m for m in members if m in wanted]
            if members:
                weight = self._n_stating(members)
                (main if weight >= max(3, 0.05 * stated) or not main else minor).append((t, members))
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
            segments.append(Segment("titre", heading, level=2))
            segments.append(Segment("statistique", f"{self._counts(members)}."))
            gist = self._gist(phrases, heading)
            if gist:
                segments.append(Segment("liaison", gist))
            segments.extend(picks)
            shown.append((t, members, heading))
        segments.extend(self._debate(shown, used))
        segments.extend(self._minority(minor, all_ideas, used))
        segments.extend(self._copies(all_ideas, used, {i for s in segments for i in s.citations}))
        arguments = self._arguments(all_ideas, used)
        if arguments:
            segments.append(Segment("titre", "Arguments avancés"))
            segments.extend(arguments)
        who = self._who(all_ideas)
        if who:
            segments.append(Segment("titre", "Qui s'est exprimé"))
            segments.extend(who)
        return Synthesis(tuple(segments), n, len(all_ideas), tuple(topic_ids))

    def _n_stating(self, ideas: Sequence[int]) -> int:
        """How many contributions of ``ideas`` weigh in making a sub-topic main: each idea with its copies, but a text
        with no sentence that can stand as an idea once, whatever its copies ("La téléportation" posted 9 times, a
        sarcastic answer the brief-answers line counts, made a main sub-topic headed "Téléportation")."""
        return int(sum(self.weights_[i] if i in self._rows_of else 1 for i in ideas))

    def _gist(self, phrases: list[str], heading: str) -> str:
        """One line on what the sub-topic's texts speak of, from its next noun phrases with their article:
        "On y parle surtout du reste à charge, des OPCO et de la prise en charge des frais." ("" when none).

        A connecting phrase, not a claim: it says which noun phrases the texts use most, not what they say.
        """
        items = [self._of_phrases.get(p, f"de {p}") for p in phrases if fold(p) != fold(heading)][:3]
        if not items:
            return ""
        listed = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1]
        return f"On y parle surtout {listed}."

    def _debate(self, shown, used: set[int]) -> list[Segment]:
        """ "Ce qui est débattu": pairs of sentences of a sub-topic that say the opposite; "ce qui fait accord".

        A contribution appears in one disputed pair at most: the part never repeats a pair, or one side of it.
        """
        disputed, agreed = [], []
        in_dispute: set = set()
        for t, members, heading in shown:
            ranked = [r for _, r in self._representative(t, members)[:25]]
            folded = {r: fold(self.sentences_[r].text) for r in ranked}  # once, not once per pair
            pair = next(
                (
                    (a, b)
                    for n, a in enumerate(ranked)
                    for b in ranked[n + 1 :]
                    if self.sentences_[a].idea != self.sentences_[b].idea
                    and folded[a] != folded[b]
                    and _opposed(
                        self.sentences_[a].text, self.sentences_[b].text, self._content_stems(a), self._content_stems(b)
                    )
                ),
                None,
            )
            segments = [self._cite(r, members) for r in pair] if pair else []
            cited = [set(s.citations) for s in segments if s]
            if pair and len(cited) == 2 and not (cited[0] & cited[1]) and not (in_dispute & (cited[0] | cited[1])):
                used.update(pair)
                in_dispute |= cited[0] | cited[1]
                disputed += [
                    Segment(
                        "liaison",
                        f"Sur « {heading.lower() if not heading.isupper() else heading} », "
                        "des contributions disent le contraire l'une de l'autre :",
                    ),
                    *[s for s in segments if s],
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

    def _copies(self, ideas: Sequence[int], used: set[int], cited_ids: set) -> list[Segment]:
        """Every idea several contributions state, copied or in other words, appears once: its central
        sentence cited with them, or its count when the copied text is too short to stand as an idea.

        An idea already cited above (one of its contributions) is not repeated. A short answer copied twice is
        counted as one copied more often is: a duplicate group is the same idea posted again, whatever its size.
        """
        wanted = set(ideas)
        groups: dict[frozenset, list[int]] = {}
        for idea in ideas:
            linked = [idea, *(k for k in self.reworded_.get(idea, ()) if k in wanted)]
            if len(linked) > 1 or self.weights_[idea] > 1:
                groups.setdefault(frozenset(linked), sorted(linked, key=lambda i: (-self.weights_[i], i)))
        covered = set(cited_ids)
        phrases, short = [], []
        for group in sorted(groups.values(), key=lambda g: (-self.weights_[g].sum(), g[0])):
            members = {i for idea in group for i in self.ideas_[idea]}
            if members & covered:
                continue
            rows = [r for idea in group for r in self._rows_of.get(idea, ())]
            if not rows:
                text = self._text(group[0])
                # Every repeated short answer (a duplicate group is an idea said again), never thanks or an aside.
                if len(group) == 1 and not is_noise(text):
                    words = text.split()
                    quoted = " ".join(words[:12]) + (" …" if len(words) > 12 else "")
                    short.append(f"« {quoted} » ({int(self.weights_[group[0]])})")
                continue
            centre = self._centre(group)
            closeness = np.asarray(self.sentence_matrix_[rows] @ centre).ravel()
            order = [rows[k] for k in np.argsort(-closeness, kind="stable")]
            for row in order[:3]:
                segment = self._cite(row, group)
                if segment:
                    used.add(row)
                    covered.update(segment.citations)
                    phrases.append(segment)
                    break
        out: list[Segment] = []
        if phrases:
            out += [
                Segment("titre", "Idées reprises par plusieurs contributions"),
                Segment("liaison", "À l'identique ou en d'autres mots :"),
                *phrases,
            ]
        if short:
            out.append(Segment("statistique", "Réponses brèves reprises à l'identique : " + " ; ".join(short) + "."))
        return out

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
        n_words = np.diff(self.sentence_matrix_.indptr)  # distinct weighted words of each sentence
        candidates = [
            (0.0, max(self._rows_of[singles[k]], key=lambda r: (n_words[r], -r)))
            for k in order[: 4 * self.n_weak_signals]
            if singles[k] not in used_ideas
        ]
        picks = self._pick(candidates, self.n_weak_signals, used, candidate_ideas=[])
        if not picks:
            return []
        return [Segment("liaison", "Des idées exprimées une seule fois, éloignées des autres :"), *picks]
