"""A workshop sheet's columns and cell values: which column means which field, which value which kind.

Header names and values are matched after folding (case, accents, punctuation), then fuzzily, so
"Thématique", "THEME" and "Théme" all name the theme column.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz import process as fuzzy

from contrib.models import ActorType, ContributionKind

FUZZY_THRESHOLD = 75
# Characters a spreadsheet treats as the start of a formula; exports prefix them with "'".
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

FIELDS = ("theme", "kind", "text", "title", "table", "author", "actor_type")
REQUIRED_FIELDS = ("theme", "text")
FIELD_LABELS = {
    "theme": "Thématique",
    "kind": "Type",
    "text": "Texte",
    "title": "Titre",
    "table": "Table",
    "author": "Auteur",
    "actor_type": "Type d'acteur",
}
# Header names, folded (lower case, no accents, punctuation as spaces).
HEADER_SYNONYMS = {
    "theme": ("thematique", "thematiques", "theme", "themes", "axe", "theme id", "theme name"),
    "kind": ("type", "type de contribution", "nature", "categorie", "kind", "genre"),
    "text": (
        "texte",
        "text",
        "contribution",
        "contributions",
        "contenu",
        "description",
        "verbatim",
        "idee",
        "texte de la contribution",
    ),
    "title": ("titre", "title", "intitule", "resume"),
    "table": ("table", "tables", "table label", "n table", "numero de table", "atelier", "groupe"),
    "author": (
        "auteur",
        "auteurs",
        "author",
        "author name",
        "nom",
        "nom de l auteur",
        "participant",
        "auteur nom",
        "redacteur",
    ),
    "actor_type": (
        "type d acteur",
        "type acteur",
        "type_acteur",
        "actor type",
        "organisation type",
        "type d organisation",
        "type de structure",
        "structure",
        "acteur",
        "categorie d acteur",
        "profil",
    ),
}
KIND_SYNONYMS = {
    ContributionKind.DIAGNOSTIC: ("diagnostic", "diagnostics", "constat", "constats", "diag", "etat des lieux"),
    ContributionKind.IDEA: ("idee", "idees", "idea", "suggestion"),
    ContributionKind.PROPOSAL: ("proposition", "propositions", "proposal", "preconisation", "recommandation"),
    ContributionKind.WEAK_SIGNAL: ("signal faible", "signaux faibles", "weak signal", "signal"),
    ContributionKind.TRACK: (
        "piste",
        "pistes",
        "piste experimentale",
        "pistes experimentales",
        "track",
        "experimentation",
    ),
}
ACTOR_SYNONYMS = {
    ActorType.TRAINING_ORG: ("organisme de formation", "of", "organisme", "training org", "cfa"),
    ActorType.FUNDER: ("financeur", "financeurs", "funder", "region", "etat", "opco", "france travail"),
    ActorType.INSTITUTION: ("institution", "institutionnel", "collectivite"),
    ActorType.COMPANY: ("entreprise", "company", "employeur"),
    ActorType.TRAINER: ("formateur", "formatrice", "formateur rice", "trainer"),
    ActorType.LEARNER: ("apprenant", "apprenante", "apprenant e", "stagiaire", "learner"),
    ActorType.OTHER: ("autre", "other", "grand public", "citoyen"),
}
DEFAULT_KIND = ContributionKind.IDEA


def fold(value: str) -> str:
    """Lower case, accents removed, punctuation as single spaces: "Évaluation / qualité" → "evaluation qualite"."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[\W_]+", " ", plain).split())


def _synonym_index(synonyms: dict, enum_class) -> dict[str, object]:
    index = {}
    for member in enum_class:
        for name in (member.value, member.label, *synonyms.get(member, ())):
            index[fold(name)] = member
    return index


_KINDS = _synonym_index(KIND_SYNONYMS, ContributionKind)
_ACTORS = _synonym_index(ACTOR_SYNONYMS, ActorType)
_HEADERS = {fold(name): key for key, names in HEADER_SYNONYMS.items() for name in names}


def guess_mapping(header: list[str]) -> dict[str, int | None]:
    """Map each known field to the index of the first column whose name means it, else None."""
    mapping: dict[str, int | None] = dict.fromkeys(FIELDS)
    for index, name in enumerate(header):
        key = _HEADERS.get(fold(name))
        if key is None:
            best = fuzzy.extractOne(fold(name), list(_HEADERS), scorer=fuzz.ratio, score_cutoff=88)
            key = _HEADERS[best[0]] if best else None
        if key is not None and mapping[key] is None:
            mapping[key] = index
    return mapping


def match_value(value: str, index: dict[str, object]):
    """Return (member, is_exact) for a cell value, or (None, False)."""
    folded = fold(value)
    if folded in index:
        return index[folded], True
    best = fuzzy.extractOne(folded, list(index), scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD)
    return (index[best[0]], False) if best else (None, False)


@lru_cache(maxsize=4096)
def match_kind(value: str) -> tuple[ContributionKind | None, bool]:
    return match_value(value, _KINDS)


@lru_cache(maxsize=4096)
def match_actor_type(value: str) -> tuple[ActorType | None, bool]:
    return match_value(value, _ACTORS)


def unquote_cell(cell: str) -> str:
    """Undo an export's formula neutralisation ("'=x" → "=x") so exports import back unchanged."""
    if cell.startswith("'") and cell[1:2] and cell[1] in FORMULA_PREFIXES:
        return cell[1:]
    return cell


def fingerprint(text: str, theme_id: int, table_label: str | None) -> str:
    """The identity of an imported row within a process: folded text, theme and table."""
    key = "\x1f".join((" ".join(text.casefold().split()), str(theme_id), fold(table_label or "")))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
