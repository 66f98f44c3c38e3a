"""The migrated schema is the models' schema, on both databases, with SQLite's safety settings."""

import re

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from contrib.extensions import db
from contrib.participation import search


def test_migrations_match_the_models(app):
    """Tables, columns, types, indexes and server defaults (alembic's own comparison)."""
    with db.engine.connect() as connection:
        # The full-text structures (FTS5 table, GIN expression index) are created by hand in 0015: not models.
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_name": lambda name, type_, parent_names: not search.is_engine_object(name, type_),
            },
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def _sql(text) -> str:
    """SQL reduced to what both databases keep of it: lower case, no casts, quotes, brackets or spaces,
    and PostgreSQL's ``= ANY (ARRAY[…])`` read back as the ``IN (…)`` it was written as."""
    text = re.sub(r"::[a-z ]+(\[\])?", "", str(text).lower())
    text = re.sub(r"[\s()\"]", "", text)
    return re.sub(r"=anyarray\[(.*?)\]", r"in\1", text)


def _model_checks() -> dict[tuple[str, str], str]:
    compiled = {}
    for table in db.metadata.sorted_tables:
        for constraint in table.constraints:
            if isinstance(constraint, sa.CheckConstraint) and isinstance(constraint.name, str):
                sqltext = constraint.sqltext.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
                compiled[(table.name, constraint.name)] = _sql(sqltext)
    return compiled


def _database_checks() -> dict[tuple[str, str], str]:
    inspector = sa.inspect(db.engine)
    return {
        (table, check["name"]): _sql(check["sqltext"])
        for table in inspector.get_table_names()
        if table != "alembic_version"
        for check in inspector.get_check_constraints(table)
    }


def test_check_constraints_match_the_models(app):
    """Alembic compares no CHECK constraint: names and conditions, compared here."""
    model, database = _model_checks(), _database_checks()
    assert len(model) >= 4, "the models' CHECK constraints are found"
    assert sorted(set(model) ^ set(database)) == [], "CHECK constraints in one schema only"
    assert {key: (model[key], database[key]) for key in model if model[key] != database[key]} == {}


def _model_partial_indexes() -> dict[str, str]:
    dialect = db.engine.dialect.name
    return {
        index.name: _sql(index.dialect_options[dialect]["where"])
        for table in db.metadata.sorted_tables
        for index in table.indexes
        if index.dialect_options[dialect]["where"] is not None
    }


def _database_partial_indexes() -> dict[str, str]:
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'"
            ).all()
            return {name: _sql(re.split(r"\bWHERE\b", sql, maxsplit=1, flags=re.I)[1]) for name, sql in rows}
        rows = connection.exec_driver_sql(
            "SELECT c.relname, pg_get_expr(i.indpred, i.indrelid) FROM pg_index i JOIN pg_class c ON c.oid = "
            "i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE i.indpred IS NOT NULL "
            "AND n.nspname = current_schema()"
        ).all()
        return {name: _sql(predicate) for name, predicate in rows}


def test_partial_index_conditions_match_the_models(app):
    """Alembic compares an index's columns, not its WHERE: a partial unique index could lose its condition."""
    model, database = _model_partial_indexes(), _database_partial_indexes()
    assert "uq_reports_open_comment" in model, "the models' partial indexes are found"
    assert {
        name: (model.get(name), database.get(name))
        for name in set(model) | set(database)
        if model.get(name) != database.get(name) and not search.is_engine_object(name, "index")
    } == {}


def test_sqlite_uses_wal_and_foreign_keys(app):
    if db.engine.dialect.name != "sqlite":
        assert db.engine.dialect.name == "postgresql"
        return
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_health_check_touches_the_database(client):
    assert client.get("/sante").get_json() == {"status": "ok"}


def test_large_loads_refresh_planner_statistics(app, factory):
    """After a bulk load PostgreSQL knows the new row count, so it keeps using the keyset index."""
    from contrib.facilitation.bulk import BulkRow, load_rows

    process = factory.process()
    load_rows(process.id, [BulkRow(theme="Volume", text=f"Idée {n}") for n in range(1200)])
    if db.engine.dialect.name == "postgresql":
        estimate = db.session.execute(
            db.text("SELECT reltuples FROM pg_class WHERE relname = 'contributions'")
        ).scalar()
        assert estimate >= 1200
    assert db.session.execute(db.text("SELECT COUNT(*) FROM contributions")).scalar() == 1200
