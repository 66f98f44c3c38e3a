"""Checker v9 (nlp/README.md, "v9"): general rules found on heldout7's errors, on sentences of our own.

Each rule is checked where it fires and on a control: a rule that clears a refusal still refuses the wrong
version, and a rule that refuses does not refuse the faithful version.
"""

import pytest

from nlp._polarity import tokenize
from nlp.citations import check_text
from nlp.citations.alignment import _align, _Similarity, _unshouted
from nlp.citations.analysis import _analyse
from nlp.citations.calibrate import examine_claim
from nlp.citations.rules.numbers import _numbers
from nlp.embeddings import embed
from nlp.text import fold


def verdict(text, scope):
    (sentence,) = check_text(text, scope)
    return sentence


def kinds(text, scope):
    (sentence,) = examine_claim(text, scope)
    return set(sentence["kinds"])


# Shouting: a source written in capitals is compared in meaning once lowered.

SHOUTED = {
    4: "JE SUIS MARAICHER DANS LE GERS ET JE VOIS LES NAPPES D'EAU BAISSER CHAQUE ETE, "
    "IL FAUT ARROSER DE PLUS EN PLUS TOT DANS LA SAISON."
}


def test_runs_of_capitals_are_lowered_but_acronyms_are_kept():
    assert _unshouted("JE VOIS LES NAPPES BAISSER. Merci") == "je vois les nappes baisser. Merci"
    assert _unshouted("Les PME et TPE de la CAF") == "Les PME et TPE de la CAF"  # control: acronyms
    assert _unshouted("AUCUN signe distinctif") == "AUCUN signe distinctif"  # one word: kept


def test_a_source_written_in_capitals_is_as_close_in_meaning_as_its_lower_case_copy():
    claim = "Un maraîcher du Gers voit les nappes d'eau baisser chaque été"
    (shouted,) = SHOUTED.values()
    lowered = _Similarity(claim, {4: _analyse(shouted.lower())})[4]
    assert _Similarity(claim, {4: _analyse(shouted)})[4] == pytest.approx(lowered, abs=0.02)
    raw = embed([claim, shouted])
    assert lowered > float(raw[0] @ raw[1]) + 0.1  # what the encoder made of the capitals as written
    # control: the claim about another matter stays far from the shouted source
    assert _Similarity("Le Gers veut des trains plus rapides vers Toulouse", {4: _analyse(shouted)})[4] < lowered - 0.1
    # and the rules still read the shouted source: the season changed is refused
    assert not verdict("Un maraîcher du Gers voit les nappes d'eau monter chaque hiver [#4].", SHOUTED).is_verified


# Numbers written in words: "trente pour cent" is 30 %, not 30 and 100.


def test_a_percentage_in_words_is_one_ratio():
    numbers = _numbers(tokenize(fold("économiser trente pour cent du fioul")))
    assert ("ratio", 0.3) in numbers and ("count", 100.0) not in numbers
    assert ("count", 100.0) in _numbers(tokenize(fold("cent euros par mois")))  # control: "cent" alone counts
    scope = {1: "Isoler les combles permet d'économiser 30% de fioul chaque hiver."}
    assert "number" not in kinds("Isoler les combles permet d'économiser trente pour cent de fioul [#1].", scope)
    # control: another percentage in words is refused by the number rule
    assert "number" in kinds("Isoler les combles permet d'économiser quarante pour cent de fioul [#1].", scope)


# A condition ends at its comma: its negation does not reach the main clause.


def test_a_negated_condition_does_not_deny_the_main_clause():
    scope = {
        2: "Le salarié qui vient à vélo arrive en sueur, s'il n'a pas de douche, le lendemain il reprend la voiture."
    }
    assert "negation" not in kinds(
        "Faute de douche, le salarié venu à vélo reprend la voiture le lendemain [#2].", scope
    )
    # control: a negation of the main clause is still read
    denied = {2: "Quand il pleut, le salarié ne reprend pas la voiture, il garde son vélo."}
    assert "negation" in kinds("Quand il pleut, le salarié reprend la voiture [#2].", denied)


# Antonyms: adding to something is not replacing it; the young are not the old.


