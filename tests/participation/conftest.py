"""Fixtures shared by the participation tests."""

import pytest
import sqlalchemy as sa

from contrib.extensions import db


@pytest.fixture
def statements(app):
    """The SQL statements run while the test runs."""
    seen = []

    def record(connection, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(db.engine, "before_cursor_execute", record)
