"""Placement rule: a citation written inside a sentence vouches for the words just before it.

"Il faut former les formateurs [#1] et financer les transports [#2]." says that n° 1 supports the first
part and n° 2 the second: citing them the other way round is a false attribution, even though both
sources together support the whole sentence.
"""

from __future__ import annotations

from nlp.citations.alignment import _align
from nlp.citations.analysis import _analyse, _Analysis
from nlp.citations.sentences import _CITATION, parse_citations
from nlp.citations.wording import _ids_phrase

# A part is judged when it has at least this many content words (a lone word proves little).
MIN_PART_WORDS = 2


def _parts(sentence: str) -> list[tuple[str, tuple[int, ...]]]:
    """(the words between the previous citation and this one, the ids it cites), for each citation."""
    parts, start = [], 0
    for marker in _CITATION.finditer(sentence):
        _, ids = parse_citations(marker.group())
        parts.append((sentence[start : marker.start()], ids))
        start = marker.end()
    return parts


def _misplaced(sentence: str, sources: dict[int, _Analysis]) -> list[str]:
    """Why citations placed inside ``sentence`` name the wrong sources ([] when they are at one place,
    or each part is supported best by its own citation)."""
    parts = [(_analyse(text), ids) for text, ids in _parts(sentence)]
    parts = [(part, ids) for part, ids in parts if len(part.words) >= MIN_PART_WORDS]
    if len(parts) < 2:
        return []
    reasons = []
    for part, ids in parts:
        support = _align(part, sources).by_id
        own = len(set().union(*(support[i] for i in ids)))
        best_other = max((len(support[i]) for i in sources if i not in ids), default=0)
        if own < best_other and own < len(part.words) / 2:
            excerpt = " ".join(part.text.split()[-8:]).strip(" ,;:")
            says = "ne dit" if len(ids) == 1 else "ne disent"
            reasons.append(
                f"{_ids_phrase(ids)} {says} pas « {excerpt} », citée{'s' if len(ids) > 1 else ''} juste après"
            )
    return reasons
