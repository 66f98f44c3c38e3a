"""``Contribution.n_comments`` (triggers of migration 0024) equals a fresh count of the visible comments by
accounts that count (``counted_comments``) after every write path: posting, replying, hiding by hand, reports
and their moderation and undo, an account confirmed, deleted or removed, SQL deletes; the « Les plus
commentées » sort and the cards read it."""

import pytest

from contrib.accounts import links, personal_data
from contrib.core import undo
from contrib.extensions import db
from contrib.models import AuditEntry, Comment, Contribution, ContributionCount, Role, User
from contrib.models.base import utcnow
from contrib.moderation import report_queue, reports
from contrib.participation.comments import post_comment
from contrib.participation.contributions import comment_counts, counted_comments, sorted_contributions
from tests.conftest import PASSWORD

THRESHOLD_REPORTERS = 3


def recounted(process) -> dict[int, int]:
    """Contribution id → counted comments, recounted from the comments themselves (0 included)."""
    comments = counted_comments()
    rows = db.session.execute(
        db.select(Contribution.id, db.func.coalesce(comments.c.n, 0))
        .outerjoin(comments, comments.c.contribution_id == Contribution.id)
        .where(Contribution.process_id == process.id)
    )
    return dict(rows.all())


def stored(process) -> dict[int, int]:
    rows = db.session.execute(db.select(Contribution.id, Contribution.n_comments).filter_by(process_id=process.id))
    return dict(rows.all())


def assert_stored_is_recounted(process) -> dict[int, int]:
    """The stored counts are the recounted ones, and so are the cards'; returns them."""
    db.session.expire_all()
    expected = recounted(process)
    assert stored(process) == expected
    items = db.session.scalars(db.select(Contribution).where(Contribution.id.in_(list(expected)))).all()
    assert comment_counts(items) == {id_: n for id_, n in expected.items() if n}
    return expected


def untouched(process) -> list[tuple]:
    """What a comment must not change: each contribution's version, edit time and visibility, and the
    per-theme counts."""
    rows = db.session.execute(
        db.select(Contribution.id, Contribution.version, Contribution.updated_at, Contribution.hidden_at)
        .filter_by(process_id=process.id)
        .order_by(Contribution.id)
    ).all()
    counts = db.session.execute(
        db.select(ContributionCount.theme_id, ContributionCount.kind, ContributionCount.n_visible)
        .filter_by(process_id=process.id)
        .order_by(ContributionCount.theme_id, ContributionCount.kind)
    ).all()
    return [tuple(row) for row in rows] + [tuple(row) for row in counts]


@pytest.fixture
def scene(factory):
    process = factory.process()
    author = factory.user()
    contributions = [factory.contribution(process, theme_id=process.themes[i % 2].id) for i in range(4)]
    return process, author, contributions


def test_a_wrong_count_is_caught(scene):
    """Control: the check fails when a stored count is off by one."""
    process, author, contributions = scene
    post_comment(contributions[0].id, "Un avis.", author=author)
    assert assert_stored_is_recounted(process)[contributions[0].id] == 1
    db.session.execute(db.update(Contribution).where(Contribution.id == contributions[1].id).values(n_comments=1))
    db.session.commit()
    with pytest.raises(AssertionError):
        assert_stored_is_recounted(process)


def test_comments_and_replies_count_and_nothing_else_changes(scene, factory):
    process, author, contributions = scene
    before = untouched(process)
    first = post_comment(contributions[0].id, "Premier avis.", author=author)
    post_comment(contributions[0].id, "Une réponse.", author=factory.user(), parent_id=first.id)
    post_comment(contributions[2].id, "Un autre avis.", author=author)
    counts = assert_stored_is_recounted(process)
    assert [counts[c.id] for c in contributions] == [2, 0, 1, 0]
    assert untouched(process) == before


def test_an_unconfirmed_account_counts_once_confirmed_and_again_when_deleted(scene, factory):
    process, _, contributions = scene
    newcomer = factory.user(email_confirmed_at=None)
    post_comment(contributions[1].id, "Avis d'un compte à confirmer.", author=newcomer)
    assert assert_stored_is_recounted(process)[contributions[1].id] == 0
    links._mark_confirmed(newcomer)
    db.session.commit()
    assert assert_stored_is_recounted(process)[contributions[1].id] == 1
    db.session.execute(db.update(User).where(User.id == newcomer.id).values(email_confirmed_at=None))
    db.session.commit()
    assert assert_stored_is_recounted(process)[contributions[1].id] == 0
    # A removed account: the foreign key sets the comments' author to NULL, and a comment without an account
    # counts (``counted``).
    db.session.execute(db.delete(User).where(User.id == newcomer.id))
    db.session.commit()
    assert db.session.scalar(db.select(Comment.author_id)) is None
    assert assert_stored_is_recounted(process)[contributions[1].id] == 1


def test_a_deleted_account_keeps_its_comments_counted(scene, app):
    process, author, contributions = scene
    post_comment(contributions[3].id, "Avis avant départ.", author=author)
    with app.test_request_context():
        personal_data.delete_account(author, password=PASSWORD)
    assert assert_stored_is_recounted(process)[contributions[3].id] == 1


