"""Opposite stances: "généraliser X" and "ne pas généraliser X" are not duplicates.

Sentence encoders score such pairs among the most similar of all, so every meaning-based
grouping (and the citation checker) vetoes a pair whose stances are opposite. The rule is
lexical and deliberately simple, so a moderator can predict it:

* **negation**: "ne … pas / plus / jamais / rien / aucun", a bare "pas", "jamais", "aucun",
  "non", "sans" before a verb, "contre" as a position ("je suis contre"), refusal verbs
  ("arrêter de", "cesser de", "renoncer à", "refuser") and verdicts ("fausse bonne idée",
  "mauvaise idée", "inutile"). "pas seulement", "non seulement" and "ne … que" are not negations;
* **antonym axes**: increase / decrease ("augmenter" / "réduire"), keep / remove ("maintenir" /
  "supprimer"), mandatory / optional ("obligatoire" / "facultatif"), simpler / stricter
  ("simplifier" / "durcir"); a negation just before a cue flips it ("ne pas alléger" = stricter).

Two texts have opposite stances when one axis has opposite signs in them, or when one is
negated and the other not (a negation that flipped a cue does not count twice).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from nlp.text import fold

__all__ = ["Stance", "edit_changes_stance", "opposite", "opposite_stance", "stance"]

_CLAUSE = re.compile(r"[.!?;:\n]+")
_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_NE = frozenset({"ne", "n"})
_NEG_PARTICLES = frozenset({"pas", "plus", "jamais", "rien", "aucun", "aucune", "guere", "point", "nullement"})
_NOT_NEGATING_AFTER = frozenset({"seulement", "uniquement", "que", "qu"})
_ALWAYS_NEGATIVE = frozenset(
    {"jamais", "aucun", "aucune", "nullement", "refuser", "refusons", "refusez", "renoncer", "renoncons", "stop"}
)
_VERDICTS = ("mauvaise idee", "une erreur", "defavorable", "inutile de", "contre-productif", "contre-productive")
_MODALS = frozenset(
    {"faut", "faudrait", "faudra", "doit", "doivent", "devrait", "devraient", "devons", "devrions", "devez"}
)
# Words that may precede a negation that still heads its clause ("Surtout, il ne faut pas…").
_HEAD_FILLERS = frozenset(
    {
        "surtout",
        "et",
        "mais",
        "donc",
        "alors",
        "svp",
        "pitie",
        "a",
        "mon",
        "avis",
        "selon",
        "moi",
        "franchement",
        "vraiment",
        "enfin",
        "bref",
        "oui",
    }
)
_STOP_VERBS = frozenset(
    {"arreter", "arretons", "arretez", "cesser", "cessons", "cessez", "eviter", "evitons", "evitez"}
)
_CONTRE_POSITION = frozenset(
    {"suis", "sommes", "etes", "etre", "oppose", "opposee", "opposes", "vote", "non", "plutot"}
)
_PAS_NOUN_BEFORE = frozenset({"un", "premier", "premiers", "le", "ce", "grand", "petit", "faux", "a"})
# A negation flips a cue found within this many tokens after it ("ne pas trop vite alléger").
_FLIP_WINDOW = 5

# axis -> (stems of the positive pole, stems of the negative pole); matched as word prefixes
# on folded tokens. Multi-word cues are matched on the folded clause text.
_AXES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "amount": (
        (
            "augment",
            "accroi",
            "accru",
            "renforc",
            "developp",
            "generalis",
            "etendre",
            "etendon",
            "elargi",
            "multipli",
            "intensifi",
            "davantage",
            "hausse",
        ),
        ("redui", "reduc", "baiss", "diminu", "limit", "restrei", "restrict", "plafonn", "moins"),
    ),
    "existence": (
        ("mainten", "maintien", "conserv", "preserv", "garder", "gardon", "gardez", "perenni"),
        ("supprim", "suppression", "aboli", "abrog", "elimin"),
    ),
    "obligation": (
        ("obligatoir", "imposer", "imposon", "systematis", "contraign"),
        ("facultati", "optionn", "volontariat"),
    ),
    "strictness": (
        ("durci", "durcir", "complexifi", "alourdi", "resserr"),
        ("simplifi", "alleg", "assoupl"),
    ),
}
# Removing something is the opposite of extending it as well as of keeping it.
_CROSS_OPPOSITES = (("existence", -1, "amount", 1),)


@dataclass(frozen=True)
class Stance:
    """Polarity of a text: whether it is negated, and the sign (-1, 0, +1) of each antonym axis."""

    negated: bool
    axes: tuple[tuple[str, int], ...]

    def sign(self, axis: str) -> int:
        return dict(self.axes).get(axis, 0)


def opposite_stance(a: str, b: str) -> bool:
    """Return whether ``a`` and ``b`` take opposite positions (see the module docstring).

    Examples
    --------
    >>> opposite_stance("Généraliser la formation à distance.", "Ne pas généraliser la formation à distance.")
    True
    >>> opposite_stance("Supprimer le reste à charge.", "Maintenir le reste à charge.")
    True
    >>> opposite_stance("Généraliser le distanciel.", "Étendre la formation à distance partout.")
    False
    """
    return opposite(stance(a), stance(b))


def opposite(sa: Stance, sb: Stance) -> bool:
    """Whether two :func:`stance` results are opposite (what :func:`opposite_stance` compares)."""
    if sa.negated != sb.negated:
        return True
    for axis in _AXES:
        if sa.sign(axis) * sb.sign(axis) < 0:
            return True
    for axis_a, sign_a, axis_b, sign_b in _CROSS_OPPOSITES:
        for x, y in ((sa, sb), (sb, sa)):
            if x.sign(axis_a) == sign_a and y.sign(axis_b) == sign_b and y.sign(axis_a) != sign_a:
                return True
    return False


@functools.lru_cache(maxsize=65536)
def stance(text: str) -> Stance:
    """Return the :class:`Stance` of one text (cached: the same texts are compared many times)."""
    negated = False
    totals: dict[str, int] = {}
    for clause in _CLAUSE.split(fold(text).replace("fausse bonne idee", "mauvaise idee")):
        tokens = _TOKEN.findall(clause)
        negations = _negations(tokens)
        consumed: set[int] = set()
        positions = [n for n, _ in negations]
        cues = [_token_cues(token) for token in tokens]
        for axis, (positive, negative) in _AXES.items():
            for sign, stems in ((1, positive), (-1, negative)):
                for position in _cue_positions(tokens, stems, cues, (axis, sign)):
                    flipper = next((n for n in positions if 0 <= position - n <= _FLIP_WINDOW), None)
                    if flipper is not None:
                        consumed.add(flipper)
                    totals[axis] = totals.get(axis, 0) + (-sign if flipper is not None else sign)
        negated = negated or any(directive and n not in consumed for n, directive in negations)
    axes = tuple(sorted((axis, (total > 0) - (total < 0)) for axis, total in totals.items() if total))
    return Stance(negated, axes)


_NEGATION_WORDS = frozenset(
    {"ne", "n", "pas", "jamais", "aucun", "aucune", "non", "sans", "contre", "nullement", "rien"}
)
_ALL_CUES = tuple(stem for poles in _AXES.values() for stems in poles for stem in stems if " " not in stem)


def edit_changes_stance(a: str, b: str) -> bool:
    """Whether the words that differ between two copies of one text add or remove a stance word.

    For copies (typos, truncation, a prefix) the whole-text :func:`stance` can differ when a
    clause is cut or moved; here only the words present in one text and not the other count:
    a negation word or an antonym cue among them ("ne … pas" inserted, "supprimer" replaced by
    "maintenir") changes the stance, unless it is a typo of a word of the other text
    ("pzs" for "pas"). Callers compare the aligned parts of the two texts.
    """
    words_a, words_b = set(_TOKEN.findall(fold(a))), set(_TOKEN.findall(fold(b)))
    only_a, only_b = words_a - words_b, words_b - words_a
    for word, others in [(w, only_b) for w in only_a] + [(w, only_a) for w in only_b]:
        is_cue = word in _NEGATION_WORDS or word.startswith(_ALL_CUES)
        if is_cue and not any(Levenshtein.distance(word, other, score_cutoff=1) <= 1 for other in others):
            return True
    return False


def _cue_positions(tokens: list[str], stems: tuple[str, ...], cues: list, pole: tuple[str, int]) -> list[int]:
    """Positions of the cues of one pole, once per matching stem (single words through ``cues``)."""
    positions = [i for i, found in enumerate(cues) for cue in found if cue == pole]
    for stem in stems:
        if " " in stem:
            words = stem.split(" ")
            positions += [i for i in range(len(tokens) - len(words) + 1) if tokens[i : i + len(words)] == words]
    return positions


@functools.lru_cache(maxsize=65536)
def _token_cues(token: str) -> tuple[tuple[str, int], ...]:
    """The (axis, sign) of each one-word stem ``token`` starts with: one pass per distinct word
    instead of one per stem and word (a long text's stance took ~10 ms)."""
    return tuple(
        (axis, sign)
        for axis, poles in _AXES.items()
        for sign, stems in ((1, poles[0]), (-1, poles[1]))
        for stem in stems
        if " " not in stem and token.startswith(stem)
    )


def _negations(tokens: list[str]) -> list[tuple[int, bool]]:
    """(position, directive) of each negation of one clause.

    A negation is *directive* when it negates what the text asks for: at the head of the
    clause ("Ne pas généraliser…", "Surtout pas de…", "Arrêter de…"), on a modal ("il ne faut
    pas", "les financeurs ne doivent pas"), "ce n'est pas aux…", or a verdict ("mauvaise idée",
    "je suis contre"). Descriptive negations ("les conseillers ne connaissent pas l'offre") only
    flip a cue that follows them.
    """
    found = []
    skip_until = -1
    # Position of the first word that is not a head filler: a token is at the head of its clause
    # when every word before it is a filler (one pass, not one per token).
    first_content = next((n for n, t in enumerate(tokens) if t not in _HEAD_FILLERS), len(tokens))
    for i, token in enumerate(tokens):
        if i <= skip_until:
            continue
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        head = i <= first_content
        if token in _NE:
            particle = next((j for j in range(i + 1, min(i + 6, len(tokens))) if tokens[j] in _NEG_PARTICLES), None)
            if particle is not None:
                skip_until = particle
                after = tokens[particle + 1] if particle + 1 < len(tokens) else ""
                if after not in _NOT_NEGATING_AFTER:
                    to_whom = i > 0 and tokens[i - 1] == "ce" and after in ("a", "aux", "au")
                    found.append((i, head or following in _MODALS or to_whom))
        elif token == "pas":
            before = tokens[i - 1] if i else ""
            if following not in _NOT_NEGATING_AFTER and before not in _PAS_NOUN_BEFORE and following != "a":
                found.append((i, head))
        elif token == "non":
            if following not in _NOT_NEGATING_AFTER:
                found.append((i, head))
        elif token in _ALWAYS_NEGATIVE or (token in _STOP_VERBS and following in ("de", "d")):
            found.append((i, head or (i > 0 and tokens[i - 1] in _MODALS)))
        elif token == "sans" and _looks_infinitive(following):
            found.append((i, False))
        elif token == "contre" and (i == 0 or tokens[i - 1] in _CONTRE_POSITION):
            found.append((i, True))
    clause = " ".join(tokens)
    for phrase in _VERDICTS:
        start = clause.find(phrase)
        if start >= 0:
            found.append((clause[:start].count(" "), True))
    return sorted(set(found))


def _looks_infinitive(token: str) -> bool:
    not_verbs = {"leur", "autre", "entre", "notre", "votre"}
    return len(token) > 3 and token.endswith(("er", "ir", "re")) and token not in not_verbs
