"""Sub-topic headings on the causes found on real clusters (session 14): « Système » headed a sub-topic of one
text copied 20 times, « Téléportation » a sub-topic made by a sarcastic short answer posted 9 times."""

from nlp.synthesis import ExtractiveSynthesizer

# A real answer of the grand débat (dev_grand_debat.csv), copied 20 times there; shortened.
ONE_TEXT = (
    "Tout simplement enseigner la structure de la fiscalité et des dépenses de l'État en cours d'éducation civique, "
    "afin d'augmenter la compréhension du système par le jeune citoyen, futur acteur des systèmes démocratique et "
    "fiscal."
)
TRANSPORT = [
    "Il faut plus de bus entre les villages et la gare la plus proche.",
    "Le covoiturage doit être encouragé par une plateforme publique gratuite.",
    "Les pistes cyclables sécurisées manquent entre les communes rurales.",
    "Le train régional doit passer plus souvent le matin et le soir.",
    "Les transports en commun devraient être gratuits pour les jeunes.",
    "Le transport à la demande permettrait de desservir les hameaux isolés.",
    "Il faut développer les parkings relais près des gares.",
    "Les bus électriques réduiraient la pollution dans les centres-villes.",
    "Le vélo électrique devrait être aidé par une prime plus forte.",
    "Les horaires des cars scolaires ne conviennent pas aux salariés.",
    "Il faut rouvrir les petites lignes de train fermées.",
    "L'autopartage entre voisins mérite un cadre simple.",
]


def _headings(texts: list[str]) -> list[str]:
    summary = ExtractiveSynthesizer().fit(list(range(1, len(texts) + 1)), texts).summary()
    return [s.text for s in summary.segments if s.kind == "titre" and s.level == 2]


def test_a_sub_topic_of_one_text_is_headed_by_what_the_text_names_first():
    """Every phrase of one text is read once; « système » and « systèmes » were counted as two texts."""
    assert _headings([ONE_TEXT] * 5) == ["Structure de la fiscalité"]


def test_copies_of_a_short_answer_do_not_make_a_main_sub_topic():
    """« La téléportation » x 9 (the brief-answers line names it) headed a sub-topic of the transport cluster."""
    texts = [*TRANSPORT, "Le transport à la demande|La téléportation", *["La téléportation"] * 9]
    summary = ExtractiveSynthesizer().fit(list(range(1, len(texts) + 1)), texts).summary()
    headings = [s.text for s in summary.segments if s.kind == "titre" and s.level == 2]
    assert headings == ["Transport"], headings
    assert any("« La téléportation » (9)" in s.text for s in summary.segments), "still counted, with the short answers"


def test_copies_of_a_sentence_still_make_a_main_sub_topic():
    """Control: the same copies written as a sentence that can stand as an idea weigh as they did."""
    joke = "On attend la téléportation, elle seule nous sauvera."
    texts = [*TRANSPORT, "Le transport à la demande|La téléportation", *[joke] * 9]
    assert len(_headings(texts)) == 2, _headings(texts)
