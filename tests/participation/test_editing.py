"""A person edits their own contribution while nobody else has acted on it: history kept, audited,
search and meaning follow the new text, owner only."""

import pytest

from contrib.core.errors import Conflict, NotAllowed
from contrib.extensions import db
from contrib.models import AuditEntry, Contribution, ContributionRevision, Role
from contrib.moderation import hiding, reports
from contrib.participation import comments, contributions, editing, supports
from contrib.participation.contributions import ContributionDraft
from contrib.proposals import services as proposals
from tests.conftest import PASSWORD, csrf_token_from, make_app


@pytest.fixture
def scene(factory):
    process = factory.process()
    author = factory.user()
    contribution = contributions.post_contribution(
        process.id,
        ContributionDraft(
            theme_id=process.themes[0].id, kind="idea", title="Financer", text="Financer les formations courtes."
        ),
        author=author,
    )
    return {"process": process, "author": author, "contribution": contribution}


def edit_form(contribution, **overrides):
    data = {
        "theme_id": str(contribution.process.themes[1].id),
        "kind": "proposal",
        "title": "Financer mieux",
        "text": "Financer les certifications des formateurs indépendants.",
        "version": str(contribution.version),
    }
    data.update(overrides)
    return data


def test_the_author_edits_and_every_earlier_version_is_kept(client, auth, scene):
    contribution = scene["contribution"]
    auth.login(scene["author"])
    page = client.get(f"/contributions/{contribution.id}")
    assert f'href="/contributions/{contribution.id}/modifier"' in page.text
    form = client.get(f"/contributions/{contribution.id}/modifier")
    assert form.status_code == 200 and "Financer les formations courtes." in form.text  # filled in
    response = client.post(f"/contributions/{contribution.id}/modifier", data=edit_form(contribution))
    assert response.status_code == 302
    db.session.expire_all()
    edited = db.session.get(Contribution, contribution.id)
    assert edited.text == "Financer les certifications des formateurs indépendants."
    assert edited.kind.value == "proposal" and edited.theme_id == scene["process"].themes[1].id
    [revision] = editing.revisions_of(contribution.id)
    assert (revision.number, revision.title, revision.text) == (1, "Financer", "Financer les formations courtes.")
    entry = db.session.scalar(db.select(AuditEntry).filter_by(action="contributions:contribution:edit"))
    assert entry.actor_id == scene["author"].id and entry.target_id == contribution.id
    assert entry.before["text"] == "Financer les formations courtes." and entry.after["title"] == "Financer mieux"
    html = client.get(f"/contributions/{contribution.id}").text
    assert "Versions précédentes (1)" in html and "Financer les formations courtes." in html
    assert "Modifiée le" in html
    # A second edit keeps both earlier versions, in order.
    edited = db.session.get(Contribution, contribution.id)
    client.post(f"/contributions/{contribution.id}/modifier", data=edit_form(edited, text="Troisième version."))
    assert [r.number for r in editing.revisions_of(contribution.id)] == [1, 2]
    assert editing.revisions_of(contribution.id)[1].text == "Financer les certifications des formateurs indépendants."


def test_search_and_meaning_follow_the_new_text(client, auth, scene):
    contribution = scene["contribution"]
    old_vector = db.session.scalar(db.select(Contribution.embedding).filter_by(id=contribution.id))
    assert contributions.search_contributions(scene["process"].id, "formations courtes").n_found == 1
    editing.edit_contribution(
        contribution.id,
        ContributionDraft(theme_id=contribution.theme_id, kind="idea", text="Mutualiser les plateaux techniques."),
        author=scene["author"],
        version=contribution.version,
    )
    assert contributions.search_contributions(scene["process"].id, "plateaux techniques").items[0].id == contribution.id
    found = contributions.search_contributions(scene["process"].id, "formations courtes")
    assert contribution.id not in {c.id for c in found.items if c.id not in found.by_meaning}
    new_vector = db.session.scalar(db.select(Contribution.embedding).filter_by(id=contribution.id))
    assert new_vector is not None and new_vector != old_vector


def test_nothing_changed_makes_no_version(scene):
    contribution = scene["contribution"]
    draft = ContributionDraft(theme_id=contribution.theme_id, kind="idea", title="Financer", text=contribution.text)
    editing.edit_contribution(contribution.id, draft, author=scene["author"], version=contribution.version)
    assert editing.revisions_of(contribution.id) == []


