"""Open-data exports of a process's visible contributions: CSV, XLSX and JSON.

Exports are public: they hold what the process page already shows to anyone (visible, non-hidden
contributions). Authors are pseudonymised: a stable salted hash ("auteur-3f2a…") of the account id
or of the typed-in name, keyed by the SECRET_KEY, never a name or an e-mail; the table label is
kept. Spreadsheet cells that a spreadsheet would run as a formula are prefixed with "'". The
columns are the importer's own, so an export imports back as the same contributions.

Exports are public and cost CPU per row (XLSX 0.4 ms): each one is cached on disk under
``instance/exports`` (``EXPORT_CACHE_DIR``), keyed by the database, the process, the filters and a version of the data
(contribution count, last id, last change, theme names), which changes with any new, edited, hidden
or supported contribution. The key holds everything the file depends on, so several hosts or
processes each keep a correct cache; only the latest file of each process and filters is kept.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import hmac
import io
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func
from sqlalchemy.orm import joinedload

from contrib.core.dates import as_utc
from contrib.core.errors import InvalidInput
from contrib.extensions import db
from contrib.models import Contribution, Process
from contrib.models.base import utcnow
from contrib.participation.contributions import visible_contributions

COLUMNS = (
    "id",
    "demarche",
    "thematique",
    "type",
    "titre",
    "texte",
    "table",
    "type_acteur",
    "auteur_pseudonyme",
    "statut",
    "source",
    "date_utc",
    "soutiens",
)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


@dataclass(frozen=True)
class Export:
    """A rendered export: its bytes, media type and download name."""

    content: bytes
    mimetype: str
    filename: str


def pseudonym(*, author_id: int | None, author_name: str | None) -> str:
    """A stable, non-reversible label for an author; "" when nobody is named."""
    if author_id is not None:
        key = f"user:{author_id}"
    elif author_name:
        key = "name:" + " ".join(author_name.casefold().split())
    else:
        return ""
    secret = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return "auteur-" + hmac.new(secret, key.encode("utf-8"), hashlib.sha256).hexdigest()[:12]


def neutralise(value):
    """Prefix text a spreadsheet would run as a formula with "'"; other values pass through."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _records(process: Process, *, theme_id: int | None, kind: str | None) -> Iterator[dict]:
    statement = (
        visible_contributions(process.id, theme_id=theme_id, kind=kind)
        .options(joinedload(Contribution.theme))
        .order_by(Contribution.id)
    )
    for contribution in db.session.execute(statement.execution_options(yield_per=1000)).scalars():
        yield {
            "id": contribution.id,
            "demarche": process.slug,
            "thematique": contribution.theme.name,
            "type": contribution.kind.value,
            "titre": contribution.title or "",
            "texte": contribution.text,
            "table": contribution.table_label or "",
            "type_acteur": contribution.actor_type.value,
            "auteur_pseudonyme": pseudonym(author_id=contribution.author_id, author_name=contribution.author_name),
            "statut": contribution.status.value,
            "source": contribution.source.value,
            "date_utc": as_utc(contribution.created_at).isoformat(timespec="seconds"),
            "soutiens": contribution.n_supports,
        }


def export_contributions(
    process_id: int, file_format: str, *, theme_id: int | None = None, kind: str | None = None
) -> Export:
    """Render the process's visible contributions (optionally one theme, one kind) in a format.

    Raises InvalidInput for an unknown format or kind; an unknown theme gives an empty export.
    """
    process = db.session.get(Process, process_id)
    if file_format not in FORMATS:
        raise InvalidInput("Format d'export inconnu : csv, xlsx ou json.")
    filters = {"thematique": theme_id, "type": kind}
    if theme_id is None or theme_id in {theme.id for theme in process.themes}:
        content = _cached(process, file_format, filters, lambda: _render(process, file_format, filters))
    else:
        content = _render(process, file_format, filters)  # empty: not worth a cache file per unknown id
    stamp = utcnow().strftime("%Y%m%d")
    return Export(
        content=content, mimetype=FORMATS[file_format], filename=f"contributions-{process.slug}-{stamp}.{file_format}"
    )


def _render(process: Process, file_format: str, filters: dict) -> bytes:
    records = _records(process, theme_id=filters["thematique"], kind=filters["type"])
    render = {"csv": _to_csv, "xlsx": _to_xlsx, "json": _to_json}[file_format]
    return render(records, process=process, filters=filters)


def _data_version(process: Process) -> str:
    """Changes whenever the export of ``process`` could: a contribution added, edited, hidden, supported.

    Every such write moves ``updated_at`` (supports too: their UPDATE fires its onupdate); the count
    and the last id catch insertions even if clocks were equal.
    """
    count, last_id, last_change = db.session.execute(
        db.select(func.count(Contribution.id), func.max(Contribution.id), func.max(Contribution.updated_at)).where(
            Contribution.process_id == process.id
        )
    ).one()
    themes = sorted((theme.id, theme.name) for theme in process.themes)
    return f"{count}|{last_id}|{last_change}|{process.slug}|{themes}"


def _cached(process: Process, file_format: str, filters: dict, build) -> bytes:
    """The export's bytes from the disk cache, or ``build()`` them and keep them for the next request."""
    folder = current_app.config["EXPORT_CACHE_DIR"]
    # The pseudonyms depend on the secret key: a new key is a new cache.
    origin = f"{db.engine.url.render_as_string(hide_password=True)}|{current_app.config['SECRET_KEY']}"
    database = hashlib.sha256(origin.encode()).hexdigest()[:12]
    stem = (
        f"{database}-{process.id}-"
        + hashlib.sha256(json.dumps([file_format, filters, COLUMNS], sort_keys=True).encode()).hexdigest()[:12]
    )
    path = os.path.join(folder, f"{stem}-{hashlib.sha256(_data_version(process).encode()).hexdigest()[:16]}")
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        pass
    content = build()
    os.makedirs(folder, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".tmp-", delete=False) as handle:
        handle.write(content)
    os.replace(handle.name, path)  # atomic: a concurrent reader sees the old file or the whole new one
    for name in os.listdir(folder):
        if name.startswith(stem) and name != os.path.basename(path):
            with contextlib.suppress(FileNotFoundError):
                os.remove(os.path.join(folder, name))
    return content


def _to_csv(records, **_) -> bytes:
    buffer = io.StringIO(newline="")
    # A BOM so that spreadsheet programs read the accents right; comma-separated, RFC 4180 quoting.
    buffer.write("\ufeff")
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for record in records:
        writer.writerow({key: neutralise(value) for key, value in record.items()})
    return buffer.getvalue().encode("utf-8")


def _to_xlsx(records, **_) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("contributions")
    sheet.append(list(COLUMNS))
    for record in records:
        sheet.append([neutralise(record[key]) for key in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _to_json(records, *, process: Process, filters: dict) -> bytes:
    # JSON is not opened by spreadsheets: texts are kept exactly as written, without the "'" prefix.
    document = {
        "demarche": {"slug": process.slug, "titre": process.title},
        "exporte_le": utcnow().isoformat(timespec="seconds"),
        "fuseau_horaire": "UTC (dates ISO 8601 ; heure de Paris = UTC+1 en hiver, UTC+2 en été)",
        "filtres": {key: value for key, value in filters.items() if value is not None},
        "colonnes": list(COLUMNS),
        "contributions": list(records),
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
