"""Thesaurus (nlp/README.md, "Thesaurus (session 13)"): mutual synonyms of the LibreOffice French thesaurus as
evidence for the calibration, on sentences of our own.

A faithful paraphrase that says a word through a synonym gains alignment and probability; a changed predicate, an
antonym the thesaurus lists as a synonym, a one-way « synonym » and a place do not.
"""

from nlp.citations import check_text
from nlp.citations.alignment import SYNONYMS_PATH, _align, _synonyms
from nlp.citations.analysis import _analyse
from nlp.citations.calibrate import examine_claim
from nlp.citations.calibration import load_calibration
from tools.build_synonyms import mutual_pairs, read_mythes, table


def said_through_synonym(claim: str, source: str) -> set[str]:
    analysis = _analyse(claim)
    alignment = _align(analysis, {1: _analyse(source)})
    return {analysis.words[n].folded for n in alignment.by_synonym[1]}


def features(claim: str, source: str) -> dict[str, float]:
    (sentence,) = examine_claim(f"{claim} [#1].", {1: source})
    return sentence["features"]


# The table as built from the thesaurus.


MYTHES = """UTF-8
logement|1
(Nom)|habitation|maison|toit
habitation|1
(Nom)|logement|maison|toit
maison|1
(Nom)|logement|toit
trajet|1
(Nom)|passage|voyage
passage|1
(Nom)|couloir|voyage
voyage|1
(Verbe)|trajet|couloir
abandonner|1
(Verbe)|maintenir|laisser
maintenir|1
(Verbe)|abandonner|laisser
aide|1
(Nom)|camarade|appui|soutien|assistance|secours
camarade|1
(Nom)|aide|copain|ami|compagnon|partenaire
""".splitlines()


def test_only_mutual_pairs_of_one_part_of_speech_whose_lists_overlap_are_read():
    pairs = mutual_pairs(read_mythes(MYTHES))
    assert ("habitation", "logement") in pairs and ("logement", "maison") in pairs
    assert ("passage", "trajet") not in pairs  # « trajet » lists « passage », not the other way round
    assert ("trajet", "voyage") not in pairs  # each lists the other, but as a noun and as a verb
    assert ("aide", "camarade") not in pairs  # mutual, from two senses: no synonym in common


def test_the_table_keeps_no_stance_or_antonym_word():
    pairs = mutual_pairs(read_mythes(MYTHES))
    assert ("abandonner", "maintenir") in pairs  # the thesaurus lists these opposites as synonyms of each other
    synonyms = table(pairs)
    assert "maintenir" not in synonyms and "abandonner" not in synonyms
    assert synonyms["logement"] == {"habitation", "maison"}  # control: content words are kept, both ways
    assert synonyms["habitation"] == {"logement"}


def test_the_shipped_table_is_small_and_states_its_licence():
    head = SYNONYMS_PATH.read_text(encoding="utf-8")[:400]
    assert "LGPL-2.1+" in head and "mythes-fr" in head
    assert SYNONYMS_PATH.stat().st_size < 2_000_000
    shipped = _synonyms()
    assert "habitation" in shipped["logement"] and "logement" in shipped["habitation"]
    assert "deplacement" not in shipped.get("trajet", set())  # one-way in the thesaurus: left out
    assert not {"maintenir", "augmenter", "supprimer", "obligatoire"} & set(shipped)  # stances: left out
    assert "maintenir" not in shipped.get("abandonner", set()) and "augmenter" not in shipped.get("diviser", set())
    assert "college" not in shipped.get("lycee", set())  # places: left out


# Alignment and probability.

SOURCE = "Le logement des étudiants coûte beaucoup trop cher dans notre ville universitaire."


def test_a_faithful_synonym_paraphrase_gains_alignment_and_probability():
    claim = "L'habitation des étudiants coûte beaucoup trop cher dans notre ville universitaire"
    assert said_through_synonym(claim, SOURCE) == {"habitation"}
    assert said_through_synonym(claim.replace("L'habitation", "La cantine"), SOURCE) == set()  # control
    values = features(claim, SOURCE)
    assert values["one_synonym_share"] > 0
    assert features(claim.replace("L'habitation", "La cantine"), SOURCE)["one_synonym_share"] == 0
    calibration = load_calibration()
    weight = dict(zip(calibration.features, calibration.coef))["one_synonym_share"]
    assert weight > 0  # the refitted model reads it as support
    assert calibration.probability(values) > calibration.probability({**values, "one_synonym_share": 0.0})


def test_a_changed_predicate_is_not_said_through_the_thesaurus():
    source = "Il faut diviser les tarifs des transports scolaires."
    claim = "Il faut augmenter les tarifs des transports scolaires"
    assert said_through_synonym(claim, source) == set()  # « diviser » lists « augmenter », both ways: a stance
    (sentence,) = check_text(f"{claim} [#1].", {1: source})
    assert sentence.status != "verifiee"
    assert said_through_synonym("Il faut critiquer le projet", "Il faut apprécier le projet") == set()


def test_an_antonym_listed_as_a_synonym_is_no_synonym():
    source = "Il faut abandonner la ligne de bus du dimanche."
    claim = "Il faut maintenir la ligne de bus du dimanche"
    assert said_through_synonym(claim, source) == set()
    (sentence,) = check_text(f"{claim} [#1].", {1: source})
    assert sentence.status != "verifiee"
    assert said_through_synonym("Le dispositif est efficace", "Le dispositif est inefficace") == set()


def test_a_one_way_synonym_and_a_place_are_not_aligned():
    assert said_through_synonym("Le trajet du bus est trop long", "Le passage du bus est trop long") == set()
    assert said_through_synonym("Le trajet du bus est trop long", "La traversée du bus est trop longue") == {
        "trajet"
    }  # control: a mutual pair
    assert said_through_synonym("Les élèves du lycée", "Les élèves du collège") == set()
