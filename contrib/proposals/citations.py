"""A proposal's citations ``[#id]``: parsed, checked against its sources when saved."""

from __future__ import annotations

import re
from collections.abc import Iterable

from contrib.core.errors import InvalidInput
from contrib.core.french import NO_BREAK_SPACE
from contrib.core.validation import clean_text
from contrib.extensions import db
from contrib.models import (
    Contribution,
)
from nlp.citations import check_text, parse_citations

REVIEW_REASON_MAX_LENGTH = 500
# A citation that is a mere pointer ("Voir [#3].") states nothing to check.
_ACCEPTED_STATUSES = ("verifiee", "lien")
_CITATION = re.compile(r"\[\s*#?\d+(?:\s*[,;]\s*#?\d+)*\s*\]")


def citation_parts(text: str) -> list[tuple[str, list[int]]]:
    """``text`` cut at its citation markers: (plain text, []) and (marker, [ids]) pieces, in order."""
    parts: list[tuple[str, list[int]]] = []
    position = 0
    for match in _CITATION.finditer(text or ""):
        parts.append((text[position : match.start()], []))
        parts.append((match.group(), list(dict.fromkeys(parse_citations(match.group())[1]))))
        position = match.end()
    parts.append(((text or "")[position:], []))
    return [part for part in parts if part[0]]


def review_citations(text: str, source_ids: Iterable[int], reason: str | None) -> dict | None:
    """Check the citations of a proposal's text against its sources; return what to store.

    Raises InvalidInput naming the citations that are not sources of the proposal (unknown ids
    included), and InvalidInput on ``citation_reason`` listing the sentences the checker does not
    verify when no reason is given. Returns None when there is nothing to keep with a reason.
    """
    cited = parse_citations(text)[1]
    if not cited:
        return None
    source_ids = set(source_ids)
    strangers = list(dict.fromkeys(i for i in cited if i not in source_ids))
    if strangers:  # refused before the (slower) check of meaning
        named = ", ".join(f"[#{i}]" for i in strangers)
        raise InvalidInput(
            f"La citation {named} ne correspond à aucune contribution de cette proposition."
            if len(strangers) == 1
            else f"Les citations {named} ne correspondent à aucune contribution de cette proposition.",
            field="text",
        )
    texts = dict(
        db.session.execute(
            db.select(Contribution.id, Contribution.text).where(Contribution.id.in_(list(source_ids)))
        ).all()
    )
    sentences = check_text(text, texts, scope_size=len(texts))
    flagged = [
        {"text": s.text, "citations": list(s.citations), "status": s.status, "reason": s.reason}
        for s in sentences
        if s.citations and s.status not in _ACCEPTED_STATUSES
    ]
    if not flagged:
        return None
    if not (reason or "").strip():
        nbsp = NO_BREAK_SPACE  # French typography: before ; and :, inside « » (the reasons are spaced so too)
        listed = f"{nbsp}; ".join(f"«{nbsp}{s['text']}{nbsp}» ({s['reason']})" for s in flagged)
        raise InvalidInput(
            f"Les contributions citées ne disent pas ce que di{'t' if len(flagged) == 1 else 'sent'} "
            f"{'cette phrase' if len(flagged) == 1 else f'ces {len(flagged)} phrases'}{nbsp}: {listed}. "
            "Corrigez le texte, ou gardez-le en indiquant pourquoi.",
            field="citation_reason",
        )
    reason = clean_text(reason, field_label="Motif", max_length=REVIEW_REASON_MAX_LENGTH)
    return {"sentences": flagged, "reason": reason}
