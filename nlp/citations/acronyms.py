"""Acronyms of the training, employment and public sector and what they stand for, read both ways: a claim
writing « PME » is supported by a source writing « petites et moyennes entreprises », and the reverse.

Built from general knowledge and the CPOF's own documents (``/work/shared/context/``: OF, CFA, OPCO, AFEST,
PRF, CARIF-OREF …), not from claim rows. Each acronym stands for its official expansion only ("SMIC" is the
"salaire minimum interprofessionnel de croissance", not any minimum wage); names of one thing written two
ways (« France Travail » / « Pôle emploi ») are :data:`SAME_NAMES`.
"""

from __future__ import annotations

import functools
import re

from nlp.text import fold

ACRONYMS: dict[str, tuple[str, ...]] = {
    "tpe": ("très petite entreprise",),
    "pme": ("petite et moyenne entreprise",),
    "eti": ("entreprise de taille intermédiaire",),
    "of": ("organisme de formation",),
    "cfa": ("centre de formation d'apprentis", "centre de formation des apprentis"),
    "opco": ("opérateur de compétences",),
    "vae": ("validation des acquis de l'expérience",),
    "cpf": ("compte personnel de formation",),
    "afest": ("action de formation en situation de travail",),
    "foad": ("formation ouverte et à distance", "formation ouverte à distance"),
    "rncp": ("répertoire national des certifications professionnelles",),
    "prf": ("programme régional de formation",),
    "cep": ("conseil en évolution professionnelle",),
    "cdi": ("contrat à durée indéterminée",),
    "cdd": ("contrat à durée déterminée",),
    "cqp": ("certificat de qualification professionnelle",),
    "bts": ("brevet de technicien supérieur",),
    "cap": ("certificat d'aptitude professionnelle",),
    "rsa": ("revenu de solidarité active",),
    "smic": ("salaire minimum interprofessionnel de croissance",),
    "caf": ("caisse d'allocations familiales",),
    "tva": ("taxe sur la valeur ajoutée",),
    "mooc": ("cours en ligne ouvert et massif",),
    "qpv": ("quartier prioritaire de la politique de la ville",),
    "geiq": ("groupement d'employeurs pour l'insertion et la qualification",),
    # public life, energy and digital matters (session 11)
    "ue": ("union européenne",),
    "onu": ("organisation des nations unies",),
    "ong": ("organisation non gouvernementale",),
    "edf": ("électricité de france",),
    "sncf": ("société nationale des chemins de fer français",),
    "fai": ("fournisseur d'accès à internet",),
    "nfc": ("communication en champ proche",),
    "rgpd": ("règlement général sur la protection des données",),
    "cnil": ("commission nationale de l'informatique et des libertés",),
}
"""Acronym (folded) → its expansions, written in the singular."""

SAME_NAMES: tuple[frozenset[str], ...] = (
    frozenset({"france travail", "pole emploi"}),
    frozenset({"etats unis", "usa"}),
)
"""Names of one institution or country written two ways (folded, words apart): « Pôle emploi » became « France
Travail » in 2024; « USA » is written for « États-Unis »."""

# Words left out when expansions are compared: articles and prepositions vary ("centre de formation d'apprentis"
# / "des apprentis"), so do plural endings.
_LINKS = frozenset(["de", "d", "des", "du", "la", "le", "l", "les", "et", "a", "en", "sur", "pour"])


def _key(word: str) -> str:
    return word[:-1] if len(word) > 3 and word[-1] in "sx" else word


@functools.lru_cache(maxsize=4_096)
def key_words(folded: str) -> tuple[str, ...]:
    """The words of a folded text that expansions are compared on (links left out, plural endings cut)."""
    return tuple(_key(w) for w in re.findall(r"\w+", folded) if w not in _LINKS)


@functools.lru_cache(maxsize=64)
def _expansion_keys(acronym: str) -> tuple[tuple[str, ...], ...]:
    return tuple(key_words(fold(e)) for e in ACRONYMS.get(acronym, ()))


def _holds(words: tuple[str, ...], phrase: tuple[str, ...]) -> list[int]:
    """Start indexes of ``phrase`` as a run of ``words``."""
    size = len(phrase)
    return [i for i in range(len(words) - size + 1) if words[i] == phrase[0] and words[i : i + size] == phrase]


def expansion_in(acronym: str, folded: str) -> bool:
    """True when the folded text writes ``acronym`` (folded) in full."""
    phrases = _expansion_keys(acronym)
    if not phrases:
        return False
    words = key_words(folded)
    return any(_holds(words, phrase) for phrase in phrases)


def acronyms_written_out(folded: str) -> dict[str, set[str]]:
    """{acronym: the key words of its expansion} for each expansion the folded text writes in full."""
    words = key_words(folded)
    out: dict[str, set[str]] = {}
    for acronym in ACRONYMS:
        for phrase in _expansion_keys(acronym):
            if _holds(words, phrase):
                out.setdefault(acronym, set()).update(phrase)
    return out


def same_name_in(name: str, folded: str) -> bool:
    """True when the folded text writes another name of the institution ``name`` (folded)."""
    return any(
        name in group and any(re.search(rf"\b{other.replace(' ', '[ -]')}\b", folded) for other in group - {name})
        for group in SAME_NAMES
    )
