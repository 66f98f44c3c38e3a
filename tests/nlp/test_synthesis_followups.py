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


def test_lesquelles_that_none_of_the_previous_answer_s_contributions_meets_answers_from_the_whole_selection():
    synthesizer = _fitted()
    # The first answer drew on 1 and 2; the enveloppes are only in 3: said, then found in the whole selection.
    after_first = synthesizer.answer("Lesquelles parlent des enveloppes ?", history=[FIRST])
    assert _texts(after_first)[0] == (
        "Aucune des contributions qui répondaient à la question précédente (2 contributions) n'en parle. "
        "Dans toute la sélection :"
    )
    assert _cited(after_first) == {3}
    # The next "Lesquelles" searches among what that answer drew on (3), not among the first answer's.
    narrower = synthesizer.answer(
        "Lesquelles parlent du printemps ?", history=[FIRST, "Lesquelles parlent des enveloppes ?"]
    )
    assert _texts(narrower)[0].startswith(
        "Parmi les contributions qui répondaient à la question précédente (1 contribution)"
    )
    assert _cited(narrower) == {3}
    # Control: a subject no contribution speaks of still gets "ne répondent pas", saying that the whole selection
    # was searched too (not only the previous answer's contributions).
    nowhere = synthesizer.answer("Lesquelles parlent du football ?", history=[FIRST])
    assert not _cited(nowhere) and _texts(nowhere)[-1] == NO_ANSWER
    assert _texts(nowhere)[0].startswith("Cherché parmi les contributions qui répondaient à la question précédente")
    assert _texts(nowhere)[0].endswith("puis dans toute la sélection :")


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
