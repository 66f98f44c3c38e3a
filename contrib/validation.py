"""Rules every piece of user text goes through before it is stored.

Text is kept as the person wrote it (no silent rewriting beyond whitespace and Unicode
normalisation); what cannot be stored safely or read back is refused with a French message.
SQL-looking text is ordinary text: queries are parameterised, so it is stored and shown verbatim.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NoReturn

from contrib.errors import InvalidInput

# Control characters other than tab and newline, plus Unicode non-characters and the
# replacement character that stands for bytes that were not valid UTF-8.
_FORBIDDEN_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_REPLACEMENT_CHARACTER = "\ufffd"
# A tag-shaped run: "<script>", "</b>", "<img src=x onerror=...>"; "a < b" and "<3" stay allowed.
# No two quantifiers can match the same characters (the old "<\s*/?\s*" could split a run of spaces
# in quadratically many ways), and each "<" scans at most to the next "<" or ">": linear in the text.
_HTML_TAG = re.compile(r"<\s*(?:/\s*)?[a-zA-Z!][^<>]*>")
# Characters that reorder or hide what is displayed: a name or title could read differently from
# what is stored ("Équipe\u202eFPOC"). Bidi overrides and isolates are refused everywhere; zero-width
# characters only in single-line fields, since bodies use the joiner inside emoji ("👩\u200d💻").
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")
# Written with a literal prefix so that the engine skips to each "\n\n\n" ("\n{3,}" tried every position).
_MANY_BLANK_LINES = re.compile(r"\n\n\n+")
# Normalising removes only blank lines, edge spaces and a few combining marks: a raw value this many
# times over the limit cannot be short enough afterwards, and is refused before any work.
_RAW_LENGTH_FACTOR = 10


def clean_text(value: str | None, *, field_label: str, max_length: int, required: bool = True,
               multiline: bool = True) -> str | None:
    """Return ``value`` normalised, or raise InvalidInput with a French message.

    Returns None for an empty optional value.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"{field_label} : la valeur envoyée n'est pas du texte.")
    if len(value) > _RAW_LENGTH_FACTOR * max_length + 1000:
        _too_long(field_label, len(value), max_length)
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = " ".join(text.split())
    text = _MANY_BLANK_LINES.sub("\n\n", text).strip()
    if not text:
        if required:
            raise InvalidInput(f"{field_label} : ce champ est obligatoire (il est vide ou ne contient que des espaces).")
        return None
    # The length before the character checks: they are linear, but a long text need not be scanned.
    if len(text) > max_length:
        _too_long(field_label, len(text), max_length)
    if _REPLACEMENT_CHARACTER in text:
        raise InvalidInput(
            f"{field_label} : le texte contient des caractères illisibles (encodage invalide). "
            "Copiez-le à nouveau depuis un document enregistré en UTF-8."
        )
    if _FORBIDDEN_CHARACTERS.search(text):
        raise InvalidInput(f"{field_label} : le texte contient des caractères de contrôle invisibles. Retirez-les et réessayez.")
    if _BIDI_CONTROLS.search(text) or (not multiline and _ZERO_WIDTH.search(text)):
        raise InvalidInput(
            f"{field_label} : le texte contient des caractères invisibles qui changent l'ordre ou l'aspect "
            "de l'affichage (contrôles de direction, espaces de largeur nulle). Retapez-le sans copier-coller."
        )
    if _HTML_TAG.search(text):
        raise InvalidInput(
            f"{field_label} : les balises HTML (comme <script> ou <b>) ne sont pas acceptées. "
            "Écrivez votre texte sans balises."
        )
    return text


def _too_long(field_label: str, length: int, max_length: int) -> NoReturn:
    raise InvalidInput(
        f"{field_label} : {length} caractères, c'est trop long (maximum {max_length}). "
        "Raccourcissez le texte ou découpez-le en plusieurs contributions."
    )
