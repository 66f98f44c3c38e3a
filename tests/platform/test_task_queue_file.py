"""Processes that start together open the SQLite task queue without crashing each other."""

import multiprocessing

from contrib.tasks import queue_from_url

ROUNDS, PROCESSES = 12, 6


def _open_at_once(url, barrier, results):
    barrier.wait()
    try:
        queue_from_url(url).pending_count()
        results.put("ok")
    except Exception as error:  # reported to the parent, which shows it
        results.put(repr(error))


def test_workers_starting_together_on_a_fresh_queue_file_all_open_it(tmp_path):
    # Gunicorn's workers and the queue worker open a fresh queue file at the same moment on a new
    # install. Each switches it to WAL mode; SQLite refuses the loser at once instead of waiting, which
    # crashed about one opener in forty before the retry (and the test suite's workers in CI).
    context = multiprocessing.get_context("fork")
    outcomes = []
    for round_number in range(ROUNDS):
        url = f"sqlite:///{tmp_path / f'round{round_number}' / 'tasks.sqlite3'}"
        barrier, results = context.Barrier(PROCESSES), context.Queue()
        processes = [context.Process(target=_open_at_once, args=(url, barrier, results)) for _ in range(PROCESSES)]
        for process in processes:
            process.start()
        outcomes += [results.get(timeout=60) for _ in processes]
        for process in processes:
            process.join(timeout=60)
    assert len(outcomes) == ROUNDS * PROCESSES
    assert set(outcomes) == {"ok"}
