"""Meaning vectors of contributions: computed once (at posting, or on the task queue) and stored.

A contribution's vector is the shipped sentence encoder's embedding of its title and text
(``nlp.embeddings``), stored as float16 bytes with the model's name. A row without a vector, or with
another model's, is "to compute": ``queue_backfill`` fills them in batches on the task queue, with
progress; meanwhile suggestions, duplicates and search treat the row by its words only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np

from contrib import tasks
from contrib.core.french import count
from contrib.extensions import db
from contrib.models import Contribution
from nlp import embeddings

logger = logging.getLogger(__name__)

BATCH_SIZE = 256
TASK_NAME = "vectors.backfill"
STALE_SECONDS = 10 * 60
MODEL_NAME = embeddings.MODEL_NAME
STALE_MESSAGE = "Le calcul des vecteurs s'est interrompu ; relancez « flask embed-contributions »."


def meaning_text(title: str | None, text: str | None) -> str:
    """What is embedded (and indexed for suggestions): the title, then the text."""
    return f"{title or ''} {text or ''}".strip()


def encode(texts: Sequence[str]) -> list[bytes] | None:
    """Stored-form vectors of ``texts``, or None when the encoder fails (the caller goes lexical-only)."""
    try:
        return [embeddings.to_bytes(vector) for vector in embeddings.embed(list(texts))]
    except Exception:  # a broken or missing model must never block posting or a request
        logger.exception("sentence encoder failed on %s text(s): stored without a vector", len(texts))
        return None


def current(embedding: bytes | None, model: str | None) -> bytes | None:
    """The stored vector if the current model produced it, else None (to compute)."""
    return embedding if embedding is not None and model == embeddings.MODEL_NAME else None


def complete(texts: Sequence[str], stored: Sequence[bytes | None], *, embed_at_most: int) -> list[bytes] | None:
    """Every text's vector: the stored one, or computed now for the few without; None when more than
    ``embed_at_most`` are missing or the encoder fails (the caller then works on words only)."""
    missing = [row for row, vector in enumerate(stored) if vector is None]
    if len(missing) > embed_at_most:
        return None
    fresh = encode([texts[row] for row in missing]) if missing else []
    if fresh is None:
        return None
    complete = list(stored)
    for row, vector in zip(missing, fresh):
        complete[row] = vector
    return complete


def missing_condition():
    """SQL condition of the rows whose vector is to compute."""
    return db.or_(
        Contribution.embedding.is_(None),
        Contribution.embedding_model.is_(None),
        Contribution.embedding_model != embeddings.MODEL_NAME,
    )


def count_missing(process_id: int | None = None) -> int:
    statement = db.select(db.func.count()).select_from(Contribution).where(missing_condition())
    if process_id is not None:
        statement = statement.where(Contribution.process_id == process_id)
    return db.session.scalar(statement) or 0


def as_array(vectors: Sequence[bytes]) -> np.ndarray:
    return embeddings.as_matrix(list(vectors), len(vectors))


def backfill(process_id: int | None = None, *, on_progress: Callable[[int, int], None] | None = None) -> int:
    """Compute and store the missing vectors (all processes, or one), ``BATCH_SIZE`` rows per
    transaction; return how many were stored. Rows posted meanwhile get theirs at posting."""
    total = count_missing(process_id)
    done, after_id = 0, 0
    while True:
        statement = (
            db.select(Contribution.id, Contribution.title, Contribution.text)
            .where(missing_condition(), Contribution.id > after_id)
            .order_by(Contribution.id)
            .limit(BATCH_SIZE)
        )
        if process_id is not None:
            statement = statement.where(Contribution.process_id == process_id)
        rows = db.session.execute(statement).all()
        if not rows:
            break
        vectors = encode([meaning_text(title, text) for _, title, text in rows])
        if vectors is None:
            raise RuntimeError("the sentence encoder failed: vectors not computed")
        # A Core UPDATE: no version bump (the vector is not a moderator-visible change).
        db.session.execute(
            db.update(Contribution.__table__)
            .where(Contribution.__table__.c.id == db.bindparam("row_id"))
            .values(embedding=db.bindparam("vector"), embedding_model=embeddings.MODEL_NAME),
            [{"row_id": id_, "vector": vector} for (id_, _, _), vector in zip(rows, vectors)],
        )
        db.session.commit()
        done += len(rows)
        after_id = rows[-1][0]
        if on_progress is not None:
            on_progress(done, max(total, done))
    return done


def _key(process_id: int | None) -> str:
    return f"vectors.backfill.{process_id or 'all'}"


def queue_backfill(process_id: int | None = None) -> None:
    """Compute the missing vectors on the task queue (see ``backfill_progress``).

    Called after the data is committed: an unreachable queue is logged, not raised (the rows are
    matched by their words until ``flask embed-contributions`` runs).
    """
    try:
        tasks.put_job(_key(process_id), "queued", 0, "Calcul des vecteurs de sens en attente.")
        tasks.enqueue(TASK_NAME, process_id)
    except Exception:
        logger.exception("vectors of process %s not queued", process_id)


@tasks.task(TASK_NAME)
def _backfill_queued(process_id: int | None) -> None:
    key = _key(process_id)

    def report(done: int, total: int) -> None:
        tasks.put_job(key, "running", round(100 * done / max(total, 1)), f"{done} / {total} vecteurs calculés.")

    tasks.put_job(key, "running", 0, "Calcul des vecteurs de sens.")
    try:
        done = backfill(process_id, on_progress=report)
    except Exception:
        tasks.put_job(key, "failed", 0, "Erreur inattendue pendant le calcul des vecteurs ; relancez-le.")
        raise
    tasks.put_job(key, "done", 100, f"{count(done, 'vecteur calculé', 'vecteurs calculés')}.")


def backfill_progress(process_id: int | None = None) -> tasks.JobState | None:
    return tasks.get_job(_key(process_id), stale_after=STALE_SECONDS, stale_message=STALE_MESSAGE)
