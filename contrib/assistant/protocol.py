"""What every engine of the assistant speaks: the scope it may use and cite, the conversation so far,
the endpoint's settings, and the segments it yields, each checked by ``nlp.citations`` (a sentence is shown
as fact only when its citations are in the scope and support it)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from contrib.core.french import french_spacing
from nlp.citations import NO_ANSWER, CheckedSentence, SupportScorer, check_sentence, is_no_answer
from nlp.synthesis import Segment

EMBEDDED = "embarqué"
CHAT = "chat-completions"
TASKS = ("summary", "answer", "draft")
MAX_PROMPT_CONTRIBUTIONS = 200
MAX_PROMPT_CHARS = 1500
MAX_HISTORY = 5  # previous questions of the conversation sent with a new one


class EngineError(Exception):
    """The endpoint failed (down, time-out, HTTP error, unreadable answer); ``reason`` is French."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Scope:
    """The contributions a generation may use and cite, with their metadata."""

    ids: Sequence[int]
    texts: Sequence[str]
    actor_types: Sequence[str | None] = field(default=())
    events: Sequence[str | None] = field(default=())
    titles: Sequence[str | None] = field(default=())
    vectors: Sequence[bytes] | None = None  # the stored sentence vectors, when every text has one
    authors: Sequence[int | None] | None = None  # the account behind each text (None: a table's sheet)
    # The process's duplicate groups (not dismissed) cut to the scope: ideas said again, cited together.
    duplicate_groups: Sequence[Sequence[int]] | None = None

    def metadata(self) -> dict:
        return {
            name: list(values)
            for name, values in (("actor_types", self.actor_types), ("events", self.events), ("titles", self.titles))
            if values
        } | {
            name: list(values)
            for name, values in (
                ("vectors", self.vectors),
                ("authors", self.authors),
                ("duplicate_groups", self.duplicate_groups),
            )
            if values is not None
        }


@dataclass(frozen=True)
class Turn:
    """A previous question of the same conversation and the answer shown (sentences with their citations)."""

    question: str
    answer: str


@dataclass(frozen=True)
class LLMSettings:
    url: str
    model: str
    api_key: str = ""
    timeout: float = 20.0
    total_timeout: float = 90.0
    retries: int = 1
    backoff: float = 0.5
    judge: bool = False  # a second pass: the model confirms each sentence the deterministic check verified

    @classmethod
    def from_config(cls, config) -> LLMSettings | None:
        """Settings from the Flask config, or None when no endpoint is configured."""
        if not config.get("LLM_URL"):
            return None
        return cls(
            url=config["LLM_URL"],
            model=config.get("LLM_MODEL") or "",
            api_key=config.get("LLM_API_KEY") or "",
            timeout=float(config.get("LLM_TIMEOUT", 20)),
            total_timeout=float(config.get("LLM_TOTAL_TIMEOUT", 90)),
            retries=int(config.get("LLM_RETRIES", 1)),
            backoff=float(config.get("LLM_BACKOFF", 0.5)),
            judge=bool(config.get("LLM_JUDGE", False)),
        )


def structure_segment(kind: str, text: str, section: str, level: int = 1) -> dict:
    """A heading or a connecting phrase as stored: it claims nothing, so it cites nothing. ``level`` 2: the
    heading of a sub-topic under a part's heading (shown smaller)."""
    # The engine's own words (« Aucun avis contraire relevé sur : « Marché » ») keep their guillemets with them.
    text = french_spacing(text)
    segment = {"kind": kind, "text": text, "citations": [], "status": "structure", "score": None, "section": section}
    if level != 1:
        segment["level"] = level
    return segment


def checked_segment(segment: Segment, scorer: SupportScorer, section: str = "texte") -> dict:
    """A segment as stored and shown: phrases carry the citation check's verdict."""
    if segment.kind != "phrase":
        return structure_segment(segment.kind, segment.text, section)
    return phrase_segment(check_sentence(segment.as_text(), scorer), section)


def phrase_segment(verdict: CheckedSentence, section: str) -> dict:
    """A checked sentence as stored: the verdict, and why it is refused (French, "" when verified)."""
    return {
        "kind": "phrase",
        "text": verdict.text,
        "citations": list(verdict.citations),
        "status": verdict.status,
        "score": round(verdict.score, 3),
        "bad_ids": list(verdict.bad_ids),
        "reason": verdict.reason,
        "supporting_ids": list(verdict.supporting_ids),
        "section": section,
    }


DEFAULT_TITLE = "Proposition"
MAX_TITLE_CHARS = 200
TITLE_SUPPORT = 0.6  # share of the title's content words found in the scope
_DOMAIN = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?:/\S*)?")


def _is_link(word: str) -> bool:
    """A URL, a bare domain name or an e-mail address."""
    word = word.strip("()[]<>«»\"'.,;:!?").lower()
    return "://" in word or word.startswith("www.") or "@" in word or _DOMAIN.fullmatch(word) is not None


def checked_title(title: str, scorer: SupportScorer) -> dict:
    """A draft's title segment, whichever engine proposed it: links are dropped (a contribution's title
    may carry one), and a title has no citation, so it stands unmarked only when made of the scope's
    own words; otherwise it is shown "non vérifié" and not prefilled."""
    text = " ".join(word for word in title[:MAX_TITLE_CHARS].split() if not _is_link(word)).strip(' «»"-–:')
    supported = scorer.score(text, scorer.stems_.keys()) >= TITLE_SUPPORT if text else False
    return {
        "kind": "titre",
        "text": text or DEFAULT_TITLE,
        "citations": [],
        "status": "structure" if supported else "non_soutenue",
        "score": None,
        "section": "titre",
    }


def checked_sentence(sentence: str, scorer: SupportScorer, section: str) -> dict:
    """A model's sentence, checked; connecting phrases and the "no answer" sentence are structure."""
    if is_no_answer(sentence):
        return structure_segment("liaison", NO_ANSWER, section)
    verdict = check_sentence(sentence, scorer)
    if verdict.status == "liaison":
        return structure_segment("liaison", verdict.text, section)
    return phrase_segment(verdict, section)
