"""The migrated schema is the models' schema, on both databases, with SQLite's safety settings."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from contrib.extensions import db
from contrib.services import search


def test_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "include_name": lambda name, type_, parent_names: not search.is_engine_object(name, type_)})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


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
    from contrib.services.bulk import BulkRow, load_rows

    process = factory.process()
    load_rows(process.id, [BulkRow(theme="Volume", text=f"Idée {n}") for n in range(1200)])
    if db.engine.dialect.name == "postgresql":
        estimate = db.session.execute(db.text("SELECT reltuples FROM pg_class WHERE relname = 'contributions'")).scalar()
        assert estimate >= 1200
    assert db.session.execute(db.text("SELECT COUNT(*) FROM contributions")).scalar() == 1200
