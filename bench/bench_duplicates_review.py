"""Duplicate review on 10,000 contributions (SQLite): detection + storage, a re-run, the queue page.

Corpus as bench_nlp.py: the real texts of ../shared/data plus perturbed copies (typos, accents,
reordering, truncation, another theme; seed 0) up to N, loaded into one process by the bulk loader.
Times the whole ``services.duplicates.detect`` (read the visible contributions, nlp, store the
groups, audit), then a second detection (idempotent: nothing new), then the queue page.

    .venv/bin/python bench/bench_duplicates_review.py [N]
"""

from __future__ import annotations

import csv
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from werkzeug.security import generate_password_hash  # noqa: E402

from contrib import create_app  # noqa: E402
from contrib.duplicates import services as duplicates  # noqa: E402
from contrib.extensions import db  # noqa: E402
from contrib.facilitation.bulk import BulkRow, ensure_process, load_rows  # noqa: E402
from contrib.models import Role, User  # noqa: E402
from nlp import find_duplicates  # noqa: E402
from nlp.perturb import make_copies  # noqa: E402

SHARED_DATA = Path(os.environ.get("CONTRIB_SHARED_DATA", ROOT.parent / "shared" / "data"))
FILES = ("dev_grand_debat.csv", "dev_republique_numerique.csv")
PASSWORD = "mot-de-passe-du-banc"


def corpus(n: int) -> list[BulkRow]:
    texts, themes = [], []
    for name in FILES:
        with open(SHARED_DATA / name, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                texts.append(row["text"][:4000])
                themes.append(row["theme"])
    copies = make_copies(texts, themes, max(0, n - len(texts)), min_words=1, random_state=0)
    rows = [BulkRow(theme=theme, text=text) for text, theme in zip(texts, themes)]
    rows += [BulkRow(theme=copy.theme or themes[copy.original], text=copy.text[:4000]) for copy in copies]
    return rows[:n]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    from flask_migrate import upgrade

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/duplicates.sqlite3",
                "SECRET_KEY": "bench",
                "RATELIMIT_ENABLED": False,
                "WTF_CSRF_ENABLED": False,
            }
        )
        with app.app_context():
            upgrade()
            process = ensure_process("volume", "Consultation en volume")
            loaded = load_rows(process.id, corpus(n))
            moderator = User(
                email="moderatrice@exemple.fr",
                display_name="Modératrice",
                password_hash=generate_password_hash(PASSWORD),
                role=Role.MODERATOR,
            )
            db.session.add(moderator)
            db.session.commit()

            rows = db.session.execute(
                db.text("SELECT id, text FROM contributions WHERE process_id = :p ORDER BY id"), {"p": process.id}
            ).all()
            start = time.perf_counter()
            find_duplicates([r[0] for r in rows], [r[1] for r in rows])
            library = time.perf_counter() - start

            start = time.perf_counter()
            first = duplicates.detect(process.id, actor=moderator)
            first_wall = time.perf_counter() - start
            start = time.perf_counter()
            second = duplicates.detect(process.id, actor=moderator)
            second_wall = time.perf_counter() - start

            client = app.test_client()
            assert client.post("/connexion", data={"email": moderator.email, "password": PASSWORD}).status_code == 302
            start = time.perf_counter()
            page = client.get(f"/moderation/demarches/{process.slug}/doublons/")
            page_ms = (time.perf_counter() - start) * 1000
            assert page.status_code == 200, page.status_code
            n_members = db.session.scalar(db.text("SELECT COUNT(*) FROM duplicate_members"))

    print(
        f"duplicate review over {loaded.n_loaded} contributions (SQLite, {loaded.n_skipped} rows skipped by validation)"
    )
    print(f"  nlp.find_duplicates alone: {library:.2f} s")
    print(
        f"  detect (read + nlp + store {first.n_groups} groups / {n_members} members + audit): {first_wall:.2f} s wall"
    )
    print(
        f"  detect again (idempotent: {second.n_new} new, {second.n_kept} kept, {second.n_removed} removed): "
        f"{second_wall:.2f} s wall"
    )
    print(f"  queue page ({min(first.n_groups, duplicates.QUEUE_PAGE_SIZE)} groups shown): {page_ms:.0f} ms")


if __name__ == "__main__":
    main()
