"""Import timings: 10,000 workshop rows as CSV and as XLSX, on SQLite (and PostgreSQL with --postgresql).

For each format, prints the time to read the file and store the draft (upload), to compute the
preview (fuzzy theme and kind matching, every text rule, duplicate check), and to confirm (one
transaction inserting every row), then the export time for the same rows.

    .venv/bin/python bench/bench_import.py [N] [--postgresql]
"""

from __future__ import annotations

import csv
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook  # noqa: E402

from contrib import create_app  # noqa: E402
from contrib.extensions import db  # noqa: E402
from contrib.facilitation import imports  # noqa: E402
from contrib.models import DEFAULT_THEMES, Process, Role, Theme, User  # noqa: E402
from contrib.participation import exports  # noqa: E402

SHARED_DATA = Path(os.environ.get("CONTRIB_SHARED_DATA", ROOT.parent / "shared" / "data"))
HEADER = ["Thématique", "Type", "Texte", "Table", "Auteur", "Type d'acteur"]
KINDS = ["Diagnostic", "idée", "Proposition", "Signal faible", "piste"]
THEME_SPELLINGS = [name.upper() for name in DEFAULT_THEMES] + [name.replace("/", " / ") for name in DEFAULT_THEMES]


def texts() -> list[str]:
    found = []
    for path in (SHARED_DATA / "dev_grand_debat.csv", SHARED_DATA / "dev_republique_numerique.csv"):
        with open(path, encoding="utf-8", newline="") as handle:
            found.extend(row["text"][:1500] for row in csv.DictReader(handle))
    return found or [f"Une contribution d'atelier sur la formation numéro {i}." for i in range(500)]


def sheet_rows(n: int) -> list[list[str]]:
    corpus = texts()
    return [
        [
            THEME_SPELLINGS[i % len(THEME_SPELLINGS)],
            KINDS[i % len(KINDS)],
            f"{corpus[i % len(corpus)]} ({i})",
            f"Table {i % 9 + 1}",
            "",
            "OF",
        ]
        for i in range(n)
    ]


def as_csv(rows) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("cp1252", errors="replace")


def as_xlsx(rows) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Atelier")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def run(label: str, database_url: str, n: int) -> None:
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        facilitator = User(email="bench@exemple.fr", display_name="Bench", password_hash="-", role=Role.FACILITATOR)
        db.session.add(facilitator)
        rows = sheet_rows(n)
        files = {"csv": as_csv(rows), "xlsx": as_xlsx(rows)}
        print(f"{label}: {n} rows")
        for file_format, content in files.items():
            process = Process(slug=f"bench-{file_format}", title="Bench")
            process.themes = [Theme(name=name, position=i) for i, name in enumerate(DEFAULT_THEMES)]
            db.session.add(process)
            db.session.commit()
            batch, upload = timed(
                imports.start_import, process.id, content, f"atelier.{file_format}", actor=facilitator
            )
            preview, previewing = timed(imports.preview, process.id, batch.id, actor=facilitator)
            result, confirming = timed(imports.confirm_import, process.id, batch.id, actor=facilitator)
            again = imports.start_import(process.id, content, f"atelier.{file_format}", actor=facilitator)
            second, reconfirming = timed(imports.confirm_import, process.id, again.id, actor=facilitator)
            _export, exporting = timed(exports.export_contributions, process.id, file_format)
            print(
                f"  {file_format:4} {len(content) / 1024 / 1024:5.2f} MB  upload+parse {upload:5.2f} s  "
                f"preview {previewing:5.2f} s  confirm {confirming:5.2f} s  "
                f"(total {upload + previewing + confirming:5.2f} s; {result.n_imported} imported, "
                f"{result.n_skipped} skipped, {preview.n_valid} valid in preview)  "
                f"re-import {reconfirming:5.2f} s ({second.n_imported} new)  export {exporting:5.2f} s"
            )
        db.engine.dispose()


def main() -> None:
    n = int(next((arg for arg in sys.argv[1:] if arg.isdigit()), 10_000))
    with tempfile.TemporaryDirectory() as directory:
        run("SQLite", f"sqlite:///{directory}/bench.sqlite3", n)
    if "--postgresql" in sys.argv:
        from tools.pgserver import PostgresServer, create_database

        server = PostgresServer().start()
        try:
            run("PostgreSQL", create_database(server.admin_url, "contrib_bench_import"), n)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
