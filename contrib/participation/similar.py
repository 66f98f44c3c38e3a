"""Similar contributions of a process, for "is your idea already there?" while posting.

Each worker keeps one nlp.SimilarIndex per process as a cache: it is built on first use (or before
the workers fork, by ``warm_up``), then grows by the contributions posted since (incremental add,
no rebuild). Nothing in it matters between requests: hidden contributions are filtered when results
are read from the database, a restarted worker rebuilds its cache, and each query checks a cheap
fingerprint of the rows the index was built from (ids reused after a reset or a restore: rebuild)
and the last edit of the process (edited texts, by whichever host: re-indexed in place).

Meaning comes from the vectors stored with the contributions (``contrib.participation.vectors``): a build
embeds only the few rows still without one; with many missing it indexes words only and is rebuilt
once the task queue has stored them. The typed text is embedded per query (a few milliseconds).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy.orm import joinedload

from contrib.extensions import db
from contrib.models import Contribution, ContributionCount, ContributionRevision, Process
from contrib.participation import vectors
from nlp import SimilarIndex

MIN_QUERY_LENGTH = 15
MIN_SCORE = 0.2
REFIT_GROWTH = 2.0  # refit the vocabulary when the corpus has doubled since the last fit
# Below this size a refit costs a few milliseconds and learns the new words; above, add() is used.
ALWAYS_REFIT_BELOW = 3000
# Rows without a stored vector that a build embeds itself (about 10 ms each); with more missing, the
# index is built on words only until the task queue has stored them (``vectors.queue_backfill``).
EMBED_IN_REQUEST = 32
EMBED_IN_BACKGROUND = 300
UPGRADE_CHECK_SECONDS = 60  # how often a large words-only index looks whether its vectors are stored now


@dataclass
class _CachedIndex:
    process_id: int
    index: SimilarIndex
    last_id: int
    n_at_fit: int
    process_created_at: datetime | None
    last_created_at: datetime | None
    last_revision_id: int
    upgrade_checked_at: float = 0.0
    words: frozenset[str] | None = None  # the index's word stems, computed on first use

    def expected_fingerprint(self) -> tuple:
        return (self.process_created_at, self.index.n_indexed_, self.last_created_at)


_cache: dict[int, _CachedIndex] = {}
_building: set[int] = set()
_lock = threading.Lock()  # guards the dictionaries above; never held during a build
_process_locks: dict[int, threading.Lock] = {}


def _process_lock(process_id: int) -> threading.Lock:
    with _lock:
        return _process_locks.setdefault(process_id, threading.Lock())


@dataclass(frozen=True)
class _Row:
    id: int
    text: str
    created_at: datetime
    vector: bytes | None  # the stored vector of the current model, or None (to compute)


def _new_rows(process_id: int, after_id: int) -> list[_Row]:
    return _rows(Contribution.process_id == process_id, Contribution.id > after_id)


def _edited_rows(process_id: int, after_revision_id: int, up_to_id: int) -> list[_Row]:
    """The rows up to ``up_to_id`` whose text was edited since revision ``after_revision_id``."""
    edited = db.select(ContributionRevision.contribution_id).where(ContributionRevision.id > after_revision_id)
    return _rows(Contribution.process_id == process_id, Contribution.id <= up_to_id, Contribution.id.in_(edited))


def _rows(*conditions) -> list[_Row]:
    statement = (
        db.select(
            Contribution.id,
            Contribution.title,
            Contribution.text,
            Contribution.created_at,
            Contribution.embedding,
            Contribution.embedding_model,
        )
        .where(*conditions)
        .order_by(Contribution.id)
    )
    return [
        _Row(id_, vectors.meaning_text(title, text), created_at, vectors.current(embedding, model))
        for id_, title, text, created_at, embedding, model in db.session.execute(statement)
    ]


def _vectors_of(rows: list[_Row], embed_at_most: int) -> list[bytes] | None:
    return vectors.complete([row.text for row in rows], [row.vector for row in rows], embed_at_most=embed_at_most)


def _last_revision_statement(process_id: int):
    """The id of the process's last revision (None when none), reading revisions newest first.

    Not a join: without statistics SQLite scanned the process's contributions (1,000,000 of them, 120 ms
    per search) to find revisions, which are few (authors' edits)."""
    process_of = (
        db.select(Contribution.process_id)
        .where(Contribution.id == ContributionRevision.contribution_id)
        .scalar_subquery()
    )
    return (
        db.select(ContributionRevision.id)
        .where(process_of == process_id)
        .order_by(ContributionRevision.id.desc())
        .limit(1)
    )


def _fingerprint(process_id: int, last_id: int) -> tuple[tuple, int, int]:
    """((process created_at, rows up to ``last_id``, created_at of row ``last_id``), the process's last
    revision id, the process's rows after ``last_id``), in one cheap query.

    Ids are not forever: tables emptied with RESTART IDENTITY or a restored backup give old ids to
    other rows, and a cache trusting ``last_id`` alone would suggest vanished texts. The rows up to
    ``last_id`` are the process's total (kept by the database, ``ContributionCount``) less the rows after
    it (the few not indexed yet): counting them took 30+ ms per query at 1,000,000.
    """
    created_at, n_total, n_after, last_created_at, last_revision_id = db.session.execute(
        db.select(*_fingerprint_columns(process_id, last_id))
    ).one()
    return (created_at, n_total - n_after, last_created_at), last_revision_id or 0, n_after


def _fingerprint_columns(process_id: int, last_id: int) -> tuple:
    """The five scalar subqueries ``_fingerprint`` reads."""
    return (
        db.select(Process.created_at).where(Process.id == process_id).scalar_subquery(),
        db.select(db.func.coalesce(db.func.sum(ContributionCount.n_total), 0))
        .where(ContributionCount.process_id == process_id)
        .scalar_subquery(),
        db.select(db.func.count())
        .select_from(Contribution)
        .where(Contribution.process_id == process_id, Contribution.id > last_id)
        .scalar_subquery(),
        db.select(Contribution.created_at)
        .where(Contribution.process_id == process_id, Contribution.id == last_id)
        .scalar_subquery(),
        _last_revision_statement(process_id).scalar_subquery(),
    )


def _fit(process_id: int, *, embed_at_most: int) -> SimilarIndex | None:
    """A new index of every row of the process (None when it has none), cached."""
    # Read before the rows: an edit committed in between is re-indexed at the next query.
    last_revision_id = db.session.scalar(_last_revision_statement(process_id)) or 0
    rows = _new_rows(process_id, 0)
    if not rows:
        return None
    stored = _vectors_of(rows, embed_at_most)
    ids, texts = [row.id for row in rows], [row.text for row in rows]
    index = SimilarIndex(semantic=stored is not None).fit(ids, texts, vectors=stored)
    process_created_at = db.session.scalar(db.select(Process.created_at).where(Process.id == process_id))
    _cache[process_id] = _CachedIndex(
        process_id, index, rows[-1].id, len(rows), process_created_at, rows[-1].created_at, last_revision_id
    )
    return index


def _index_for(process_id: int, *, embed_at_most: int | None = None) -> SimilarIndex | None:
    """The process's index, brought up to date; the caller holds the process lock."""
    embed_at_most = EMBED_IN_REQUEST if embed_at_most is None else embed_at_most
    cached = _cache.get(process_id)
    if cached is None:
        return _fit(process_id, embed_at_most=embed_at_most)
    rows_fingerprint, last_revision_id, n_new = _fingerprint(process_id, cached.last_id)
    if rows_fingerprint != cached.expected_fingerprint() or (
        not cached.index.semantic
        and cached.n_at_fit < ALWAYS_REFIT_BELOW
        and vectors.count_missing(process_id) <= embed_at_most
    ):
        # Built from rows that are no longer what they were, or small, words-only and the vectors are
        # now stored: rebuild (a large one is replaced in the background, see ``_upgrade_if_ready``).
        _cache.pop(process_id, None)
        return _fit(process_id, embed_at_most=embed_at_most)
    rows = _new_rows(process_id, cached.last_id) if n_new else []  # most searches: none, one statement fewer
    n_total = len(rows) + cached.index.n_indexed_
    if rows and (n_total < ALWAYS_REFIT_BELOW or n_total > REFIT_GROWTH * cached.n_at_fit):
        return _fit(process_id, embed_at_most=embed_at_most)
    edited = (
        _edited_rows(process_id, cached.last_revision_id, cached.last_id)
        if last_revision_id != cached.last_revision_id
        else []
    )
    try:
        if edited:
            cached.index.replace(*_texts_and_vectors(cached, edited))
        if rows:
            cached.index.add(*_texts_and_vectors(cached, rows))
    except _EncoderFailed:  # start again on words only
        _cache.pop(process_id, None)
        return _fit(process_id, embed_at_most=0)
    cached.last_revision_id = last_revision_id
    if rows:
        cached.last_id, cached.last_created_at = rows[-1].id, rows[-1].created_at
    return cached.index


class _EncoderFailed(Exception):
    pass


def _texts_and_vectors(cached: _CachedIndex, rows: list[_Row]) -> tuple[list[int], list[str], list[bytes] | None]:
    """(ids, texts, vectors) of ``rows`` for the cached index (vectors only for a semantic one)."""
    stored = _vectors_of(rows, len(rows)) if cached.index.semantic else None
    if cached.index.semantic and stored is None:
        raise _EncoderFailed
    return [row.id for row in rows], [row.text for row in rows], stored


def _count_rows(process_id: int) -> int:
    return db.session.execute(db.select(Process.n_contributions).where(Process.id == process_id)).scalar() or 0


def _build_in_background(process_id: int, *, replace: bool = False) -> None:
    """Build a large process's index in a thread, so no request waits seconds for it. ``replace``:
    build a new one from scratch while requests keep using the cached one, then swap them."""
    with _lock:
        if process_id in _building:
            return
        _building.add(process_id)
    app = current_app._get_current_object()

    def build():
        try:
            with app.app_context():
                if replace:
                    _fit(process_id, embed_at_most=EMBED_IN_BACKGROUND)
                else:
                    with _process_lock(process_id):
                        _index_for(process_id, embed_at_most=EMBED_IN_BACKGROUND)
        finally:
            with _lock:
                _building.discard(process_id)

    threading.Thread(target=build, name=f"similar-index-{process_id}", daemon=True).start()


def rank(
    process_id: int,
    text: str,
    *,
    k: int,
    min_score: float,
    exclude_ids: tuple[int, ...] = (),
    restrict_ids: list[int] | None = None,
    recheck: bool = True,
) -> list[tuple[int, float]] | None:
    """(id, hybrid score) of the ``k`` contributions of the process closest to ``text``, best first
    (hidden ones included); None while a large process's first index is being built in the background.
    ``recheck=False``: a second query of the same request, on the index as the first one left it (its
    freshness check costs a few database queries)."""
    if process_id not in _cache and _count_rows(process_id) >= ALWAYS_REFIT_BELOW:
        _build_in_background(process_id)
        return None
    _upgrade_if_ready(process_id)
    with _process_lock(process_id):
        cached = _cache.get(process_id)
        index = cached.index if cached is not None and not recheck else _index_for(process_id)
        if index is None:
            return []
        return index.query(text, k=k, min_score=min_score, exclude_ids=exclude_ids, restrict_ids=restrict_ids)


@dataclass(frozen=True)
class Unchecked:
    """A ranking made on a process's cached index before its freshness check, and that check as columns
    to add to a statement the caller runs anyway (``columns``; then ``holds(values)`` with their values).
    Where a statement is a round trip (PostgreSQL), the check costs none of its own; when it fails, the
    ranking is dropped and the caller ranks again through ``rank``, which brings the index up to date."""

    ranked: list[tuple[int, float]]
    columns: tuple
    cached: _CachedIndex
    last_id: int
    last_revision_id: int
    fingerprint: tuple

    def holds(self, values) -> bool:
        """Whether the index was up to date for the rows the statement read, and still is the one ranked on."""
        created_at, n_total, n_after, last_created_at, last_revision_id = values
        fingerprint = (created_at, n_total - n_after, last_created_at)
        process_id = self.cached.process_id
        with _process_lock(process_id):
            unchanged = (
                _cache.get(process_id) is self.cached
                and self.cached.last_id == self.last_id
                and self.cached.last_revision_id == self.last_revision_id
            )
        return (
            unchanged
            and n_after == 0
            and fingerprint == self.fingerprint
            and (last_revision_id or 0) == (self.last_revision_id)
        )


def rank_unchecked(process_id: int, text: str, *, k: int, min_score: float) -> Unchecked | None:
    """``rank(process_id, text, k=k, min_score=min_score)`` made on the cached index as it is, with the
    freshness check ``rank`` would run first (see ``Unchecked``); None when ``rank`` must be called instead:
    no index cached yet, or a small words-only one (``rank`` then also looks whether its vectors are stored)."""
    _upgrade_if_ready(process_id)
    with _process_lock(process_id):
        cached = _cache.get(process_id)
        if cached is None or (not cached.index.semantic and cached.n_at_fit < ALWAYS_REFIT_BELOW):
            return None
        ranked = cached.index.query(text, k=k, min_score=min_score)
        return Unchecked(
            ranked,
            _fingerprint_columns(process_id, cached.last_id),
            cached,
            cached.last_id,
            cached.last_revision_id,
            cached.expected_fingerprint(),
        )


def _upgrade_if_ready(process_id: int) -> None:
    """A large words-only index is replaced in the background once (nearly) every vector is stored;
    checked at most every ``UPGRADE_CHECK_SECONDS``."""
    cached = _cache.get(process_id)
    if cached is None or cached.index.semantic or cached.n_at_fit < ALWAYS_REFIT_BELOW:
        return
    now = time.monotonic()
    if now - cached.upgrade_checked_at < UPGRADE_CHECK_SECONDS:
        return
    cached.upgrade_checked_at = now
    if vectors.count_missing(process_id) <= EMBED_IN_BACKGROUND:
        _build_in_background(process_id, replace=True)


def vocabulary(process_id: int) -> frozenset[str]:
    """The word stems of the process's cached index (empty when none is built yet): the words a search
    can correct a typo towards."""
    cached = _cache.get(process_id)
    if cached is None:
        return frozenset()
    if cached.words is None:
        cached.words = frozenset(cached.index.vectorizer_.feature_names_)
    return cached.words


def find_similar(
    process_id: int, text: str, *, limit: int = 5, exclude_ids: tuple[int, ...] = ()
) -> list[tuple[Contribution, float]]:
    """The visible contributions of the process closest to ``text``, best first, with their score.

    Across all themes of the process (the same idea often arrives under several). Returns an
    empty list for a text too short to compare.
    """
    if len((text or "").strip()) < MIN_QUERY_LENGTH:
        return []
    # Ask for a few more than needed: hidden ones are dropped below.
    matches = rank(process_id, text, k=limit + 5, min_score=MIN_SCORE, exclude_ids=exclude_ids)
    if not matches:
        return []
    scores = dict(matches)
    statement = (
        db.select(Contribution)
        .options(joinedload(Contribution.theme))
        .where(Contribution.id.in_(scores), Contribution.hidden_at.is_(None))
    )
    found = sorted(db.session.execute(statement).scalars(), key=lambda c: (-scores[c.id], c.id))
    return [(contribution, scores[contribution.id]) for contribution in found[:limit]]


def warm_up() -> int:
    """Build now the indexes of the open processes large enough to be built in the background;
    return how many. The gunicorn master calls it before forking: every worker starts with them
    (shared memory) instead of each spending seconds of CPU on its own copy when people start typing.
    """
    process_ids = db.session.scalars(
        db.select(Process.id).where(Process.is_open.is_(True), Process.n_contributions >= ALWAYS_REFIT_BELOW)
    ).all()
    for process_id in process_ids:
        with _process_lock(process_id):
            _index_for(process_id, embed_at_most=EMBED_IN_BACKGROUND)
    return len(process_ids)


def forget(process_id: int | None = None) -> None:
    """Drop cached indexes (all, or one process's); the next query rebuilds them."""
    with _lock:
        if process_id is None:
            _cache.clear()
        else:
            _cache.pop(process_id, None)
