"""French sentence heuristics for the embedded synthesis: verbs, fragments, noise, proposals.

No tagger is shipped, so the checks are general rules of French grammar: a clause has a finite
form of a frequent verb, a subject clitic followed by a word, an infinitive after a preposition or a
modal, or an inflected form whose lemma (``simplemma``) is a verb.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import simplemma

from nlp.stopwords import STOP_WORDS
from nlp.text import fold

__all__ = ["MIN_IDEA_WORDS", "has_verb", "is_fragment", "is_idea_sentence", "is_noise", "is_proposal", "words"]

MIN_IDEA_WORDS = 6
_WORD_ONLY = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]+(?:[-'’][A-Za-zÀ-ÖØ-öø-ÿ]+)*'?")
_WORD = re.compile(_WORD_ONLY.pattern + r"|[.,;:!?…()«»\"]")  # words, then punctuation tokens

# Finite forms of the frequent (mostly irregular) verbs: a closed class of the grammar.
_FINITE = frozenset(
    fold(w)
    for w in [
        "est",
        "sont",
        "suis",
        "es",
        "sommes",
        "êtes",
        "était",
        "étaient",
        "sera",
        "seront",
        "serait",
        "seraient",
        "soit",
        "soient",
        "fut",
        "été",
        "ai",
        "as",
        "a",
        "avons",
        "avez",
        "ont",
        "avait",
        "avaient",
        "aura",
        "auront",
        "aurait",
        "auraient",
        "ait",
        "aient",
        "eu",
        "vais",
        "va",
        "vont",
        "allons",
        "allez",
        "irait",
        "iraient",
        "ira",
        "iront",
        "allait",
        "fait",
        "font",
        "faisons",
        "faites",
        "faisait",
        "ferait",
        "feraient",
        "fera",
        "feront",
        "faut",
        "faudrait",
        "faudra",
        "fallait",
        "dois",
        "doit",
        "doivent",
        "devons",
        "devez",
        "devrait",
        "devraient",
        "devra",
        "devront",
        "devait",
        "peux",
        "peut",
        "peuvent",
        "pouvons",
        "pouvez",
        "pourrait",
        "pourraient",
        "pourra",
        "pourront",
        "pouvait",
        "puisse",
        "puissent",
        "veux",
        "veut",
        "veulent",
        "voulons",
        "voulez",
        "voudrait",
        "voudraient",
        "voulait",
        "sais",
        "sait",
        "savent",
        "savons",
        "savez",
        "saurait",
        "dis",
        "dit",
        "disent",
        "disons",
        "dites",
        "met",
        "mettent",
        "mettons",
        "mettez",
        "prend",
        "prennent",
        "prenons",
        "prenez",
        "vient",
        "viennent",
        "venons",
        "venez",
        "vois",
        "voit",
        "voient",
        "voyons",
        "voyez",
        "reste",
        "restent",
        "manque",
        "manquent",
        "existe",
        "existent",
        "semble",
        "semblent",
        "permet",
        "permettent",
        "propose",
        "proposons",
        "proposent",
        "demande",
        "demandons",
        "demandent",
        "souhaite",
        "souhaitons",
        "souhaitent",
        "pense",
        "pensons",
        "pensent",
        "trouve",
        "trouvons",
        "trouvent",
        "paie",
        "paient",
        "paye",
        "payent",
        "coûte",
        "coûtent",
    ]
)
_SUBJECTS = frozenset(fold(w) for w in ["je", "j'", "tu", "il", "elle", "on", "nous", "vous", "ils", "elles", "qui"])
_CLITICS = frozenset(
    fold(w) for w in ["ne", "n'", "se", "s'", "me", "m'", "te", "t'", "y", "en", "le", "la", "les", "lui", "leur", "l'"]
)
_BEFORE_INFINITIVE = frozenset(
    fold(w)
    for w in [
        "de",
        "d'",
        "à",
        "pour",
        "sans",
        "pas",
        "plus",
        "faut",
        "faudrait",
        "doit",
        "doivent",
        "devrait",
        "devraient",
        "peut",
        "peuvent",
        "pourrait",
        "pourraient",
        "veut",
        "veulent",
        "voudrait",
        "voudraient",
        "faire",
        "fait",
        "afin",
        "merci",
        "mieux",
        "jamais",
    ]
)
_VERB_LEMMA = re.compile(r"(?:er|ir|re|oir)$")
_FINITE_ENDING = re.compile(r"(?:[^m]ent|ons|ez|ait|aient|ais|era|erait|eront|ira|irait|iront|it)$")
_NOT_VERBS = frozenset(
    fold(w)
    for w in [
        "cependant",
        "souvent",
        "pourtant",
        "comment",
        "moment",
        "parent",
        "parents",
        "ment",
        "client",
        "clients",
        "patient",
        "patients",
        "accident",
        "accidents",
        "agent",
        "agents",
        "argent",
        "dent",
        "dents",
        "président",
        "présidents",
        "talent",
        "talents",
        "gens",
        "nations",
        "raisons",
        "maisons",
        "saisons",
        "actions",
        "questions",
        "régions",
        "fait",
        "faits",
        "droit",
        "droits",
        "lit",
        "écrit",
        "crédit",
        "crédits",
        "produit",
        "produits",
        "circuit",
        "profit",
        "profits",
        "esprit",
        "débit",
        "délit",
        "habit",
    ]
)


def words(text: str) -> list[str]:
    """Word and punctuation tokens, lower-cased and accent-folded (elided forms keep their apostrophe)."""
    return list(map(_folded_token, _WORD.findall(text)))


def _word_tokens(text: str) -> list[str]:
    """The word tokens of :func:`words` alone (those :func:`_is_word` keeps), without reading the punctuation:
    a punctuation token is one character that opens no word, so the words found are the same."""
    return list(map(_folded_token, _WORD_ONLY.findall(text)))


@functools.lru_cache(maxsize=100_000)
def _folded_token(token: str) -> str:
    return fold(token).replace("’", "'")  # a scope's words repeat: each is folded once


@functools.lru_cache(maxsize=50_000)
def _lemma(word: str) -> str:
    return fold(simplemma.lemmatize(word, lang="fr"))


def _is_word(token: str) -> bool:
    return token[:1].isalpha()


_INVERTED = frozenset(["je", "tu", "il", "elle", "on", "nous", "vous", "ils", "elles", "ce", "t-il", "t-elle", "t-on"])


def _splits(tokens: Sequence[str]) -> list[str]:
    """Elisions ("l'etat", "qu'il") and inverted subjects ("doit-on") split into two tokens."""
    out = []
    for t in tokens:
        if "'" not in t and "-" not in t:
            out.append(t)
            continue
        head, sep, tail = t.partition("'")
        verb, dash, pronoun = t.partition("-")
        if sep and tail and len(head) <= 5:
            out.extend([head + "'", tail])
        elif dash and pronoun in _INVERTED:
            out.extend([pronoun.removeprefix("t-"), verb])
        else:
            out.append(t)
    return out


def has_verb(sentence: str) -> bool:
    """True when the sentence has a verb by general rules of French (see the module docstring)."""
    return _has_verb([t for t in _splits(words(sentence)) if _is_word(t)])


def _has_verb(content: list[str]) -> bool:
    """:func:`has_verb` on the sentence's word tokens, elisions and inverted subjects split."""
    for n, token in enumerate(content):
        if token in _FINITE:
            return True
        k = n - 1
        while k >= 0 and content[k] in _CLITICS:
            k -= 1
        if k >= 0 and content[k] in _SUBJECTS and token not in _CLITICS and token not in STOP_WORDS:
            return True
        form = _verb_form(token)
        if form == _INFINITIVE and (n == 0 or content[n - 1] in _BEFORE_INFINITIVE or content[n - 1] in _CLITICS):
            return True  # an infinitive: "Supprimer la taxe", "il faut passer", "pour se former"
        if form == _CONJUGATED:
            return True
    return False


