"""Hiding, restoring and undoing from the moderation journal."""

import re

import pytest

from contrib.core import undo
from contrib.core.errors import Conflict, NotAllowed
from contrib.extensions import db
from contrib.models import AuditEntry, Comment, Contribution, Notification, Report, ReportDecision, Role
from contrib.moderation import hiding as moderation
from contrib.moderation import report_queue, reports
from contrib.participation import comments
from tests.conftest import ROOT


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
    hide_entry, restore_entry = (
        _entries("moderation:contribution:hide")[0],
        _entries("moderation:contribution:restore")[0],
    )

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
    response = client.post(
        f"/moderation/contributions/{contribution_id}/masquer",
        data={"reason": "Données personnelles", "version": "1"},
        follow_redirects=True,
    )
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
    response = client.post(
        f"/moderation/contributions/{scene['contribution'].id}/masquer", data={"reason": "   "}, follow_redirects=True
    )
    assert "Motif" in response.text
    db.session.expire_all()
    assert not db.session.get(Contribution, scene["contribution"].id).is_hidden


def test_journal_filters_beyond_the_database_are_refused_in_french(app, client, auth, scene):
    """?avant= and ?contribution= past 2**63 overflowed SQLite's driver (a 500); "²" failed int()."""
    auth.login(scene["moderator"])
    for value in ("9223372036854775808", "²"):
        response = client.get(f"/moderation/journal?avant={value}&contribution={value}")
        assert response.status_code == 400 and "Journal" in response.text
        assert "n&#39;est pas un numéro" in response.text and "Filtre non appliqué" in response.text


# Every audit action the code records, classified: a moderation act must be undoable from the journal;
# the others say here why not. A new action fails the test until it is classified.
NOT_MODERATION_ACTS = {
    # A participant's own acts (they withdraw or edit them themselves).
    "accounts:user:register": "participant",
    "accounts:user:reset_password": "participant",
    "accounts:user:change_password": "participant",
    "accounts:user:rename": "participant",
    "accounts:user:request_email_change": "participant",
    "accounts:user:change_email": "participant",
    "accounts:user:confirm_email": "participant",
    "comments:comment:create": "participant",
    "contributions:contribution:create": "participant",
    "contributions:contribution:edit": "participant",
    "supports:support:create": "participant",
    "supports:support:withdraw": "participant",
    "prioritisation:support:create": "participant",
    "prioritisation:support:withdraw": "participant",
    "reports:contribution:report": "participant",
    "reports:comment:report": "participant",
    # Automatic hiding by the report threshold: the moderators' decision on the reports reverses it.
    "reports:contribution:auto_hide": "automatic",
    "reports:comment:auto_hide": "automatic",
    # A facilitator's import batch is undone as a whole from its page (imports:batch:undo).
    "imports:batch:upload": "import",
    "imports:batch:confirm": "import",
    "imports:batch:cancel": "import",
    "imports:batch:undo": "import",
    # Staff administration of accounts and processes, and the command-line loader.
    "accounts:user:create": "administration",
    "accounts:user:change_role": "administration",
    "accounts:user:delete": "administration",
    "processes:process:create": "administration",
    "processes:process:update": "administration",
    "processes:theme:create": "administration",
    "processes:theme:rename": "administration",
    "contributions:bulk:load": "administration",
    # Journal records of computations and exports: they change nothing anyone sees.
    "clustering:run:launch": "record",
    "duplicates:detection:run": "record",
    "assistant:summary:generate": "record",
    "assistant:answer:generate": "record",
    "assistant:draft:generate": "record",
    "assistant:draft:use": "record",
    "plaidoyer:plaidoyer:create": "record",
    "plaidoyer:version:create": "record",
    "plaidoyer:plaidoyer:export": "record",
    # Printed ballot cards are in people's hands: generating them cannot be taken back (unused cards simply
    # never vote).
    "prioritisation:cards:generate": "record",
}
_ACTION = re.compile(r"""f?["']([a-z_]+):(\{target_type\}|[a-z_]+):([a-z_]+)["']""")


def _recorded_actions() -> set[str]:
    """Every action name written in the areas' rules (only they write the audit log), f-strings expanded
    over the report targets."""
    found = set()
    for path in (ROOT / "contrib").rglob("*.py"):
        if path.name in ("views.py", "forms.py") or "models" in path.parts:
            continue
        for area, subject, verb in _ACTION.findall(path.read_text(encoding="utf-8")):
            subjects = reports.TARGET_TYPES if subject == "{target_type}" else (subject,)
            found.update(f"{area}:{each}:{verb}" for each in subjects)
    return found


def test_every_moderation_act_is_in_the_journal_and_undoable(app):
    actions = _recorded_actions()
    assert {
        "moderation:contribution:hide",
        "reports:comment:restore",
        "reports:comment:keep_hidden",
        "proposals:proposal:merge",
        "reports:comment:auto_hide",
    } <= actions, "the scan finds the actions"
    assert not set(NOT_MODERATION_ACTS) - actions, "every classified action still exists"
    moderation_acts = actions - set(NOT_MODERATION_ACTS)
    assert len(moderation_acts) >= 30
    registry = undo._registry
    missing = sorted(
        action
        for action in moderation_acts
        if action not in registry or not (registry[action].undo and registry[action].redo)
    )
    assert missing == [], f"moderation acts without undo and redo in the journal: {missing}"


