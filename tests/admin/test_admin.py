"""Staff pages: processes, themes, roles — each act audited."""

from contrib.extensions import db
from contrib.models import AuditEntry, Process, ProcessKind, Role, Theme, User
from contrib.models.processes import DEFAULT_THEMES


def actions():
    return [entry.action for entry in db.session.execute(db.select(AuditEntry).order_by(AuditEntry.id)).scalars()]


def test_staff_creates_a_process_with_default_themes(client, factory, auth):
    auth.login(factory.user(Role.STAFF))
    response = client.post(
        "/admin/demarches/nouvelle",
        data={
            "title": "Rencontre régionale Occitanie",
            "kind": "event",
            "region": "Occitanie",
            "place": "Toulouse",
            "starts_on": "2026-03-12",
            "ends_on": "2026-03-12",
            "description": "Ateliers",
            "is_open": "y",
        },
    )
    assert response.status_code == 302
    process = db.session.execute(db.select(Process)).scalar_one()
    assert process.slug == "rencontre-regionale-occitanie"
    assert process.kind == ProcessKind.EVENT
    assert [theme.name for theme in process.themes] == list(DEFAULT_THEMES)
    assert actions() == ["processes:process:create"]


def test_process_form_refuses_bad_input_and_keeps_it(client, factory, auth):
    auth.login(factory.user(Role.STAFF))
    response = client.post(
        "/admin/demarches/nouvelle",
        data={
            "title": "Débat",
            "kind": "online_debate",
            "replay_url": "javascript:alert(1)",
            "starts_on": "2026-03-12",
            "ends_on": "2026-03-01",
        },
    )
    assert response.status_code == 400
    assert "https://" in response.text
    assert 'value="Débat"' in response.text
    assert db.session.execute(db.select(Process)).first() is None


def test_staff_edits_a_process_and_closes_it(client, factory, auth):
    process = factory.process()
    auth.login(factory.user(Role.STAFF))
    response = client.post(
        f"/admin/demarches/{process.id}",
        data={"title": "Nouveau titre", "kind": "online_debate", "replay_url": "https://exemple.fr/replay"},
    )
    assert response.status_code == 302
    db.session.refresh(process)
    assert (process.title, process.kind, process.is_open) == ("Nouveau titre", ProcessKind.ONLINE_DEBATE, False)
    entry = db.session.execute(db.select(AuditEntry)).scalar_one()
    assert entry.before["is_open"] is True and entry.after["is_open"] is False


def test_staff_adds_and_renames_themes(client, factory, auth):
    process = factory.process()
    auth.login(factory.user(Role.STAFF))
    client.post(f"/admin/demarches/{process.id}/thematiques", data={"name": "Numérique et IA"})
    theme = db.session.execute(db.select(Theme).filter_by(name="Numérique et IA")).scalar_one()
    assert theme.position == len(DEFAULT_THEMES)
    duplicate = client.post(
        f"/admin/demarches/{process.id}/thematiques", data={"name": "numérique et ia"}, follow_redirects=True
    )
    assert "existe déjà" in duplicate.text
    client.post(f"/admin/thematiques/{theme.id}", data={"name": "Numérique"})
    db.session.refresh(theme)
    assert theme.name == "Numérique"
    assert actions() == ["processes:theme:create", "processes:theme:rename"]


def test_staff_changes_a_role(client, factory, auth):
    target = factory.user()
    auth.login(factory.user(Role.STAFF))
    response = client.post(f"/admin/utilisateurs/{target.id}/role", data={"role": "moderator"}, follow_redirects=True)
    assert "Modérateur·rice" in response.text
    db.session.refresh(target)
    assert target.role == Role.MODERATOR
    entry = db.session.execute(db.select(AuditEntry)).scalar_one()
    assert (entry.before, entry.after) == ({"role": "participant"}, {"role": "moderator"})


def test_staff_cannot_demote_themself(client, factory, auth):
    staff = factory.user(Role.STAFF)
    auth.login(staff)
    response = client.post(f"/admin/utilisateurs/{staff.id}/role", data={"role": "participant"}, follow_redirects=True)
    assert "Vous ne pouvez pas retirer votre propre rôle" in response.text
    assert db.session.get(User, staff.id).role == Role.STAFF


def test_user_search_escapes_nothing_dangerous(client, factory, auth):
    factory.user(display_name="Nadia Berger")
    auth.login(factory.user(Role.STAFF))
    html = client.get("/admin/utilisateurs?q=nadia").text
    assert "Nadia Berger" in html
    assert "Nadia Berger" not in client.get("/admin/utilisateurs?q=%25zz%25").text


def test_process_dates_are_typed_day_first_whatever_the_browsers_language(client, factory, auth):
    """A browser's own date box shows « mm/dd/yyyy » in English: the dates are French text boxes."""
    from datetime import date

    auth.login(factory.user(Role.STAFF))
    form = client.get("/admin/demarches/nouvelle").text
    assert 'name="starts_on" type="text"' in form and "jj/mm/aaaa" in form
    assert 'type="date"' not in form
    data = {"title": "Rencontre de Lille", "kind": "event", "starts_on": "05/03/2026", "ends_on": "6/3/2026"}
    assert client.post("/admin/demarches/nouvelle", data=data).status_code == 302
    process = db.session.execute(db.select(Process)).scalar_one()
    assert (process.starts_on, process.ends_on) == (date(2026, 3, 5), date(2026, 3, 6)), "5 March, not 3 May"
    assert 'value="05/03/2026"' in client.get(f"/admin/demarches/{process.id}").text, "shown day first"

    refused = client.post("/admin/demarches/nouvelle", data={**data, "title": "Autre", "starts_on": "03/31/2026"})
    assert refused.status_code == 400
    assert "«\xa003/31/2026\xa0» n&#39;est pas une date ; écrivez le jour, le mois puis l&#39;année" in refused.text
    assert 'value="03/31/2026"' in refused.text, "what was typed stays in the box"
    assert db.session.scalar(db.select(db.func.count(Process.id))) == 1


def test_the_open_checkbox_sits_beside_its_label(client, factory, auth):
    auth.login(factory.user(Role.STAFF))
    form = client.get("/admin/demarches/nouvelle").text
    assert '<div class="field check-row">' in form