def test_others_are_refused_and_nothing_changes(client, auth, factory, scene):
    contribution = scene["contribution"]
    auth.login(factory.user(Role.MODERATOR))  # even a moderator does not rewrite a participant's words
    assert client.get(f"/contributions/{contribution.id}/modifier").status_code == 403
    response = client.post(f"/contributions/{contribution.id}/modifier", data=edit_form(contribution))
    assert response.status_code == 403
    assert client.get(f"/contributions/{contribution.id}/modifier").status_code == 403
    assert "Modifier ma contribution" not in client.get(f"/contributions/{contribution.id}").text
    db.session.expire_all()
    assert db.session.get(Contribution, contribution.id).text == "Financer les formations courtes."
    assert db.session.scalar(db.select(db.func.count()).select_from(ContributionRevision)) == 0
    assert client.get("/contributions/999999/modifier").status_code == 404


def test_anonymous_is_sent_to_log_in(client, scene):
    response = client.get(f"/contributions/{scene['contribution'].id}/modifier")
    assert response.status_code == 302 and response.location.startswith("/connexion")


def test_the_form_needs_its_csrf_token(migrated_database, scene):
    csrf_app = make_app(migrated_database, WTF_CSRF_ENABLED=True)
    client = csrf_app.test_client()
    contribution = scene["contribution"]
    token = csrf_token_from(client.get("/connexion").text)
    client.post("/connexion", data={"email": scene["author"].email, "password": PASSWORD, "csrf_token": token})
    response = client.post(f"/contributions/{contribution.id}/modifier", data=edit_form(contribution))
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Contribution, contribution.id).text == "Financer les formations courtes."
    # Control: with the form's own token the same post goes through.
    token = csrf_token_from(client.get(f"/contributions/{contribution.id}/modifier").text)
    response = client.post(
        f"/contributions/{contribution.id}/modifier", data={**edit_form(contribution), "csrf_token": token}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "act",
    ["support", "report", "hide", "proposal", "duplicate"],
)
def test_frozen_once_someone_else_acted_on_it(client, auth, factory, scene, act):
    contribution, author, process = scene["contribution"], scene["author"], scene["process"]
    moderator = factory.user(Role.MODERATOR)
    assert editing.can_edit(contribution, author)  # control: editable before
    if act == "support":
        supports.support(contribution.id, user=factory.user())
    elif act == "report":
        reports.report("contribution", contribution.id, "spam", None, reporter=factory.user())
    elif act == "hide":
        hiding.hide(contribution.id, "Hors sujet", moderator=moderator)
        hiding.restore(contribution.id, moderator=moderator)
    elif act == "proposal":
        proposals.create_from_contributions(
            process.id, [contribution.id], "Financer", "Un texte.", [process.themes[0].id], "high", moderator=moderator
        )
    elif act == "duplicate":
        from contrib.duplicates import services as duplicates

        factory.contribution(process, text="Financer les formations courtes.")
        duplicates.detect(process.id, actor=moderator)
    db.session.expire_all()
    contribution = db.session.get(Contribution, contribution.id)
    assert not editing.can_edit(contribution, author)
    with pytest.raises(NotAllowed):
        editing.edit_contribution(
            contribution.id,
            ContributionDraft(theme_id=contribution.theme_id, kind="idea", text="Autre chose."),
            author=author,
            version=contribution.version,
        )
    auth.login(author)
    assert client.post(f"/contributions/{contribution.id}/modifier", data=edit_form(contribution)).status_code == 403
    html = client.get(f"/contributions/{contribution.id}").text
    assert "Vous ne pouvez plus modifier cette contribution" in html
    assert db.session.get(Contribution, contribution.id).text == "Financer les formations courtes."


def test_a_comment_does_not_freeze_it(factory, scene):
    comments.post_comment(scene["contribution"].id, "Bonne idée.", author=factory.user())
    assert editing.can_edit(scene["contribution"], scene["author"])


def test_an_outdated_form_is_refused(scene):
    contribution = scene["contribution"]
    draft = ContributionDraft(theme_id=contribution.theme_id, kind="idea", text="Nouvelle version.")
    editing.edit_contribution(contribution.id, draft, author=scene["author"], version=contribution.version)
    with pytest.raises(Conflict):
        editing.edit_contribution(contribution.id, draft, author=scene["author"], version=1)


def test_bad_input_is_refused_in_french_and_changes_nothing(client, auth, scene):
    contribution = scene["contribution"]
    auth.login(scene["author"])
    response = client.post(f"/contributions/{contribution.id}/modifier", data=edit_form(contribution, text="  "))
    assert response.status_code == 400 and "Contribution : ce champ est obligatoire" in response.text
    response = client.post(f"/contributions/{contribution.id}/modifier", data=edit_form(contribution, text="<b>x</b>"))
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Contribution, contribution.id).text == "Financer les formations courtes."
    assert editing.revisions_of(contribution.id) == []
