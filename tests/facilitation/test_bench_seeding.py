"""The page benchmark's fast seeding (``bench/page_seeding.py``: raw bulk SQL, COPY on PostgreSQL) stores
what ``load_rows`` stores, so the benchmark measures the database the app would have written."""

import importlib.util
import sys

from contrib.extensions import db
from contrib.facilitation.bulk import ensure_process, load_rows
from contrib.models import Contribution, Theme
from contrib.participation.contributions import count_contributions
from tests.conftest import ROOT, shared_data

_spec = importlib.util.spec_from_file_location("page_seeding", ROOT / "bench" / "page_seeding.py")
page_seeding = sys.modules["page_seeding"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(page_seeding)

N_ROWS = 150


def stored(process_id: int) -> tuple[list, dict]:
    """Every column of the process's rows (themes by name), and the listing's counts per theme name."""
    names = db.session.execute(db.select(Theme.id, Theme.name).filter_by(process_id=process_id)).all()
    counts = {name: count_contributions(process_id, theme_id=theme_id) for theme_id, name in names}
    return page_seeding.contribution_columns(process_id), counts


def test_seeding_stores_what_load_rows_stores(app):
    texts = page_seeding.corpus_texts(shared_data(page_seeding.CORPORA[0]).parent)[:40]  # cycled: 150 rows
    loaded_id = ensure_process("chargee", "Chargée par load_rows").id
    assert load_rows(loaded_id, page_seeding.bench_rows(N_ROWS, texts)).n_loaded == N_ROWS
    seeded = page_seeding.seed(N_ROWS, slug="semee", title="Semée en SQL", texts=texts)

    loaded_rows, loaded_counts = stored(loaded_id)
    seeded_rows, seeded_counts = stored(seeded.process_id)
    assert len(seeded_rows) == N_ROWS and len({row[3] for row in seeded_rows}) == N_ROWS  # distinct texts
    assert seeded_rows == loaded_rows
    assert seeded_counts == loaded_counts and sum(seeded_counts.values()) == N_ROWS
    assert count_contributions(seeded.process_id) == N_ROWS

    # Control: one column of one row changed is noticed.
    db.session.execute(
        db.update(Contribution)
        .where(Contribution.process_id == seeded.process_id, Contribution.text == seeded_rows[7][3])
        .values(search_text=Contribution.search_text + " ")
    )
    db.session.commit()
    assert stored(seeded.process_id)[0] != loaded_rows
