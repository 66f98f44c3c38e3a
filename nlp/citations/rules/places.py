"""Place rule: an establishment ("lycée", "mairie") or a diploma ("bac professionnel") a claim names must be
named so in a cited text, as a name must; matched as written, never through a near vector."""

from __future__ import annotations

from nlp.citations.analysis import _Analysis
from nlp.text import fold

_PLACES = frozenset(
    fold(w)
    for stem in (
        *("lycée", "collège", "faculté", "crèche", "hôpital", "clinique", "mairie", "gare", "préfecture"),
        *("bibliothèque", "médiathèque", "musée", "usine", "caserne", "tribunal"),
    )
    for w in (stem, stem + "s", "hôpitaux" if stem == "hôpital" else stem)
)
"""Establishments: a claim that places something "au lycée" needs a cited text naming a lycée (not a
"centre de formation" nor a "collège"), as for names; matched as such, never through a near vector. Not the
words that also name an institution in the abstract ("l'école doit …", "la prison ne réinsère pas",
"l'université"): those are said in other words ("scolaire", "détenus") by faithful claims."""

_QUALIFIED = _PLACES | frozenset(
    fold(w) for w in ("bac", "baccalauréat", "diplôme", "diplômes", "filière", "filières", "licence", "master")
)
"""Places and diplomas whose qualifier names a kind ("lycée technologique", "bac professionnel"): a claim
that changes the qualifier names another place or diploma."""


def _requalified(claim: _Analysis, sources: dict[int, _Analysis]) -> str:
    """The claim's "place qualifier" (e.g. "lycée professionnel") when a cited text names the same place with
    another qualifier ("lycée technologique") and no cited text writes the claim's; "" otherwise."""
    for here, after in zip(claim.words, claim.words[1:]):
        if here.folded not in _QUALIFIED or claim.folded[here.end : after.start].strip():
            continue
        if any(after.folded in {w.folded for w in s.words} for s in sources.values()):
            continue
        others = {
            b.folded
            for s in sources.values()
            for a, b in zip(s.words, s.words[1:])
            if a.stem == here.stem and not s.folded[a.end : b.start].strip()
        }
        if others - {after.folded}:
            return claim.text[here.start : after.end]
    return ""