def test_hiding_by_hand_and_sql_deletes(scene, factory):
    process, _, contributions = scene
    comments = [post_comment(contributions[0].id, f"Avis {i}.", author=factory.user()) for i in range(3)]
    comments[0].hidden_at, comments[0].hidden_reason = utcnow(), "Hors sujet"
    db.session.commit()
    assert assert_stored_is_recounted(process)[contributions[0].id] == 2
    db.session.execute(db.update(Comment).where(Comment.id == comments[1].id).values(text="Texte corrigé."))
    db.session.commit()
    assert assert_stored_is_recounted(process)[contributions[0].id] == 2
    db.session.execute(
        db.update(Comment).where(Comment.id == comments[2].id).values(contribution_id=contributions[1].id)
    )
    db.session.commit()
    assert [assert_stored_is_recounted(process)[c.id] for c in contributions[:2]] == [1, 1]
    db.session.execute(db.delete(Comment).where(Comment.id.in_([comments[0].id, comments[2].id])))
    db.session.commit()
    assert [assert_stored_is_recounted(process)[c.id] for c in contributions[:2]] == [1, 0]


def test_reports_hide_the_queue_restores_and_undo(scene, factory):
    process, author, contributions = scene
    moderator = factory.user(Role.MODERATOR)
    target = post_comment(contributions[2].id, "Avis signalé.", author=author)
    post_comment(contributions[2].id, "Avis tranquille.", author=factory.user())
    for _ in range(THRESHOLD_REPORTERS):
        reports.report("comment", target.id, "spam", None, reporter=factory.user())
    db.session.expire_all()
    assert db.session.get(Comment, target.id).is_hidden
    assert assert_stored_is_recounted(process)[contributions[2].id] == 1
    report_queue.restore("comment", target.id, moderator=moderator)
    assert assert_stored_is_recounted(process)[contributions[2].id] == 2
    decision = db.session.scalar(db.select(AuditEntry).filter_by(action="reports:comment:restore"))
    undo.undo_act(decision.id, actor=moderator)
    assert assert_stored_is_recounted(process)[contributions[2].id] == 1
    report_queue.keep_hidden("comment", target.id, moderator=moderator)
    assert assert_stored_is_recounted(process)[contributions[2].id] == 1


def test_most_commented_first_then_newest(scene, factory):
    process, author, contributions = scene
    for i, contribution in enumerate(contributions[:3]):
        for j in range(i + 1):
            post_comment(contribution.id, f"Avis {i}.{j}.", author=factory.user())
    hidden = post_comment(contributions[0].id, "Avis masqué.", author=author)
    for _ in range(4):
        post_comment(contributions[0].id, "Avis d'un compte à confirmer.", author=factory.user(email_confirmed_at=None))
    hidden.hidden_at = utcnow()
    db.session.commit()
    assert [c.id for c in sorted_contributions(process.id, "commentees").items] == [
        contributions[2].id,
        contributions[1].id,
        contributions[0].id,
        contributions[3].id,
    ]
    page = sorted_contributions(process.id, "commentees", theme_id=process.themes[0].id)
    assert [c.id for c in page.items] == [contributions[2].id, contributions[0].id]
    two_per_page = sorted_contributions(process.id, "commentees", page=2, per_page=2)
    assert [c.id for c in two_per_page.items] == [contributions[0].id, contributions[3].id]


def test_the_listing_shows_the_stored_count(scene, client, factory):
    process, _, contributions = scene
    for i in range(3):
        post_comment(contributions[1].id, f"Avis {i}.", author=factory.user())
    html = client.get(f"/demarches/{process.slug}?tri=commentees").text
    assert html.index(f"/contributions/{contributions[1].id}") < html.index(f"/contributions/{contributions[3].id}")
    assert "3 commentaires" in html


def test_the_migration_counts_the_comments_already_there(scene, factory):
    """Migration 0024 backfills the stored counts; its downgrade and upgrade leave the schema as it was."""
    from flask_migrate import downgrade, upgrade

    process, author, contributions = scene
    post_comment(contributions[0].id, "Avis compté.", author=author)
    post_comment(contributions[0].id, "Avis à confirmer.", author=factory.user(email_confirmed_at=None))
    hidden = post_comment(contributions[1].id, "Avis masqué.", author=author)
    hidden.hidden_at = utcnow()
    post_comment(contributions[2].id, "Avis d'un autre.", author=factory.user())
    db.session.commit()  # the session holds no transaction, nor any lock, while the schema changes
    downgrade(revision="0023_search1m_vector")
    assert "n_comments" not in {column["name"] for column in db.inspect(db.engine).get_columns("contributions")}
    upgrade()
    counts = assert_stored_is_recounted(process)
    assert [counts[c.id] for c in contributions] == [1, 0, 1, 0]
    post_comment(contributions[3].id, "Avis après la migration.", author=author)
    assert assert_stored_is_recounted(process)[contributions[3].id] == 1
