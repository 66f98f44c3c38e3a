"""Hiding, restoring and undoing from the moderation journal."""

import pytest

from contrib.errors import Conflict, NotAllowed
from contrib.extensions import db
from contrib.models import AuditEntry, Contribution, Notification, Role
from contrib.services import moderation, undo


def _entries(action: str) -> list[AuditEntry]:
    return db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


@pytest.fixture
def scene(factory):
    process = factory.process()
    author = factory.user()
    contribution = factory.contribution(process, author_id=author.id)
    return {"contribution": contribution, "author": author, "moderator": factory.user(Role.MODERATOR)}


def test_hide_then_undo_then_redo(app, scene):
    contribution, moderator = scene["contribution"], scene["moderator"]
    moderation.hide(contribution.id, "Propos injurieux", moderator=moderator)
    assert db.session.get(Contribution, contribution.id).hidden_reason == "Propos injurieux"
    assert db.session.scalar(db.select(Notification).where(Notification.user_id == scene["author"].id)) is not None
    hide_entry = _entries("moderation:contribution:hide")[0]
    assert hide_entry.before["hidden"] is False and hide_entry.after["hidden"] is True

    undo_entry = undo.undo_act(hide_entry.id, actor=moderator)
    db.session.expire_all()
    assert not db.session.get(Contribution, contribution.id).is_hidden
    assert db.session.get(AuditEntry, hide_entry.id).undone_at is not None
    assert undo_entry.action == "moderation:contribution:hide:undo"

    undo.undo_act(undo_entry.id, actor=moderator)  # redo
    db.session.expire_all()
    assert db.session.get(Contribution, contribution.id).hidden_reason == "Propos injurieux"
    assert db.session.get(AuditEntry, hide_entry.id).undone_at is None, "the original act is live again"
    assert len(_entries("moderation:contribution:hide:redo")) == 1
    assert db.session.scalar(db.select(db.func.count(Contribution.id))) == 1


def test_undo_blocked_by_a_later_act_says_which(app, scene):
    contribution, moderator = scene["contribution"], scene["moderator"]
    moderation.hide(contribution.id, "Hors sujet", moderator=moderator)
    moderation.restore(contribution.id, moderator=moderator)
    hide_entry, restore_entry = _entries("moderation:contribution:hide")[0], _entries("moderation:contribution:restore")[0]

    with pytest.raises(Conflict, match=f"acte n° {restore_entry.id}"):
        undo.undo_act(hide_entry.id, actor=moderator)
    db.session.expire_all()
    assert not db.session.get(Contribution, contribution.id).is_hidden, "a refused undo changes nothing"

    undo.undo_act(restore_entry.id, actor=moderator)
    undo.undo_act(hide_entry.id, actor=moderator)
    db.session.expire_all()
    assert not db.session.get(Contribution, contribution.id).is_hidden


def test_an_act_is_undone_once(app, scene):
    moderation.hide(scene["contribution"].id, "Doublon", moderator=scene["moderator"])
    entry = _entries("moderation:contribution:hide")[0]
    undo.undo_act(entry.id, actor=scene["moderator"])
    with pytest.raises(Conflict, match="déjà été annulé"):
        undo.undo_act(entry.id, actor=scene["moderator"])


def test_only_moderators_hide_or_undo(app, scene, factory):
    participant = factory.user()
    with pytest.raises(NotAllowed):
        moderation.hide(scene["contribution"].id, "Non", moderator=participant)
    moderation.hide(scene["contribution"].id, "Oui", moderator=scene["moderator"])
    with pytest.raises(NotAllowed):
        undo.undo_act(_entries("moderation:contribution:hide")[0].id, actor=participant)


def test_stale_page_is_refused(app, scene):
    contribution, moderator = scene["contribution"], scene["moderator"]
    seen_version = contribution.version
    moderation.hide(contribution.id, "Premier", moderator=moderator, expected_version=seen_version)
    with pytest.raises(Conflict, match="modifiée par quelqu'un d'autre"):
        moderation.restore(contribution.id, moderator=moderator, expected_version=seen_version)


def test_journal_page_undo_and_redo_through_http(app, client, auth, scene):
    auth.login(scene["moderator"])
    contribution_id = scene["contribution"].id
    page = client.get(f"/contributions/{contribution_id}")
    assert "Masquer" in page.text
    response = client.post(f"/moderation/contributions/{contribution_id}/masquer",
                           data={"reason": "Données personnelles", "version": "1"}, follow_redirects=True)
    assert "Contribution masquée" in response.text
    journal = client.get("/moderation/journal")
    assert "Masquage d&#39;une contribution" in journal.text and "Annuler" in journal.text
    entry = _entries("moderation:contribution:hide")[0]
    response = client.post(f"/moderation/journal/{entry.id}/annuler", follow_redirects=True)
    assert f"Acte n° {entry.id} annulé" in response.text
    db.session.expire_all()
    assert not db.session.get(Contribution, contribution_id).is_hidden
    again = client.post(f"/moderation/journal/{entry.id}/annuler", follow_redirects=True)
    assert "déjà été annulé" in again.text


def test_empty_reason_is_refused_in_french(app, client, auth, scene):
    auth.login(scene["moderator"])
    response = client.post(f"/moderation/contributions/{scene['contribution'].id}/masquer",
                           data={"reason": "   "}, follow_redirects=True)
    assert "Motif" in response.text
    db.session.expire_all()
    assert not db.session.get(Contribution, scene["contribution"].id).is_hidden


def test_journal_filters_beyond_the_database_show_an_empty_page(app, client, auth, scene):
    """?avant= and ?contribution= past 2**63 overflowed SQLite's driver (a 500); "²" failed int()."""
    auth.login(scene["moderator"])
    for value in ("9223372036854775808", "²"):
        response = client.get(f"/moderation/journal?avant={value}&contribution={value}")
        assert response.status_code == 200 and "Journal" in response.text
