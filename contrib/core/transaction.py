"""The one place where a service's transaction begins and ends."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy.orm.exc import StaleDataError

from contrib.core.errors import Conflict
from contrib.extensions import db

STALE_MESSAGE = "Cet élément vient d'être modifié par quelqu'un d'autre. Rechargez la page et recommencez."


@contextmanager
def transaction():
    """Commit the session when the block ends, roll it back if the block raises."""
    try:
        yield db.session
        db.session.commit()
    except StaleDataError as error:
        db.session.rollback()
        raise Conflict(STALE_MESSAGE) from error
    except BaseException:
        db.session.rollback()
        raise
