"""Usability pass 5: the moderator's assistant journeys as a moderator walks them (issue 20)."""

import re

from contrib.assistant import scopes
from contrib.assistant import services as assistant
from contrib.extensions import db
from contrib.models import ActorType, MessageKind, Role
from contrib.proposals import services as proposals

NBSP = "\u00a0"

FUNDING = [
    (
        "Les formations des publics fragiles manquent de financement : le reste à charge du CPF les exclut.",
        "training_org",
    ),
    ("Le financement des formations pour les publics fragiles doit devenir pluriannuel.", "training_org"),
    ("Côté OPCO, les enveloppes pour les entreprises de 50 salariés sont épuisées dès le printemps.", "funder"),
    ("La Région prépare des réunions par bassin avec les organismes avant les appels d'offres.", "funder"),
    ("La VAE demande un accompagnement humain que personne ne prend en charge.", "trainer"),
]


def _scene(factory):
    process = factory.process(slug="pessac")
    moderator = factory.user(Role.MODERATOR)
    contributions = [factory.contribution(process, text=text, actor_type=ActorType(actor)) for text, actor in FUNDING]
    scope = scopes.resolve_scope(process, "selection", ",".join(str(c.id) for c in contributions))
    return process, moderator, contributions, scope


def _ask(process, scope, moderator, question):
    return assistant.generate_message(process, scope, MessageKind.ANSWER, actor=moderator, question=question)


def test_the_engines_own_words_keep_their_guillemets_with_them(app, factory):
    """« Contributions de type « Financeur… » : » is the engine's own text: no plain space inside « »."""
    process, moderator, _, scope = _scene(factory)
    _ask(process, scope, moderator, "Comment financer les formations des publics fragiles ?")
    follow_up = _ask(process, scope, moderator, "Et les financeurs, qu'en disent-ils ?")
    own = [s["text"] for s in follow_up.content["segments"] if s["kind"] != "phrase"]
    quoted = [text for text in own if "«" in text]
    assert quoted, f"control: the engine quoted something ({own})"
    assert all("« " not in text and " »" not in text for text in own), quoted
    assert all(f"«{NBSP}" in text and f"{NBSP}»" in text for text in quoted)


def test_the_funders_follow_up_is_answered_from_the_funders(app, factory):
    process, moderator, contributions, scope = _scene(factory)
    _ask(process, scope, moderator, "Comment financer les formations des publics fragiles ?")
    follow_up = _ask(process, scope, moderator, "Et les financeurs, qu'en disent-ils ?")
    cited = {i for s in follow_up.content["segments"] if s["status"] == "verifiee" for i in s["citations"]}
    assert cited and cited <= {contributions[2].id, contributions[3].id}
    assert follow_up.content["n_sources"] == len(cited)


def test_a_draft_prefills_the_proposal_with_its_constat_and_proposition_parts():
    segments = [
        {"kind": "titre", "section": "titre", "status": "structure", "text": "Financements", "citations": []},
        {"kind": "liaison", "section": "texte", "status": "structure", "text": "Constat :", "citations": []},
        {"kind": "phrase", "section": "texte", "status": "verifiee", "text": "Les OPCO paient tard.", "citations": [3]},
        {"kind": "phrase", "section": "texte", "status": "non_soutenue", "text": "Tout va mal.", "citations": [4]},
        {"kind": "liaison", "section": "texte", "status": "structure", "text": "Proposition :", "citations": []},
        {"kind": "phrase", "section": "texte", "status": "verifiee", "text": "Payer à 30 jours.", "citations": [3, 5]},
        {"kind": "statistique", "section": "texte", "status": "structure", "text": "Sources : 2 …", "citations": []},
        {"kind": "liaison", "section": "arguments", "status": "structure", "text": "Arguments :", "citations": []},
        {"kind": "phrase", "section": "arguments", "status": "verifiee", "text": "Les OF ferment.", "citations": [5]},
    ]
    assert assistant.draft_body(segments) == (
        "Constat :\nLes OPCO paient tard. [#3]\n\n"
        "Proposition :\nPayer à 30 jours. [#3, #5]\n\n"
        "Arguments :\n- Les OF ferment. [#5]"
    )
    # A part whose sentences were all refused is not announced with nothing under it.
    refused = [dict(s, status="non_soutenue") if s["text"] == "Payer à 30 jours." else s for s in segments]
    assert "Proposition :" not in assistant.draft_body(refused)
    assert "Constat :" in assistant.draft_body(refused)


def test_a_real_draft_keeps_its_parts_in_the_prefilled_text(app, factory, client, auth):
    process, moderator, _, scope = _scene(factory)
    draft = assistant.generate_message(process, scope, MessageKind.DRAFT, actor=moderator)
    body = draft.content["body"]
    assert body.startswith("Constat :\n"), body
    lines = [line for line in body.splitlines() if line and line not in ("Constat :", "Proposition :", "Arguments :")]
    assert lines and all(line.endswith("]") for line in lines), body
    auth.login(moderator)
    page = client.get(f"/moderation/demarches/{process.slug}/propositions/nouvelle?brouillon={draft.id}").text
    assert "Constat :\n" in page


