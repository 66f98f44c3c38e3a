"""What the synthesizer returns: segments (headings, connecting phrases, counts, cited sentences),
a synthesis and a proposal draft."""

from __future__ import annotations

from dataclasses import dataclass, field

from nlp.citations import format_citations


@dataclass(frozen=True)
class Segment:
    """One piece of a generated text.

    ``kind``: ``"titre"`` (a heading), ``"liaison"`` (a connecting phrase, no claim),
    ``"statistique"`` (a count computed from metadata) or ``"phrase"`` (a sentence taken from the
    contributions, cited in ``citations``). ``level`` tells a part's heading (1) from a sub-topic's (2).
    """

    kind: str
    text: str
    citations: tuple = ()
    level: int = 1  # a heading's level: 2 for a sub-topic's heading under a part ("Idées principales")

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