@pytest.fixture
def reported_comment(factory, scene):
    comment = comments.post_comment(scene["contribution"].id, "Un commentaire discuté.", author=scene["author"])
    for _ in range(3):
        reports.report("comment", comment.id, "spam", None, reporter=factory.user())
    return db.session.get(Comment, comment.id)


def _open_report_ids(comment_id: int) -> list[int]:
    return db.session.scalars(
        db.select(Report.id).where(Report.comment_id == comment_id, Report.resolved_at.is_(None)).order_by(Report.id)
    ).all()


@pytest.mark.parametrize(
    "decide, hidden_after, decision",
    [
        (report_queue.restore, False, ReportDecision.RESTORED),
        (report_queue.keep_hidden, True, ReportDecision.KEPT_HIDDEN),
    ],
)
def test_comment_report_decision_is_journaled_undone_and_redone(
    app, scene, reported_comment, decide, hidden_after, decision
):
    moderator, comment_id = scene["moderator"], reported_comment.id
    assert reported_comment.hidden_reason == reports.AUTO_HIDDEN_REASON
    report_ids = _open_report_ids(comment_id)
    assert len(report_ids) == 3
    assert decide("comment", comment_id, moderator=moderator) == 3
    db.session.expire_all()
    assert db.session.get(Comment, comment_id).is_hidden is hidden_after and _open_report_ids(comment_id) == []
    entry = undo.journal(limit=1)[0]
    assert entry.action == f"reports:comment:{decide.__name__}" and undo.is_undoable(entry, moderator)

    undo_entry = undo.undo_act(entry.id, actor=moderator)
    db.session.expire_all()
    comment = db.session.get(Comment, comment_id)
    assert comment.is_hidden and comment.hidden_reason == reports.AUTO_HIDDEN_REASON
    assert _open_report_ids(comment_id) == report_ids, "the reports are open again, as before the decision"
    assert db.session.scalars(db.select(Report.decision).where(Report.comment_id == comment_id)).all() == [None] * 3
    assert [item.target.id for item in report_queue.moderation_queue()] == [comment_id], "back in the queue"

    undo.undo_act(undo_entry.id, actor=moderator)  # redo
    db.session.expire_all()
    assert db.session.get(Comment, comment_id).is_hidden is hidden_after and _open_report_ids(comment_id) == []
    assert set(db.session.scalars(db.select(Report.decision).where(Report.comment_id == comment_id))) == {decision}
    assert db.session.get(AuditEntry, entry.id).undone_at is None


def test_undoing_a_contribution_report_decision_reopens_its_reports(app, factory, scene):
    contribution_id, moderator = scene["contribution"].id, scene["moderator"]
    for _ in range(3):
        reports.report("contribution", contribution_id, "abusive", None, reporter=factory.user())
    report_queue.restore("contribution", contribution_id, moderator=moderator)
    entry = _entries("reports:contribution:restore")[0]
    undo.undo_act(entry.id, actor=moderator)
    db.session.expire_all()
    assert db.session.get(Contribution, contribution_id).hidden_reason == reports.AUTO_HIDDEN_REASON
    assert (
        db.session.scalar(
            db.select(db.func.count(Report.id)).where(
                Report.contribution_id == contribution_id, Report.resolved_at.is_(None)
            )
        )
        == 3
    )


def test_a_report_decision_is_not_undone_over_newer_reports(app, factory, scene, reported_comment):
    moderator, comment_id = scene["moderator"], reported_comment.id
    report_queue.restore("comment", comment_id, moderator=moderator)
    newer = reports.report("comment", comment_id, "off_topic", None, reporter=factory.user()).report
    with pytest.raises(Conflict, match="nouveaux signalements"):
        undo.undo_act(_entries("reports:comment:restore")[0].id, actor=moderator)
    db.session.expire_all()
    assert not db.session.get(Comment, comment_id).is_hidden, "a refused undo changes nothing"
    assert _open_report_ids(comment_id) == [newer.id]


def test_comment_decision_in_the_journal_page_and_undone_through_http(app, client, auth, scene, reported_comment):
    auth.login(scene["moderator"])
    response = client.post(
        f"/moderation/signalements/commentaire/{reported_comment.id}/masquer", data={}, follow_redirects=True
    )
    assert "Élément masqué" in response.text and "3 signalements clos" in response.text
    journal = client.get("/moderation/journal")
    assert "Signalement traité : commentaire gardé masqué" in journal.text
    assert f"commentaire n° {reported_comment.id}" in journal.text and "Annuler" in journal.text
    entry = _entries("reports:comment:keep_hidden")[0]
    response = client.post(f"/moderation/journal/{entry.id}/annuler", follow_redirects=True)
    assert f"Acte n° {entry.id} annulé" in response.text
    assert "Un commentaire discuté." not in response.text
    assert "Un commentaire discuté." in client.get("/moderation/signalements").text, "back in the report queue"
    assert len(_open_report_ids(reported_comment.id)) == 3