def test_each_source_of_a_draft_has_its_box_and_text_on_one_line(app, factory, client, auth):
    process, moderator, contributions, scope = _scene(factory)
    assistant.generate_message(process, scope, MessageKind.DRAFT, actor=moderator)
    auth.login(moderator)
    ids = ",".join(str(c.id) for c in contributions)
    page = client.get(f"/moderation/demarches/{process.slug}/assistant?ids={ids}").text
    boxes = re.findall(r'<div([^>]*)><input type="checkbox" name="ids"', page)
    assert len(boxes) == len(contributions), "control: every source is listed"
    assert all('class="check-row"' in attributes for attributes in boxes), boxes


def test_the_assistant_opens_on_a_theme_without_typing_numbers(app, factory, client, auth):
    process, moderator, contributions, _ = _scene(factory)
    other_theme = process.themes[1]
    elsewhere = factory.contribution(process, text="Former les tuteurs en entreprise.", theme_id=other_theme.id)
    hidden = factory.contribution(process, text="Un texte masqué sur le financement.")
    hidden.hidden_at = hidden.created_at
    db.session.commit()
    auth.login(moderator)
    chooser = client.get(f"/moderation/demarches/{process.slug}/assistant").text
    theme = process.themes[0]
    assert f'/assistant?thematique={theme.id}">{theme.name} (5&nbsp;contributions)</a>' in chooser
    assert f'thematique={other_theme.id}">{other_theme.name} (1&nbsp;contribution)</a>' in chooser
    page = client.get(f"/moderation/demarches/{process.slug}/assistant?thematique={theme.id}")
    assert page.status_code == 200
    assert f"Thématique «\u00a0{theme.name}\u00a0»</strong> : 5 contributions visibles." in page.text
    scope = scopes.resolve_scope(process, "thematique", str(theme.id))
    assert set(scope.ids) == {c.id for c in contributions}, "the theme's visible contributions only"
    assert elsewhere.id not in scope.ids and hidden.id not in scope.ids
    summary = client.post(
        f"/moderation/demarches/{process.slug}/assistant",
        data={"thematique": str(theme.id), "action": "resumer"},
    )
    assert summary.status_code == 302
    assert client.get(summary.headers["Location"]).text.count('class="assistant-message"') == 1
    unknown = client.get(f"/moderation/demarches/{process.slug}/assistant?thematique=99999")
    assert unknown.status_code == 404 and "Thématique introuvable" in unknown.text


def test_an_answer_that_found_nothing_does_not_say_it_is_founded_on_zero_contributions(app, factory, client, auth):
    process, moderator, _, scope = _scene(factory)
    nothing = _ask(process, scope, moderator, "Que pensent-ils du football professionnel ?")
    found = _ask(process, scope, moderator, "Comment financer les formations des publics fragiles ?")
    assert nothing.content["n_sources"] == 0 and found.content["n_sources"] > 0, "control: one of each"
    auth.login(moderator)
    page = client.get(f"/moderation/demarches/{process.slug}/assistant?ids={','.join(map(str, scope.ids))}").text
    assert "fondée sur 0 contribution" not in page
    assert "Aucune contribution citée par une phrase vérifiée (sur 5 dans la sélection)." in page
    assert f"Réponse fondée sur {found.content['n_sources']} contribution" in page


def test_the_embedded_engine_has_one_name_on_the_page(app, factory, client, auth):
    """The page's introduction says « moteur intégré »; each message said « moteur embarqué »."""
    process, moderator, _, scope = _scene(factory)
    assistant.generate_message(process, scope, MessageKind.SUMMARY, actor=moderator)
    auth.login(moderator)
    page = client.get(f"/moderation/demarches/{process.slug}/assistant?ids={','.join(map(str, scope.ids))}").text
    assert 'class="assistant-message"' in page, "control: a message is shown"
    assert "moteur embarqué" not in page and "· moteur intégré ·" in page


def test_a_drafts_source_already_in_a_proposal_is_shown_but_not_ticked(app, factory, client, auth):
    """Ticked, it made « Créer la proposition » fail after the moderator had read and edited the draft."""
    process, moderator, _, scope = _scene(factory)
    draft = assistant.generate_message(process, scope, MessageKind.DRAFT, actor=moderator)
    kept = draft.content["ids"]
    assert len(kept) >= 2, "control: the draft keeps several sources"
    taken, free = kept[0], kept[1]
    earlier = proposals.create_from_contributions(
        process.id, [taken], "Déjà faite", "Texte.", [process.themes[0].id], "medium", moderator=moderator
    )
    auth.login(moderator)
    page = client.get(f"/moderation/demarches/{process.slug}/assistant?ids={','.join(map(str, scope.ids))}").text
    box = re.search(rf'<input type="checkbox" name="ids" value="{taken}"[^>]*>', page).group()
    assert "disabled" in box and "checked" not in box
    assert f"déjà dans la proposition n°&nbsp;{earlier.id}" in page
    assert "checked" in re.search(rf'<input type="checkbox" name="ids" value="{free}"[^>]*>', page).group()
    assert "1 des sources gardées par le brouillon est déjà dans une autre proposition" in page