_NOT_A_VERB, _INFINITIVE, _CONJUGATED, _OTHER_FORM = range(4)


@functools.lru_cache(maxsize=100_000)
def _verb_form(token: str) -> int:
    """What one word can be in :func:`has_verb`, by its lemma: read once per distinct word of a scope."""
    if token in _NOT_VERBS or len(token) < 3:
        return _NOT_A_VERB
    lemma = _lemma(token)
    if not _VERB_LEMMA.search(lemma):
        return _NOT_A_VERB
    if lemma == token:
        return _INFINITIVE
    if _FINITE_ENDING.search(token) and not token.endswith(("ement", "ation")):
        return _CONJUGATED
    return _OTHER_FORM


_LEADING_CONJUNCTION = frozenset(["et", "mais", "ou", "donc", "car", "puis", "ni", "sinon"])


def is_fragment(sentence: str) -> bool:
    """A piece that is not a sentence an idea can stand on: under 6 words, no verb, or a cut clause."""
    stripped = sentence.strip()
    tokens = _word_tokens(stripped)
    if len(tokens) < MIN_IDEA_WORDS or not _has_verb(_splits(tokens)):
        return True
    first = stripped[:1]
    return first.islower() or tokens[0] in _LEADING_CONJUNCTION


# The three patterns below are matched on the lower-cased sentence (case-sensitive patterns run twice as fast
# as IGNORECASE ones, and every sentence of a scope is read).
_THANKS = re.compile(
    r"^\W*(merci(?! de| d')|je vous remercie|nous vous remercions|bravo|bonjour|bonsoir|salut|cordialement|"
    r"bien cordialement|salutations|félicitations|bonne (journée|soirée|continuation))\b|"
    r"\b(cordialement|salutations distinguées|merci (beaucoup|à tous|pour (cette|votre|ce|vos)))\b"
)
_SARCASM = re.compile(
    r"\b(?:lol|mdr|ptdr|haha+|hihi|ben voyons|quelle blague|c'est ça oui|elle est bonne|laissez-moi rire|"
    r"on croit rêver|sans blague)\b|\bbien s[uû]r\s*(?:\.\.\.|…)|[!?]{3,}|\?!|!\?|[:;]-?[)(dp](?!\w)|\bxd\b"
)
_OFF_TOPIC = re.compile(
    r"\b(hors[- ](du )?sujet|aucun rapport|rien à voir|à rédiger|a rediger|test)\b|https?://|www\.|"
    # "Pas vraiment de lien avec le sujet": a remark on the consultation, not an idea ("pas de lien avec le
    # métier" is one, and stays).
    r"\bpas (vraiment )?(de |d')?(lien|rapport) avec (le |la |ce |cet |cette |l')?"
    r"(sujet|question|thème|theme|section|article|texte|consultation)\b"
)
# The three patterns run only on a sentence holding one of their hints, words or marks every match of a pattern holds
# (tests/nlp/test_synthesis_parts.py checks each list): the hints are literal, found in one scan of the sentence,
# while the patterns open on \b and alternations, which the engine tries at every position. 2 % of the sentences of
# the shared data hold a hint; searched on every sentence, the patterns took half the time of the sentence tests.
_THANKS_HINTS = (
    *("merci", "remerci", "bravo", "bonjour", "bonsoir", "salut", "cordialement", "félicitations"),
    *("bonne journée", "bonne soirée", "bonne continuation"),
)
_SARCASM_HINTS = (
    *("lol", "mdr", "ptdr", "haha", "hihi", "ben voyons", "blague", "c'est ça oui", "elle est bonne"),
    *("laissez-moi rire", "croit rêver", "bien s", "xd", "!!!", "???", "?!", "!?"),  # three of ! and ? hold one
    *(":)", ":(", ":d", ":p", ":-", ";)", ";(", ";d", ";p", ";-"),
)
_OFF_TOPIC_HINTS = (
    *("hors sujet", "hors-sujet", "hors du sujet", "hors-du sujet", "aucun rapport", "rien à voir", "rédiger"),
    *("a rediger", "test", "http", "www.", "lien avec", "rapport avec"),
)
_NOISE_HINTS = re.compile("|".join(map(re.escape, (*_THANKS_HINTS, *_SARCASM_HINTS, *_OFF_TOPIC_HINTS))))


