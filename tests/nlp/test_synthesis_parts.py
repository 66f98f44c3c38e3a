"""The parts of the embedded summary: « Ce qui est débattu » (opposite positions on the same point, never a
pair or a contribution twice), headings a person would write, spellings as the texts write them, noise."""

import csv
from pathlib import Path

import pytest

from nlp._phrases import SurfaceFinder, noun_phrases
from nlp._sentences import is_idea_sentence
from nlp.citations import SupportScorer, check_sentence, split_sentences
from nlp.synthesis import ExtractiveSynthesizer
from nlp.synthesis.summary import _opposed
from tests.conftest import shared_data

DEMO = Path(__file__).resolve().parents[2] / "contrib" / "demo" / "contributions.csv"
_SCORER = SupportScorer({})


def _is_opposed(a: str, b: str) -> bool:
    return _opposed(a, b, _SCORER.content_stems(a), _SCORER.content_stems(b))


# Real contributions (Grand Débat 2019, République numérique 2015, ../shared/data; the Qualiopi pair from
# dev_paraphrases.csv).
DISPUTES = [
    ("Pour toutes, il faut que l'on augmente les impôts", "Il ne faut plus augmenter les impôts ou taxes."),
    (
        "Le paiement par SMS mérite d'être facilité, notamment pour la réalisation des dons.",
        "Pas de paiement par SMS tant que la confiance n'est pas rétablie.",
    ),
    (
        "Surtout ne pas alléger Qualiopi : l'exigence du référentiel protège les apprenants contre les organismes "
        "peu sérieux, qu'ils soient petits ou grands.",
        "Simplifier l'audit Qualiopi pour les petites structures : trop de preuves à produire pour une équipe "
        "de trois personnes.",
    ),
    (
        "Réduire le nombre d'élues (députés, sénateurs, conseillers régionaux, départementaux).",
        "Je suis contre réduire le nombre de députés et de sénateurs.",
    ),
]

# Same sub-topic, a negation or a negative word somewhere, but no opposite positions on one point.
NOT_DISPUTES = [
    (
        "On manque de formateurs, surtout dans les métiers techniques: un bon soudeur ou une bonne "
        "aide-soignante gagne plus en restant en poste qu'en venant former.",
        "Les jeunes formateurs quittent le métier au bout de 2-3 ans: pas de perspectives, salaires bas dans "
        "la convention collective des OF.",
    ),
    (
        "La CNIL manque de moyens pour faire respecter la loi.",
        "Pas d'accord pour offrir plus de pouvoir à la CNIL, tant qu'on aura pas défini les modalités de "
        "désignation citoyenne des acteurs de la CNIL.",
    ),
    (
        "Sans rapport avec l'objet de la section, qui est l'ouverture des données publiques.",
        "Pas de rapport entre favoriser l'utilisation de logiciels open-source et l' « Ouverture des données "
        "publiques », qui est le titre de la section.",
    ),
    (
        "Il permettra également le développement de nouveaux services en direction du public.",
        "Cette limitation doit être levée car elle freine la réutilisation de données publiques en dehors de "
        "ces missions de service public.",
    ),
]


@pytest.mark.parametrize(("a", "b"), DISPUTES)
def test_opposite_positions_on_the_same_point_are_a_dispute(a, b):
    assert _is_opposed(a, b) and _is_opposed(b, a)


@pytest.mark.parametrize(("a", "b"), NOT_DISPUTES)
def test_a_negation_on_another_point_is_no_dispute(a, b):
    assert not _is_opposed(a, b) and not _is_opposed(b, a)


def test_a_sentence_is_never_disputed_with_itself_or_a_copy():
    sentence = DISPUTES[0][1]
    assert not _is_opposed(sentence, sentence)


@pytest.fixture(scope="module")
def demo_summary():
    """The summary of the demo event's 185 contributions (``make run`` seeds them). About 3 s on a busy
    host: the real encoder embeds the 185 texts."""
    with DEMO.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["process"] == "pessac-2026"]
    ids, texts = list(range(1, len(rows) + 1)), [r["text"] for r in rows]
    return ExtractiveSynthesizer().fit(ids, texts).summary(), dict(zip(ids, texts))


