"""The counts the database keeps per process, theme and kind (``ContributionCount``, triggers of migration
0022) equal a real count after every write path: post, edit, hide, restore, undo and redo, reports,
imports and their undo, bulk loads, proposals, SQL deletes."""

import pytest

from contrib.core import undo
from contrib.extensions import db
from contrib.facilitation import imports
from contrib.facilitation.bulk import BulkRow, load_rows
from contrib.models import AuditEntry, Contribution, ContributionCount, ContributionKind, Role
from contrib.moderation import hiding, report_queue, reports
from contrib.participation import editing
from contrib.participation.contributions import ContributionDraft, count_contributions, post_contribution
from contrib.proposals import acts as proposals
from tests.facilitation.test_imports import csv_bytes

KINDS = [kind.value for kind in ContributionKind]


def real_counts(process) -> dict[tuple, tuple[int, int]]:
    """(theme, kind) → (all rows, visible rows), counted from the rows themselves."""
    rows = db.session.execute(
        db.select(
            Contribution.theme_id,
            Contribution.kind,
            db.func.count(),
            db.func.sum(db.case((Contribution.hidden_at.is_(None), 1), else_=0)),
        )
        .where(Contribution.process_id == process.id)
        .group_by(Contribution.theme_id, Contribution.kind)
    )
    return {(theme_id, kind): (int(n), int(visible)) for theme_id, kind, n, visible in rows}


def kept_counts(process) -> dict[tuple, tuple[int, int]]:
    rows = db.session.execute(
        db.select(
            ContributionCount.theme_id, ContributionCount.kind, ContributionCount.n_total, ContributionCount.n_visible
        ).where(ContributionCount.process_id == process.id, ContributionCount.n_total != 0)
    )
    return {(theme_id, kind): (int(n), int(visible)) for theme_id, kind, n, visible in rows}


def assert_counts_match(process) -> int:
    """The kept counts are the real ones, and so is every filter of the listing; returns the visible total."""
    db.session.expire_all()
    real = real_counts(process)
    assert kept_counts(process) == real
    visible = [
        row for row in db.session.scalars(db.select(Contribution).filter_by(process_id=process.id)) if not row.is_hidden
    ]
    assert count_contributions(process.id) == len(visible)
    for theme in process.themes:
        assert count_contributions(process.id, theme_id=theme.id) == sum(c.theme_id == theme.id for c in visible)
        for kind in KINDS:
            expected = sum(c.theme_id == theme.id and c.kind == kind for c in visible)
            assert count_contributions(process.id, theme_id=theme.id, kind=kind) == expected
    for kind in KINDS:
        assert count_contributions(process.id, kind=kind) == sum(c.kind == kind for c in visible)
    return len(visible)


@pytest.fixture
def scene(factory):
    process = factory.process()
    author = factory.user()
    moderator = factory.user(Role.MODERATOR)
    contributions = [
        factory.contribution(process, author_id=author.id, theme_id=process.themes[i % 3].id, kind=KINDS[i % 2])
        for i in range(5)
    ]
    return process, author, moderator, contributions


def test_a_wrong_count_is_caught(scene):
    """Control: the check fails when a kept count is off by one."""
    process = scene[0]
    assert assert_counts_match(process) == 5
    db.session.execute(db.update(ContributionCount).values(n_visible=ContributionCount.n_visible + 1))
    db.session.commit()
    with pytest.raises(AssertionError):
        assert_counts_match(process)


def test_posting_and_editing_move_the_counts(scene):
    process, author, _, _ = scene
    draft = ContributionDraft(theme_id=process.themes[4].id, kind="weak_signal", text="Une idée de plus, en ligne.")
    posted = post_contribution(process.id, draft, author=author)
    assert assert_counts_match(process) == 6
    assert count_contributions(process.id, theme_id=process.themes[4].id, kind="weak_signal") == 1

    moved = ContributionDraft(theme_id=process.themes[5].id, kind="track", text="Une idée de plus, déplacée.")
    editing.edit_contribution(posted.id, moved, author=author, version=posted.version)
    assert assert_counts_match(process) == 6
    assert count_contributions(process.id, theme_id=process.themes[4].id) == 0
    assert count_contributions(process.id, theme_id=process.themes[5].id, kind="track") == 1


def test_hiding_restoring_undo_and_redo(scene):
    process, _, moderator, contributions = scene
    target = contributions[0]
    hiding.hide(target.id, "Propos injurieux", moderator=moderator)
    assert assert_counts_match(process) == 4
    hide_entry = db.session.scalar(db.select(AuditEntry).filter_by(action="moderation:contribution:hide"))
    undo_entry = undo.undo_act(hide_entry.id, actor=moderator)
    assert assert_counts_match(process) == 5
    undo.undo_act(undo_entry.id, actor=moderator)  # redo
    assert assert_counts_match(process) == 4
    hiding.restore(target.id, moderator=moderator)
    assert assert_counts_match(process) == 5


def test_reports_hide_and_the_queue_restores(scene, factory):
    process, _, moderator, contributions = scene
    target = contributions[1]
    for _ in range(3):
        reports.report("contribution", target.id, "spam", None, reporter=factory.user())
    assert assert_counts_match(process) == 4
    report_queue.restore("contribution", target.id, moderator=moderator)
    assert assert_counts_match(process) == 5


def test_import_then_its_undo(scene, factory):
    process = scene[0]
    facilitator = factory.user(Role.FACILITATOR)
    batch = imports.start_import(process.id, csv_bytes(), "atelier.csv", actor=facilitator)
    assert imports.confirm_import(process.id, batch.id, actor=facilitator).n_imported == 4
    assert assert_counts_match(process) == 9
    assert imports.undo_import(process.id, batch.id, actor=facilitator) == 4
    assert assert_counts_match(process) == 5


def test_bulk_load_and_a_new_theme(scene):
    process = scene[0]
    rows = [
        BulkRow(theme="Une thématique nouvelle", text=f"Texte chargé {i}", kind=ContributionKind.TRACK)
        for i in range(7)
    ]
    assert load_rows(process.id, rows).n_loaded == 7
    db.session.refresh(process)
    assert assert_counts_match(process) == 12
    new_theme = next(theme for theme in process.themes if theme.name == "Une thématique nouvelle")
    assert count_contributions(process.id, theme_id=new_theme.id) == 7


def test_a_proposal_changes_no_count_and_sql_deletes_do(scene):
    process, _, moderator, contributions = scene
    before = kept_counts(process)
    proposals.create_from_contributions(
        process.id,
        [c.id for c in contributions[:2]],
        "Une proposition",
        "Le texte.",
        [process.themes[0].id],
        "high",
        moderator=moderator,
    )
    assert assert_counts_match(process) == 5
    assert kept_counts(process) == before
    hiding.hide(contributions[4].id, "Hors sujet", moderator=moderator)
    db.session.execute(db.delete(Contribution).where(Contribution.id.in_([contributions[3].id, contributions[4].id])))
    db.session.commit()
    assert assert_counts_match(process) == 3
