"""The summary: per sub-topic a heading, counts, a gist and sentences; disputed and agreed; minority views,
weak signals and copied texts."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nlp._phrases import capitalise
from nlp.stance import opposite_stance
from nlp.synthesis.segments import Segment, Synthesis
from nlp.synthesis.selection import _plural, _Selection
from nlp.text import fold

_SAME_SUBJECT = 0.5  # encoder cosine above which two contributions speak of the same subject


def _opposed(a: str, b: str, n_shared: int, similarity: float) -> bool:
    """Two sentences on the same subject that take opposite positions (:func:`nlp.stance.opposite_stance`).

    Same subject: close in meaning (``similarity``, the encoder's cosine of their contributions) or
    three shared content words (``n_shared``); a negation alone, between two unrelated sentences, is
    no dispute.
    """
    return (similarity >= _SAME_SUBJECT or n_shared >= 3) and opposite_stance(a, b)


class _Summary(_Selection):
    """The summary: per sub-topic a heading, counts, a gist and sentences; disputed and agreed; minority views,"""

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

    def _debate(self, shown, used: set[int]) -> list[Segment]:
        """ "Ce qui est débattu": pairs of sentences of a sub-topic that say the opposite; "ce qui fait accord"."""
        disputed, agreed = [], []
        for t, members, heading in shown:
            ranked = [r for _, r in self._representative(t, members)[:25]]
            stems = {r: self._content_stems(r) for r in ranked}
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

    def _copies(self, ideas: Sequence[int], used: set[int], cited_ids: set) -> list[Segment]:
        """Every idea several contributions state, copied or in other words, appears once: its central
        sentence cited with them, or its count when the copied text is too short to stand as an idea.

        An idea already cited above (one of its contributions) is not repeated.
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
                if len(group) == 1 and self.weights_[group[0]] >= 3:
                    short.append(f"« {' '.join(self._text(group[0]).split()[:12])} » ({int(self.weights_[group[0]])})")
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
