"""The proposal draft: a title, a constat and a proposition from the main sub-topic that proposes something."""

from __future__ import annotations

from collections.abc import Sequence

from nlp._phrases import capitalise
from nlp._sentences import is_proposal
from nlp.synthesis.segments import Draft, Segment
from nlp.synthesis.selection import _Selection
from nlp.text import fold


class _Drafting(_Selection):
    """The proposal draft: a title, a constat and a proposition from the main sub-topic that proposes something."""

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
