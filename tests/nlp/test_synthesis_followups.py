"""Follow-up questions as a moderator asks them (usability pass 5): the previous answer is the context."""

from nlp.citations import NO_ANSWER
from nlp.synthesis import ExtractiveSynthesizer

TEXTS = {
    1: "Les formations des publics fragiles manquent de financement : le reste à charge du CPF les exclut.",
    2: "Le financement des formations pour les publics fragiles doit devenir pluriannuel.",
    3: "Côté OPCO, les enveloppes pour les entreprises de 50 salariés sont épuisées dès le printemps.",
    4: "La Région prépare des réunions par bassin avec les organismes avant les appels d'offres.",
    5: "La VAE demande un accompagnement humain que personne ne prend en charge.",
    6: "Les formateurs manquent de temps pour préparer les séances en petits groupes.",
}
ACTORS = ["Organisme de formation", "Organisme de formation", "Financeur", "Financeur", "Formateur", "Autre"]
FIRST = "Comment financer les formations des publics fragiles ?"
FUNDERS = "Et les financeurs, qu'en disent-ils ?"


def _fitted() -> ExtractiveSynthesizer:
    return ExtractiveSynthesizer().fit(list(TEXTS), list(TEXTS.values()), actor_types=ACTORS)


def _cited(answer) -> set[int]:
    return {i for s in answer.segments if s.kind == "phrase" for i in s.citations}


def _texts(answer) -> list[str]:
    return [s.text for s in answer.segments]


def test_what_the_funders_say_when_none_of_them_speaks_of_the_previous_subject():
    synthesizer = _fitted()
    assert _cited(synthesizer.answer(FIRST)) & {1, 2}, "control: the first question is answered"
    follow_up = synthesizer.answer(FUNDERS, history=[FIRST])
    texts = _texts(follow_up)
    assert NO_ANSWER not in texts
    assert any(t.startswith("Aucune contribution de type « Financeur » ne parle de « ") for t in texts), texts
    assert _cited(follow_up) and _cited(follow_up) <= {3, 4}, "the funders only"
    assert set(follow_up.drawn_ids) == {3, 4}


def test_lesquelles_searches_among_what_the_previous_answer_drew_on_its_actors_included():
    synthesizer = _fitted()
    among = synthesizer.answer("Lesquelles parlent des enveloppes ?", history=[FIRST, FUNDERS])
    assert _texts(among)[0] == "Parmi les contributions qui répondaient à la question précédente (2 contributions) :"
    assert _cited(among) == {3}
    # Control: after the first question alone, the enveloppes are not among its contributions (1 and 2).
    after_first = synthesizer.answer("Lesquelles parlent des enveloppes ?", history=[FIRST])
    assert not _cited(after_first) and NO_ANSWER in _texts(after_first)


def test_lesquelles_after_an_answer_that_found_nothing_searches_the_whole_selection_and_says_so():
    synthesizer = _fitted()
    nothing = "Que pensent-ils du football professionnel ?"
    assert _texts(synthesizer.answer(nothing)) == [NO_ANSWER], "control: the first question finds nothing"
    among = synthesizer.answer("Lesquelles parlent de la VAE ?", history=[nothing])
    assert _texts(among)[0].startswith("La question précédente n'avait trouvé aucune contribution")
    assert _cited(among) == {5}
    assert not any(t.startswith("Parmi les 0") for t in _texts(among))


def test_lesquelles_asked_first_reads_its_subject_not_the_verb_parler():
    texts = {**TEXTS, 7: "Les OPCO en parlent beaucoup mais en financent peu."}
    synthesizer = ExtractiveSynthesizer().fit(list(texts), list(texts.values()))
    alone = synthesizer.answer("Lesquelles parlent de la VAE ?")
    assert _cited(alone) == {5}, _texts(alone)
    # Control: the same sentence answers a question on what it says.
    assert 7 in _cited(synthesizer.answer("Que disent-ils des OPCO ?"))
