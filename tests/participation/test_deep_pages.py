"""Numbered pages of « Les plus soutenues » and « Les plus commentées » (migration 0025): a page's ids are read
from partial indexes of the visible rows, then those rows are loaded. Every page is the slice of the visible
rows sorted in Python, whatever the theme and the page; the migration goes down and up again."""

import pytest

from contrib.extensions import db
from contrib.models import Contribution
from contrib.models.base import utcnow
from contrib.participation.contributions import sorted_contributions

SORT_INDEXES = (
    "ix_contributions_process_supports",
    "ix_contributions_process_theme_supports",
    "ix_contributions_process_comments",
    "ix_contributions_process_theme_comments",
)
PER_PAGE = 3
# (supports, comments, theme position, hidden): ties on both counts, hidden rows at the top of both orders.
ROWS = [
    (5, 0, 0, False),
    (9, 9, 0, True),
    (2, 3, 1, False),
    (5, 1, 0, False),
    (0, 3, 1, False),
    (7, 0, 0, False),
    (2, 3, 0, False),
    (9, 9, 1, True),
    (0, 0, 1, False),
    (5, 2, 0, False),
    (1, 1, 1, False),
    (2, 0, 0, False),
    (3, 3, 0, False),
]


@pytest.fixture
def scene(factory):
    process = factory.process()
    other = factory.process()  # never listed
    factory.contribution(other, theme_id=other.themes[0].id)
    for supports, comments, position, hidden in ROWS:
        contribution = factory.contribution(
            process, theme_id=process.themes[position].id, hidden_at=utcnow() if hidden else None
        )
        # The stored counts the sorts read (kept by the app and by triggers elsewhere).
        db.session.execute(
            db.update(Contribution)
            .where(Contribution.id == contribution.id)
            .values(n_supports=supports, n_comments=comments)
        )
    db.session.commit()
    return process


def expected_pages(process, sort: str, theme_id: int | None) -> list[list[int]]:
    rows = [
        c
        for c in db.session.scalars(db.select(Contribution).filter_by(process_id=process.id))
        if c.hidden_at is None and theme_id in (None, c.theme_id)
    ]
    count = (lambda c: c.n_supports) if sort == "soutenues" else (lambda c: c.n_comments)
    ids = [c.id for c in sorted(rows, key=lambda c: (-count(c), -c.id))]
    return [ids[start : start + PER_PAGE] for start in range(0, len(ids), PER_PAGE)]


def assert_every_page_is_the_sorted_slice(process) -> int:
    """Every page of both sorts, with and without a theme, is the expected slice; returns the pages checked."""
    checked = 0
    for sort in ("soutenues", "commentees"):
        for theme_id in (None, process.themes[0].id, process.themes[1].id):
            expected = expected_pages(process, sort, theme_id)
            assert len(expected) >= 2  # control: several pages, so the OFFSET matters
            for number, ids in enumerate(expected, start=1):
                page = sorted_contributions(process.id, sort, theme_id=theme_id, page=number, per_page=PER_PAGE)
                assert [c.id for c in page.items] == ids, (sort, theme_id, number)
                assert page.n_pages == len(expected) and all(c.theme is not None for c in page.items)
                checked += 1
    return checked


def index_definitions() -> dict[str, str]:
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index'").all()
        else:
            rows = connection.exec_driver_sql("SELECT indexname, indexdef FROM pg_indexes").all()
    return {
        name: " ".join(sql.upper().replace("(", " ").replace(")", " ").replace(",", " ").split())
        for name, sql in rows
        if sql
    }


def test_each_page_is_the_slice_of_the_visible_rows_in_order(scene):
    assert assert_every_page_is_the_sorted_slice(scene) == 18  # 4 + 3 + 2 pages, two sorts
    hidden = {c.id for c in db.session.scalars(db.select(Contribution).filter_by(process_id=scene.id)) if c.hidden_at}
    first = sorted_contributions(scene.id, "soutenues", page=1, per_page=PER_PAGE).items
    assert len(hidden) == 2 and not hidden & {c.id for c in first}  # the most supported rows are hidden
    # Control: the last page is partly filled and past the end gives the last page.
    last = sorted_contributions(scene.id, "commentees", page=99, per_page=PER_PAGE)
    assert last.number == last.n_pages == 4 and len(last.items) == 2


def test_the_sorts_read_the_ids_from_the_visible_rows_index(scene):
    definitions = index_definitions()
    for name in SORT_INDEXES:
        assert definitions[name].endswith(" ID WHERE HIDDEN_AT IS NULL"), definitions[name]
    if db.engine.dialect.name == "sqlite":  # PostgreSQL's plan for a few rows is a sequential scan
        visible = db.select(Contribution.id).where(
            Contribution.process_id == scene.id, Contribution.hidden_at.is_(None)
        )
        page = visible.order_by(Contribution.n_supports.desc(), Contribution.id.desc()).offset(3).limit(3)
        assert "USING INDEX ix_contributions_process_supports (process_id=?)" in sqlite_plan(page)
        # Contributions looked up by id (a search's results) are read by id, not by scanning a sort index.
        by_id = visible.where(Contribution.id.in_([1, 2, 3]))
        assert "USING INDEX ix_contributions_process_recent (process_id=? AND id=?" in sqlite_plan(by_id)


def sqlite_plan(statement) -> str:
    sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as connection:
        return " ".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))


def test_the_migration_goes_down_and_up_again(scene):
    from flask_migrate import downgrade, upgrade

    db.session.commit()  # the session holds no transaction, nor any lock, while the schema changes
    downgrade(revision="0024_comments1m_counts")
    definitions = index_definitions()
    assert all(name in definitions and "WHERE" not in definitions[name] for name in SORT_INDEXES), definitions
    assert assert_every_page_is_the_sorted_slice(scene) == 18  # the code reads the former indexes too
    db.session.commit()  # again: the pages read above hold a transaction (PostgreSQL's DROP INDEX would wait)
    upgrade()
    definitions = index_definitions()
    assert all(definitions[name].endswith(" ID WHERE HIDDEN_AT IS NULL") for name in SORT_INDEXES)
    # A contribution hidden or restored after the migration leaves the pages or comes back.
    top = sorted_contributions(scene.id, "soutenues", page=1, per_page=PER_PAGE).items[0]
    top.hidden_at = utcnow()
    db.session.commit()
    assert top.id not in {c.id for c in sorted_contributions(scene.id, "soutenues", page=1, per_page=PER_PAGE).items}
    assert_every_page_is_the_sorted_slice(scene)
    top.hidden_at = None
    db.session.commit()
    assert sorted_contributions(scene.id, "soutenues", page=1, per_page=PER_PAGE).items[0].id == top.id
