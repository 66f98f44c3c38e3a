"""Similar contributions of a process, for "is your idea already there?" while posting.

Each worker keeps one nlp.SimilarIndex per process as a cache: it is built on first use (or before
the workers fork, by ``warm_up``), then grows by the contributions posted since (incremental add,
no rebuild). Nothing in it matters between requests: hidden contributions are filtered when results
are read from the database, a restarted worker rebuilds its cache, and each query checks a cheap
fingerprint of the rows the index was built from (ids reused after a reset or a restore: rebuild).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy.orm import joinedload

from contrib.extensions import db
from contrib.models import Contribution, Process
from nlp import SimilarIndex

MIN_QUERY_LENGTH = 15
MIN_SCORE = 0.2
REFIT_GROWTH = 2.0  # refit the vocabulary when the corpus has doubled since the last fit
# Below this size a refit costs a few milliseconds and learns the new words; above, add() is used.
ALWAYS_REFIT_BELOW = 3000


@dataclass
class _CachedIndex:
    index: SimilarIndex
    last_id: int
    n_at_fit: int
    process_created_at: datetime | None
    last_created_at: datetime | None

    def expected_fingerprint(self) -> tuple:
        return (self.process_created_at, self.index.n_indexed_, self.last_created_at)


_cache: dict[int, _CachedIndex] = {}
_building: set[int] = set()
_lock = threading.Lock()  # guards the dictionaries above; never held during a build
_process_locks: dict[int, threading.Lock] = {}


def _process_lock(process_id: int) -> threading.Lock:
    with _lock:
        return _process_locks.setdefault(process_id, threading.Lock())


def _new_rows(process_id: int, after_id: int) -> list[tuple[int, str, datetime]]:
    statement = (
        db.select(Contribution.id, Contribution.title, Contribution.text, Contribution.created_at)
        .where(Contribution.process_id == process_id, Contribution.id > after_id)
        .order_by(Contribution.id)
    )
    return [(id_, f"{title or ''} {text}".strip(), created_at)
            for id_, title, text, created_at in db.session.execute(statement)]


def _fingerprint(process_id: int, last_id: int) -> tuple:
    """(process created_at, rows up to ``last_id``, created_at of row ``last_id``), in one cheap query.

    Ids are not forever: tables emptied with RESTART IDENTITY or a restored backup give old ids to
    other rows, and a cache trusting ``last_id`` alone would suggest vanished texts.
    """
    return tuple(db.session.execute(db.select(
        db.select(Process.created_at).where(Process.id == process_id).scalar_subquery(),
        db.select(db.func.count()).select_from(Contribution)
        .where(Contribution.process_id == process_id, Contribution.id <= last_id).scalar_subquery(),
        db.select(Contribution.created_at)
        .where(Contribution.process_id == process_id, Contribution.id == last_id).scalar_subquery(),
    )).one())


def _index_for(process_id: int) -> SimilarIndex | None:
    """The process's index, brought up to date; the caller holds the process lock."""
    cached = _cache.get(process_id)
    if cached is not None and _fingerprint(process_id, cached.last_id) != cached.expected_fingerprint():
        _cache.pop(process_id, None)  # built from rows that are no longer what they were: rebuild
        cached = None
    rows = _new_rows(process_id, cached.last_id if cached else 0)
    n_total = len(rows) + (cached.index.n_indexed_ if cached else 0)
    if cached is None or (rows and (n_total < ALWAYS_REFIT_BELOW or n_total > REFIT_GROWTH * cached.n_at_fit)):
        if cached is not None:
            rows = _new_rows(process_id, 0)
        if not rows:
            return None
        index = SimilarIndex().fit([id_ for id_, _, _ in rows], [text for _, text, _ in rows])
        process_created_at = db.session.scalar(db.select(Process.created_at).where(Process.id == process_id))
        _cache[process_id] = _CachedIndex(index, rows[-1][0], len(rows), process_created_at, rows[-1][2])
        return index
    if rows:
        cached.index.add([id_ for id_, _, _ in rows], [text for _, text, _ in rows])
        cached.last_id, cached.last_created_at = rows[-1][0], rows[-1][2]
    return cached.index


def _count_rows(process_id: int) -> int:
    return db.session.execute(
        db.select(Process.n_contributions).where(Process.id == process_id)).scalar() or 0


def _build_in_background(process_id: int) -> None:
    """Build a large process's index in a thread, so no request waits seconds for it."""
    with _lock:
        if process_id in _building:
            return
        _building.add(process_id)
    app = current_app._get_current_object()

    def build():
        try:
            with app.app_context(), _process_lock(process_id):
                _index_for(process_id)
        finally:
            with _lock:
                _building.discard(process_id)

    threading.Thread(target=build, name=f"similar-index-{process_id}", daemon=True).start()


def find_similar(process_id: int, text: str, *, limit: int = 5,
                 exclude_ids: tuple[int, ...] = ()) -> list[tuple[Contribution, float]]:
    """The visible contributions of the process closest to ``text``, best first, with their score.

    Across all themes of the process (the same idea often arrives under several). Returns an
    empty list for a text too short to compare.
    """
    if len((text or "").strip()) < MIN_QUERY_LENGTH:
        return []
    if process_id not in _cache and _count_rows(process_id) >= ALWAYS_REFIT_BELOW:
        # Suggestions are a help: while the worker's first index builds, there are none.
        _build_in_background(process_id)
        return []
    with _process_lock(process_id):
        index = _index_for(process_id)
        # Ask for a few more than needed: hidden ones are dropped below.
        matches = index.query(text, k=limit + 5, min_score=MIN_SCORE, exclude_ids=exclude_ids) if index else []
    if not matches:
        return []
    scores = dict(matches)
    statement = (
        db.select(Contribution).options(joinedload(Contribution.theme))
        .where(Contribution.id.in_(scores), Contribution.hidden_at.is_(None))
    )
    found = sorted(db.session.execute(statement).scalars(), key=lambda c: (-scores[c.id], c.id))
    return [(contribution, scores[contribution.id]) for contribution in found[:limit]]


def warm_up() -> int:
    """Build now the indexes of the open processes large enough to be built in the background;
    return how many. The gunicorn master calls it before forking: every worker starts with them
    (shared memory) instead of each spending seconds of CPU on its own copy when people start typing.
    """
    process_ids = db.session.scalars(db.select(Process.id).where(
        Process.is_open.is_(True), Process.n_contributions >= ALWAYS_REFIT_BELOW)).all()
    for process_id in process_ids:
        with _process_lock(process_id):
            _index_for(process_id)
    return len(process_ids)


def forget(process_id: int | None = None) -> None:
    """Drop cached indexes (all, or one process's); the next query rebuilds them."""
    with _lock:
        if process_id is None:
            _cache.clear()
        else:
            _cache.pop(process_id, None)
