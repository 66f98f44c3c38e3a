"""Blank workshop sheets to download (CSV and XLSX) with exactly the columns the importer recognises.

The sheets hold the header line only, so nothing made up is imported by mistake. The XLSX adds
drop-down lists of the process's themes, the kinds and the actor types (from a second sheet,
"Valeurs", which the importer never reads: it takes the first visible sheet only).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from contrib.facilitation.columns import FIELD_LABELS, FIELDS
from contrib.models import ActorType, ContributionKind, Process

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BLANK_LINES = 500  # rows that get the drop-down lists
HEADER = [FIELD_LABELS[name] for name in FIELDS]


@dataclass(frozen=True)
class Template:
    content: bytes
    mimetype: str
    filename: str


def _csv() -> bytes:
    buffer = io.StringIO(newline="")
    buffer.write("\ufeff")  # spreadsheet programs then read the accents right
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerow(HEADER)
    return buffer.getvalue().encode("utf-8")


def _xlsx(process: Process) -> bytes:
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Fiches"
    sheet.append(HEADER)
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFG", (28, 16, 70, 30, 12, 20, 26), strict=True):
        sheet.column_dimensions[column].width = width
    values = workbook.create_sheet("Valeurs")
    lists = {
        "theme": [theme.name for theme in process.themes],
        "kind": [kind.label for kind in ContributionKind],
        "actor_type": [actor.label for actor in ActorType],
    }
    for column_index, (name, choices) in enumerate(lists.items(), start=1):
        letter = "ABC"[column_index - 1]
        values.cell(row=1, column=column_index, value=FIELD_LABELS[name])
        for row, choice in enumerate(choices, start=2):
            values.cell(row=row, column=column_index, value=choice)
        target = "ABCDEFG"[FIELDS.index(name)]
        validation = DataValidation(
            type="list",
            formula1=f"Valeurs!${letter}$2:${letter}${len(choices) + 1}",
            allow_blank=True,
            showErrorMessage=False,  # a value outside the list stays possible: the preview corrects it
        )
        validation.add(f"{target}2:{target}{BLANK_LINES + 1}")
        sheet.add_data_validation(validation)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template(process: Process, file_format: str) -> Template:
    """The blank sheet for ``process`` in ``csv`` or ``xlsx``."""
    if file_format == "xlsx":
        return Template(_xlsx(process), XLSX_MIMETYPE, f"modele-feuille-atelier-{process.slug}.xlsx")
    return Template(_csv(), "text/csv; charset=utf-8", f"modele-feuille-atelier-{process.slug}.csv")