def _part(segments, title):
    start = next((n for n, s in enumerate(segments) if s.kind == "titre" and s.text == title), None)
    if start is None:
        return []
    end = next((n for n in range(start + 1, len(segments)) if segments[n].kind == "titre"), len(segments))
    return segments[start + 1 : end]


def test_disputed_pairs_oppose_each_other_and_no_contribution_appears_in_two():
    texts = [t for pair in DISPUTES + NOT_DISPUTES for t in pair]
    by_id = dict(enumerate(texts, start=1))
    summary = ExtractiveSynthesizer().fit(list(by_id), texts).summary()
    phrases = [s for s in _part(list(summary.segments), "Ce qui est débattu") if s.kind == "phrase"]
    pairs = list(zip(phrases[::2], phrases[1::2]))
    assert pairs and len(phrases) % 2 == 0
    cited = [i for s in phrases for i in s.citations]
    assert len(cited) == len(set(cited)), "a contribution is in two disputed sentences"
    controls = {frozenset(pair) for pair in NOT_DISPUTES}
    for first, second in pairs:
        assert _is_opposed(first.text, second.text)
        assert frozenset((by_id[first.citations[0]], by_id[second.citations[0]])) not in controls
    scorer = SupportScorer(by_id, scope_size=len(texts))
    assert all(check_sentence(s.as_text(), scorer).is_verified for s in phrases)


def test_sub_topic_headings_are_noun_phrases_not_lone_nouns(demo_summary):
    summary, _ = demo_summary
    segments = list(summary.segments)
    headings = [
        segments[n - 1].text
        for n, s in enumerate(segments)
        if s.kind == "statistique" and s.text.endswith("contributions.") and segments[n - 1].kind == "titre"
    ]
    # The demo's headings were five lone nouns (« Stagiaires », « Entreprises », « Certification »…).
    assert len(headings) >= 4
    assert all(len(h.split()) >= 2 for h in headings), headings
    assert not any("," in h for h in headings), headings
    # A sub-topic's heading sits under its part's ("Idées principales"): level 2, shown smaller.
    levels = {s.text: s.level for s in segments if s.kind == "titre"}
    assert {levels[h] for h in headings} == {2} and levels["Idées principales"] == 1
    assert not {"Stagiaires", "Entreprises", "Certification", "Parcours", "Groupe"} & set(headings)


def test_a_phrase_is_spelled_as_most_texts_write_it_and_never_shouted():
    shouted = ["LE DROIT À LA FIBRE POUR TOUS LES VILLAGES", "Le droit à la fibre d'abord.", "Un droit à la fibre."]
    assert SurfaceFinder(shouted).find("droit a la fibre") == "droit à la fibre"
    accents = ["Les depenses augmentent.", "Les dépenses publiques.", "Réduire les dépenses."]
    assert SurfaceFinder(accents).find("depenses") == "dépenses"
    # Control: an acronym every text writes in capitals stays in capitals.
    assert SurfaceFinder(["La CNIL manque de moyens.", "Donner plus de pouvoir à la CNIL."]).find("cnil") == "CNIL"


@pytest.mark.parametrize(
    "sentence",
    [
        "Merci pour cette journée et pour l'organisation de ce débat.",
        "Bonjour à tous, voici mon avis sur la formation des salariés.",
        "Quelle blague, encore une réforme de la formation décidée sans nous XD",
        "On croit rêver avec ce projet de loi sur la formation professionnelle :D",
        "Hors sujet, cette question ne concerne pas la formation continue des salariés.",
    ],
)
def test_thanks_sarcasm_and_asides_are_not_ideas_whatever_their_case(sentence):
    assert not is_idea_sentence(sentence)
    assert not is_idea_sentence(sentence[:12].upper() + sentence[12:])  # the patterns read any case


def test_a_plain_proposal_stays_an_idea():
    assert is_idea_sentence("Il faut simplifier la certification Qualiopi pour les petits organismes de formation.")


