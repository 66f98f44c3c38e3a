"""Overreach rule: causes, absolutes and generalisations the cited texts do not state."""

from __future__ import annotations

import re
from collections.abc import Sequence

from nlp.citations.analysis import _Analysis
from nlp.citations.lexicons import _NUMBER_WORDS, _SOURCE_NOUNS
from nlp.citations.wording import _ids_phrase
from nlp.text import fold

_CAUSE_CLAIMED = re.compile(
    r"\b(?:parce qu|a cause d|en raison d|s'explique|ce qui explique|causee?s? par"
    r"|provoquee?s? par"
    r"|est dus? a|sont dus? a|du fait d|pour cacher)"
)

_CAUSE_STATED = re.compile(
    r"\b(?:parce qu|car|a cause d|en raison d|expliqu|cause|provoqu|entrain|faute d|donc|puisqu"
    r"|du fait d|grace a|afin d|pour (?:eviter|que|cacher))"
)

# Absolute adverbs and adjectives: a claim may say "toujours" or "systématiquement" only after its source.
_ABSOLUTES = frozenset(
    fold(w)
    for w in [
        "toujours",
        "systématiquement",
        "systématique",
        "systématiques",
        "absolu",
        "absolue",
        "absolus",
        "absolues",
        "totalement",
        "entièrement",
        "complètement",
        "définitivement",
        "exclusivement",
        "uniquement",
        "intégralement",
        "radicalement",
        "constamment",
        "partout",
    ]
)

# Degrees of force a claim may not raise: "indispensable" where the source says "on peut", "garantirait" where
# it says "faciliterait". Each claimed degree is kept only when a cited text says one of its own degree or
# above (folded prefixes).
_NECESSITY_CLAIMED = re.compile(
    r"\b(?:indispensabl|essentiel|vita(?:l|le|ux|les)\b|imperati|primordia|incontournabl|crucia)"
)
_NECESSITY_STATED = re.compile(
    r"\b(?:indispensabl|essentiel|vita(?:l|le|ux|les)\b|imperati|primordia|incontournabl|crucia|necessair|necessite"
    r"|obligatoir|absolument|urgen|priorit)"
)
_CERTAINTY_CLAIMED = re.compile(
    r"\b(?:garanti|assurement|certainement|forcement|necessairement|inevitablement|immanquablement)"
)
_CERTAINTY_STATED = re.compile(
    r"\b(?:garanti|assur|certain|forcement|necessairement|inevitablement|immanquablement|toujours|sans aucun doute)"
)

_FIRST_PERSON = frozenset({"je", "j", "mon", "ma", "mes", "moi"})


def _overreach(claim: _Analysis, sources: dict[int, _Analysis], supporting: Sequence[int]) -> list[str]:
    """Causes, absolutes and generalisations the cited texts do not state."""
    reasons = []
    cause = _CAUSE_CLAIMED.search(claim.folded)
    if cause and not any(_CAUSE_STATED.search(s.folded) for s in sources.values()):
        reasons.append(f"« {cause.group()} » : aucune contribution citée n'énonce cette cause")
    source_words = {t.folded for s in sources.values() for t in s.tokens}
    for token in claim.tokens:
        if token.folded in _ABSOLUTES and token.folded not in source_words:
            reasons.append(f"« {token.folded} » n'est dit dans aucune contribution citée")
    for claimed, stated in ((_NECESSITY_CLAIMED, _NECESSITY_STATED), (_CERTAINTY_CLAIMED, _CERTAINTY_STATED)):
        found = claimed.search(claim.folded)
        if found and not any(stated.search(s.folded) for s in sources.values()):
            word = re.match(r"\w+", claim.folded[found.start() :])
            reasons.append(
                f"« {word.group() if word else found.group()} » : aucune contribution citée ne le dit avec cette force"
            )
    words = [t.folded for t in claim.tokens]
    if (
        len(words) > 2
        and words[0] in ("les", "des")
        and words[1] not in _SOURCE_NOUNS
        and words[1] not in _NUMBER_WORDS
        and words[1].endswith(("s", "x"))
        and len(supporting) == 1
        and _FIRST_PERSON & {t.folded for t in sources[supporting[0]].tokens}
    ):
        reasons.append(f"« {words[0]} {words[1]} » : une seule personne en témoigne ({_ids_phrase(supporting)})")
    return reasons
