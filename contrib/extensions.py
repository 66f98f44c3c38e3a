"""Flask extensions, created once here and bound to the app in create_app()."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

# Named constraints make Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def user_or_address() -> str:
    """Rate-limit key: the account when logged in (a whole event shares one Wi-Fi address)."""
    from flask_login import current_user

    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    """Turn on foreign keys and WAL for every SQLite connection."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


@event.listens_for(Engine, "do_connect")
def _postgresql_without_jit(dialect, connection_record, cargs, cparams):
    """JIT off for every PostgreSQL connection, set by the connection's start-up options (no statement).

    The app's statements are small, but the planner costs the search's walk of the word signatures as a
    walk of the whole index (it stops after about 1,000 rows), over ``jit_above_cost``: compiling took 10 ms
    of a 41 ms search. ``SET LOCAL jit = off`` before each such search cost a round trip.
    """
    if dialect.name == "postgresql":
        cparams["options"] = " ".join(filter(None, (cparams.get("options"), "-c jit=off")))


def release_session_safely(app) -> None:
    """End each request's session even when the database vanished mid-request (restart, failover).

    Flask-SQLAlchemy's own teardown rolls back on a dead connection and raises, which would turn an
    already-rendered French 503 page into a broken response; here the dead session is dropped instead
    (``pool_pre_ping`` replaces the dead connections on the next checkout).
    """
    from sqlalchemy.exc import DBAPIError

    @app.teardown_appcontext
    def _remove_session(_exception):
        try:
            db.session.remove()
        except DBAPIError as error:
            app.logger.warning("database connection lost while ending a request: %s", error.orig)
            db.session.registry.clear()