def _headings(summary) -> list[str]:
    """The sub-topic headings of a summary: a heading followed by its counts."""
    segments = list(summary.segments)
    return [
        segments[n - 1].text
        for n, s in enumerate(segments)
        if s.kind == "statistique" and n and segments[n - 1].kind == "titre" and "contribution" in s.text
    ]


FUNDING = [
    "Le financement des formations par les OPCO arrive trop tard pour les petites structures.",
    "Nous attendons six mois le financement des formations par les OPCO, la trésorerie ne suit pas.",
    "Le financement des formations par les OPCO devrait être versé avant l'entrée en formation.",
    "Le financement reste le premier frein pour les organismes associatifs du territoire.",
    "Un financement plus rapide permettrait d'ouvrir des sessions en septembre.",
]


def test_a_heading_is_the_noun_phrase_the_texts_share_not_a_lone_noun_nor_a_word_list():
    ids = list(range(1, len(FUNDING) + 1))
    (heading,) = _headings(ExtractiveSynthesizer().fit(ids, FUNDING).summary())
    assert heading == "Financement des formations par les OPCO"

    # Control: without a phrase of several words read in two texts, the heading is the noun alone.
    lone = [t.replace("des formations par les OPCO", "") for t in FUNDING]
    (heading,) = _headings(ExtractiveSynthesizer().fit(ids, lone).summary())
    assert heading == "Financement"


def test_a_heading_never_opens_on_an_adjective_or_on_the_complement_of_another_noun():
    texts = [
        "La présente loi protège les données de santé des patients.",
        "La présente loi oublie les données de santé des mineurs.",
        "Le service d'interprétation en langue des signes française manque dans les mairies.",
        "Aucun journal télévisé en langue des signes française le matin.",
        "Les données de santé doivent rester en France.",
    ]
    ids = list(range(1, len(texts) + 1))
    headings = _headings(ExtractiveSynthesizer().fit(ids, texts).summary())
    assert headings and not any(h.startswith(("Présente", "Signes")) for h in headings), headings


def test_a_heading_is_a_subject_not_the_season_the_texts_date_it_by():
    """The funders' three texts of the demo process: two say « dès le printemps », which headed their summary."""
    texts = [
        "La Région reste attachée au programme régional de formation, mais le budget 2026 est contraint. Prioriser "
        "ensemble : les publics les plus éloignés de l'emploi, les métiers en tension, les territoires ruraux. Nous "
        "préférons construire ces priorités avec les organismes plutôt que de les annoncer dans un cahier des charges. "
        "Concrètement, nous proposons des réunions par bassin dès le printemps, avant la rédaction des prochains "
        "appels d'offres, et un bilan partagé à l'automne. Ce que nous attendons en retour : des données fiables sur "
        "les parcours, et une parole franche sur ce qui ne fonctionne pas.",
        "Côté OPCO, les enveloppes pour les entreprises de 50 salariés et plus sont épuisées dès le printemps. Les PME "
        "vont devoir cofinancer davantage.",
        "Côté OPCO, nous sommes prêts à expérimenter des cofinancements sur des parcours mixant FOAD, AFEST et "
        "présentiel, si les OF présentent un modèle de coût lisible.",
    ]
    headings = _headings(ExtractiveSynthesizer().fit([113, 114, 119], texts).summary())
    assert headings == ["Parcours"], headings


def test_a_phrase_never_ends_on_a_word_that_needs_its_complement():
    """« Représentants issus » headed a real cluster: « issus », « liés » or « destinés » need what follows them."""
    phrases = noun_phrases(
        [
            "Il faut des représentants issus de la société civile.",
            "Les représentants issus du tirage au sort siègent un an.",
            "Les frais liés au transport pèsent sur les stagiaires, pas la formation continue.",
        ]
    )
    assert "representants issus" not in phrases and "frais lies" not in phrases
    assert phrases["representants issus de la societe"] == 1 and phrases["frais lies au transport"] == 1
    assert phrases["formation continue"] == 1, "control: an adjective that needs nothing still ends a phrase"