def _is_noise(lower: str) -> bool:
    """Thanks, sarcasm or an aside (:data:`_THANKS`, :data:`_SARCASM`, :data:`_OFF_TOPIC`) in a lower-cased sentence."""
    return _NOISE_HINTS.search(lower) is not None and any(
        pattern.search(lower) for pattern in (_THANKS, _SARCASM, _OFF_TOPIC)
    )


def is_noise(text: str) -> bool:
    """Thanks, a greeting, sarcasm or an aside ("Merci pour cette consultation", "Hors sujet"): no idea and no answer,
    however short (a short answer, "Panneaux solaires", is none of these)."""
    return _is_noise(text.strip().lower())


def _all_caps(sentence: str) -> bool:
    if sentence[1:].islower():  # one capital at most: shouting needs more (and most sentences are read here)
        return False
    letters = "".join(filter(str.isalpha, sentence))  # filter and map run in C: this is read for every sentence
    return len(letters) >= 12 and sum(map(str.isupper, letters)) / len(letters) > 0.6


def is_idea_sentence(sentence: str) -> bool:
    """A complete declarative sentence that may stand as an idea: no fragment, thanks, rant, sarcasm or aside."""
    stripped = sentence.strip()
    lower = stripped.lower()
    return not (  # the quick tests first: the verb test lemmatises
        stripped.endswith(("?", ":"))  # a question, or the lead-in of a text that follows
        or _is_noise(lower)
        or _all_caps(stripped)
        or is_fragment(stripped)
    )


_PROPOSAL = re.compile(
    r"\b(il faut|il faudrait|il serait (bon|utile|souhaitable|nécessaire|judicieux|pertinent)|"
    r"je propose|nous proposons|proposons|proposer|propose de|je demande|nous demandons|je souhaite|nous souhaitons|"
    r"devrai(en)?t|doi(ven)?t être|doivent|mettre en place|instaurer|créer|rendre obligatoire|généraliser|"
    r"pourquoi ne pas|permettre|prévoir|simplifier|renforcer|supprimer|développer|augmenter|réduire|favoriser)\b",
    re.IGNORECASE,
)


def is_proposal(sentence: str) -> bool:
    """A sentence that proposes something: "il faut", "devrait", "proposer", an infinitive opening it."""
    if _PROPOSAL.search(sentence):
        return True
    tokens = _word_tokens(sentence)
    return (
        bool(tokens)
        and len(tokens[0]) > 3
        and _lemma(tokens[0]) == tokens[0]
        and bool(_VERB_LEMMA.search(tokens[0]))
        and tokens[0] not in _NOT_VERBS
    )