def test_adding_to_the_social_aids_contradicts_replacing_them():
    replace = {3: "Un revenu universel pour tous remplacerait les aides sociales existantes."}
    s = verdict(
        "Un participant propose un revenu universel qui s'ajouterait aux aides sociales existantes [#3].", replace
    )
    assert not s.is_verified and "dit le contraire" in s.reason
    # control: the source that adds it is not contradicted
    add = {3: "Un revenu universel pour tous s'ajouterait aux aides sociales existantes."}
    assert "negation" not in kinds(
        "Un participant propose un revenu universel qui s'ajouterait aux aides sociales existantes [#3].", add
    )


def test_the_young_are_not_the_seniors_a_source_speaks_for():
    seniors = {5: "Gardez les cabines téléphoniques : nous, seniors sans portable, en avons besoin."}
    assert "entity" in kinds(
        "Un participant défend les cabines téléphoniques au nom des jeunes sans portable [#5].", seniors
    )
    # control: the same claim on a source that speaks for the young
    young = {5: "Gardez les cabines téléphoniques : nous, jeunes sans portable, en avons besoin."}
    assert "entity" not in kinds(
        "Un participant défend les cabines téléphoniques au nom des jeunes sans portable [#5].", young
    )
    # control: a source naming both ages supports either
    both = {5: "Gardez les cabines : les jeunes comme les seniors sans portable en ont besoin."}
    assert "entity" not in kinds("Un participant défend les cabines au nom des seniors sans portable [#5].", both)


# Names: « USA » is « États-Unis ».


def test_usa_and_etats_unis_are_one_country():
    scope = {6: "Les USA et la Chine polluent bien plus que nous."}
    assert "entity" not in kinds(
        "Un participant juge que les États-Unis et la Chine polluent plus que nous [#6].", scope
    )
    back = {6: "Les États-Unis et la Chine polluent bien plus que nous."}
    assert "entity" not in kinds("Un participant juge que les USA et la Chine polluent plus que nous [#6].", back)
    # control: another country is still an entity the source does not name
    assert "entity" in kinds("Un participant juge que le Brésil et la Chine polluent plus que nous [#6].", scope)


# "peu" and "ne … que" say the same small part.


def test_little_and_only_are_no_contradiction():
    only = {7: "La France ne représente qu'un pour cent de la pollution mondiale."}
    assert "negation" not in kinds(
        "Un participant rappelle que la France pèse peu dans la pollution mondiale [#7].", only
    )
    # control: a source that gives France a large part is still contradicted by "peu"
    large = {7: "La France représente une grande part de la pollution mondiale."}
    assert "negation" in kinds("Un participant rappelle que la France pèse peu dans la pollution mondiale [#7].", large)


# A relative clause is a clause of its own: its negation does not reach the noun it follows.


def test_a_negation_inside_a_relative_clause_does_not_deny_the_words_before_it():
    scope = {8: "Je serais prête à payer des impôts pour des transports publics qui sont trop peu développés."}
    refusing = "Une habitante refuse de payer des impôts pour des transports publics [#8]."
    assert "negation" in kinds(refusing, scope)
    # control: the faithful version is not refused as a contradiction
    assert "negation" not in kinds(
        "Une habitante serait prête à payer des impôts pour des transports publics [#8].", scope
    )
    # control: "ce qui" opens no relative clause of a noun ("ce qui n'est pas utile" denies what comes after it)
    assert len({t.clause for t in tokenize("ce qui n est pas utile")}) == 1


def test_an_acronym_of_public_life_and_its_expansion_align_both_ways():
    glossed = {9: "Le paiement par communication en champ proche n'est pas assez sûr."}
    assert "entity" not in kinds("Un contributeur doute de la sécurité du paiement NFC [#9].", glossed)
    assert "entity" in kinds("Un contributeur doute de la sécurité du paiement RFID [#9].", glossed)  # control
    short = {9: "Le paiement NFC n'est pas assez sûr."}
    claim = _analyse("Le paiement par communication en champ proche n'est pas assez sûr")
    aligned = _align(claim, {9: _analyse(short[9])}).aligned
    assert {w.folded for n, w in enumerate(claim.words) if n in aligned} >= {"communication", "champ", "proche"}
    # control: without the acronym in the source, the expansion's words are not aligned
    other = _align(claim, {9: _analyse("Le paiement par carte n'est pas assez sûr.")}).aligned
    assert not {w.folded for n, w in enumerate(claim.words) if n in other} & {"communication", "champ", "proche"}
