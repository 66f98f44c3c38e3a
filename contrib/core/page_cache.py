"""A short cache of the pages anonymous readers see, per worker process, out of date at the first write.

A national consultation is mostly read by people who are not logged in, and they all ask for the same
few pages. A page listed in ``CACHED_ENDPOINTS`` is kept ``PAGE_CACHE_SECONDS`` seconds, keyed by path
and query string, and tagged with the data generation read before it was rendered: one row counting
committed writes (``DataGeneration``), bumped after every commit that wrote anything, from any host or
queue worker. A cached page is served only while that counter has not moved, so a new contribution or a
hidden one shows at once, everywhere; the price is one primary-key read per anonymous request.

Never cached: a logged-in person's pages (or one who may be logged in by a remember-me cookie), a page
with flashed messages, a page that made a CSRF token or wrote the session, anything but a 200.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, request, session
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from contrib.extensions import db
from contrib.models import DataGeneration

logger = logging.getLogger(__name__)

CACHED_ENDPOINTS = frozenset({"main.home", "participation.show", "participation.contribution"})
MAX_ENTRIES = 512
_WROTE = "contrib_page_cache_wrote"  # Session.info flag: this transaction wrote something
_TABLE = DataGeneration.__table__
_ROW = _TABLE.c.id == 1


@dataclass(frozen=True)
class _Entry:
    stored_at: float
    generation: int
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class PageCache:
    """The entries of one app in this process, least recently used dropped first."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, generation: int) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.generation != generation or time.monotonic() - entry.stored_at > self.seconds:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: _Entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)


_READ_GENERATION = sa.select(_TABLE.c.value).where(_ROW)


def current_generation() -> int:
    """The data generation (0 before the first write), read on a connection of its own: a cache hit then
    opens no ORM session at all."""
    with db.engine.connect() as connection:
        return connection.execute(_READ_GENERATION).scalar() or 0


def bump_generation(bind) -> None:
    """Count one more committed write, on a connection of its own (a row lock held for microseconds)."""
    with bind.connect() as connection:
        if connection.execute(sa.update(_TABLE).where(_ROW).values(value=_TABLE.c.value + 1)).rowcount == 0:
            # The row was emptied by hand (or a backup restored without it): start from a value no page
            # cached before can carry, the clock in microseconds.
            connection.execute(sa.insert(_TABLE).values(id=1, value=time.time_ns() // 1000))
        connection.commit()


@event.listens_for(Session, "before_flush")
def _note_flushed_writes(session, _flush_context, _instances):
    if session.new or session.deleted or any(session.is_modified(instance) for instance in session.dirty):
        session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement_writes(state: ORMExecuteState):
    statement = state.statement
    writes_text = isinstance(statement, sa.TextClause) and not statement.text.lstrip().upper().startswith("SELECT")
    if not (state.is_insert or state.is_update or state.is_delete or writes_text):
        return None
    result = state.invoke_statement()
    if getattr(result, "rowcount", -1) != 0:  # an UPDATE that matched nothing (a stale-run sweep) changed nothing
        state.session.info[_WROTE] = True
    return result


@event.listens_for(Session, "after_commit")
def _bump_after_writes(session):
    if not session.info.pop(_WROTE, False):
        return
    try:
        bump_generation(session.get_bind())
    except sa.exc.SQLAlchemyError as error:  # no cached page outlives PAGE_CACHE_SECONDS anyway
        logger.warning("data generation not bumped: %s", error)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_writes(session):
    session.info.pop(_WROTE, None)


def _may_be_logged_in() -> bool:
    return "_user_id" in session or current_app.config["REMEMBER_COOKIE_NAME"] in request.cookies


def _cache_key() -> str | None:
    if request.method != "GET" or request.endpoint not in CACHED_ENDPOINTS:
        return None
    if _may_be_logged_in() or "_flashes" in session:
        return None
    return request.full_path


def init_app(app: Flask) -> None:
    app.config.setdefault("REMEMBER_COOKIE_NAME", "remember_token")
    if app.config["PAGE_CACHE_SECONDS"] <= 0:
        return
    cache = PageCache(app.config["PAGE_CACHE_SECONDS"])

    @app.before_request
    def serve_cached_page():
        key = _cache_key()
        if key is None:
            return None
        g.page_cache_key, g.page_cache_generation = key, current_generation()
        entry = cache.get(key, g.page_cache_generation)
        if entry is None:
            return None
        g.page_cache_hit = True
        return Response(entry.body, status=entry.status, headers=entry.headers)

    @app.after_request
    def keep_page(response: Response):
        key = g.get("page_cache_key")
        if (
            key is None
            or g.get("page_cache_hit")
            or response.status_code != 200
            or response.is_streamed
            or "Set-Cookie" in response.headers
            or session.modified
            or "csrf_token" in g
            or (g.get("_login_user") is not None and g._login_user.is_authenticated)
        ):
            return response
        headers = [(name, value) for name, value in response.headers.items() if name.lower() != "set-cookie"]
        cache.put(key, _Entry(time.monotonic(), g.page_cache_generation, 200, headers, response.get_data()))
        return response