@pytest.mark.parametrize(
    ("phrase", "determiners", "expected"),
    [
        ("financement des formations", {"le": 3, "du": 1}, "du financement des formations"),
        ("prise en charge", {"la": 2}, "de la prise en charge"),
        ("OPCO", {"les": 4, "l'": 1}, "des OPCO"),
        ("ordinateur", {"un": 2}, "de l'ordinateur"),
        ("État", {"l'": 2}, "de l'État"),
        ("handicap", {"le": 2}, "du handicap"),
        ("certification", {"+des": 3, "la": 1}, "de la certification"),  # a singular head is never "des"
        ("formations", {"+des": 2, "les": 1}, "des formations"),
        ("transition", {}, "de transition"),
    ],
)
def test_a_phrase_after_de_takes_the_article_its_texts_write(phrase, determiners, expected):
    from collections import Counter

    from nlp._phrases import of_phrase

    assert of_phrase(phrase, Counter(determiners)) == expected


def test_demo_gists_are_one_line_with_articles_not_word_lists(demo_summary):
    summary, _ = demo_summary
    segments = list(summary.segments)
    gists = [s.text for s in segments if s.kind == "liaison" and s.text.startswith("On y parle surtout")]
    assert len(gists) >= 4
    assert not any("«" in g or g.startswith("Ce qui revient") for g in gists)
    assert all(g.endswith(".") and (" du " in g or " de " in g or " des " in g) for g in gists)


# One example per alternative of each noise pattern: each must match (a control), and hold one of the hints the
# pattern is only searched under (nlp/_sentences.py).
NOISE_EXAMPLES = {
    "thanks": [
        *("Merci pour tout", "Je vous remercie", "Nous vous remercions", "Bravo à vous", "Bonjour à tous"),
        *("Bonsoir", "Salut", "Cordialement", "Bien cordialement", "Salutations", "Félicitations"),
        *("Bonne journée", "bonne soirée", "Bonne continuation", "avec mes salutations distinguées"),
        *("c'est dit, merci beaucoup", "voilà, merci à tous", "voilà, merci pour votre écoute"),
    ],
    "sarcasm": [
        *("lol", "mdr", "ptdr", "hahaaa", "hihi", "ben voyons", "quelle blague", "c'est ça oui", "elle est bonne"),
        *("laissez-moi rire", "on croit rêver", "sans blague", "bien sûr...", "bien sur …", "quoi !!!", "vraiment ?!"),
        *("ah !?", "super :)", "super ;-p", "xd"),
    ],
    "off_topic": [
        *("hors sujet", "hors-sujet", "hors du sujet", "aucun rapport", "rien à voir", "article à rédiger"),
        *("a rediger", "test", "voir https://exemple.fr", "voir http://exemple.fr", "voir www.exemple.fr"),
        *("pas vraiment de lien avec le sujet", "pas de rapport avec la question", "pas d'lien avec cette section"),
    ],
}


@pytest.mark.parametrize("kind", sorted(NOISE_EXAMPLES))
def test_every_noise_pattern_match_holds_one_of_its_hints(kind):
    from nlp import _sentences

    pattern, hints = {
        "thanks": (_sentences._THANKS, _sentences._THANKS_HINTS),
        "sarcasm": (_sentences._SARCASM, _sentences._SARCASM_HINTS),
        "off_topic": (_sentences._OFF_TOPIC, _sentences._OFF_TOPIC_HINTS),
    }[kind]
    for example in NOISE_EXAMPLES[kind]:
        lower = example.lower()
        assert pattern.search(lower), example
        assert any(hint in lower for hint in hints), example
    # The real sentences of the shared data the patterns match hold a hint too.
    matched = 0
    for name in ("dev_grand_debat.csv", "dev_republique_numerique.csv"):
        with shared_data(name).open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                for sentence in split_sentences(row["text"]):
                    lower = sentence.strip().lower()
                    if pattern.search(lower):
                        matched += 1
                        assert any(hint in lower for hint in hints), sentence
    assert matched >= 20
