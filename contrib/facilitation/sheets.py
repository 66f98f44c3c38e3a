"""Reading workshop sheets (CSV or XLSX) into plain rows of text, refusing hostile files.

Nothing here touches the database: ``read_sheet`` takes bytes and returns a ``Sheet`` or raises
InvalidInput with a French message saying what is wrong with the file.

Choices, stated once:
- CSV: UTF-8 (with or without BOM) is tried first, then Windows-1252, then Latin-1 (which decodes
  anything, so a binary file is recognised by its NUL bytes and control characters instead).
- XLSX: only the first visible sheet is read; hidden sheets are ignored and named in the notes.
  Formulas are refused (the file names the first cell): a sheet exported by openpyxl or a web tool
  carries no cached value, and taking "the last value Excel computed" silently would import numbers
  nobody typed. Merged cells are refused too: the value sits in one cell only and the others would
  import as empty.
- XLSX size: the sheet's declared dimension is checked before reading (a few bytes can declare
  16,384 columns by a million rows); reading then stops at ``MAX_COLUMNS + 1`` columns and
  ``MAX_SHEET_LINES`` lines whatever the dimension says, since it can lie.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import repeat
from operator import is_
from typing import NoReturn
from xml.etree.ElementTree import ParseError

# Imported with the app, not at the first upload: a worker's first workbook would otherwise pay
# openpyxl's import (0.4 s) on top of its reading, and refusals must stay well under a second.
from openpyxl import load_workbook
from openpyxl.cell.read_only import EMPTY_CELL
from openpyxl.utils.exceptions import InvalidFileException

from contrib.core.errors import InvalidInput

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 50
# An XLSX sheet may carry empty formatted rows between its data, but nothing past this line: each
# row up to the last one costs time to read, even an empty one (a 2 KB file can name row 1,048,576).
MAX_SHEET_LINES = 3 * MAX_ROWS
# A 5 MB XLSX of text inflates to well under this; a zip bomb does not.
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
DELIMITERS = (";", ",", "\t")
DELIMITER_NAMES = {";": "point-virgule", ",": "virgule", "\t": "tabulation"}
_MERGE_CELL = re.compile(rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]+[0-9]+:[A-Z]+[0-9]+)\"")
_BINARY_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")


@dataclass(frozen=True)
class Sheet:
    """A file read into text cells: a header and numbered rows (line numbers as the person sees them)."""

    file_format: str
    header: list[str]
    rows: list[list]  # [line number, cell, cell, ...]
    encoding: str | None = None
    delimiter: str | None = None
    sheet_name: str | None = None
    notes: list[str] = field(default_factory=list)

    def detected(self) -> dict:
        return {
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "sheet_name": self.sheet_name,
            "notes": list(self.notes),
        }


def read_sheet(data: bytes, filename: str) -> Sheet:
    """Read an uploaded CSV or XLSX file; raise InvalidInput (French) when it cannot be imported."""
    if not data:
        raise InvalidInput("Le fichier est vide.")
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(
            f"Le fichier pèse {len(data) / 1024 / 1024:.1f} Mo : c'est trop lourd (maximum "
            f"{MAX_FILE_BYTES // 1024 // 1024} Mo). Découpez-le en plusieurs fichiers."
        )
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension in {"xlsx", "xlsm"}:
        return _read_xlsx(data)
    if extension in {"csv", "txt", "tsv"}:
        if data.startswith(b"PK\x03\x04"):
            raise InvalidInput(
                "Ce fichier est un classeur Excel (ou une archive ZIP) renommé en .csv. "
                "Renommez-le en .xlsx ou enregistrez-le au format CSV."
            )
        return _read_csv(data)
    if extension == "xls":
        raise InvalidInput(
            "Les anciens classeurs Excel (.xls) ne sont pas lus : enregistrez le fichier au format .xlsx ou CSV."
        )
    raise InvalidInput("Format non reconnu : envoyez un fichier CSV (.csv) ou Excel (.xlsx).")


def _check_size(rows: list) -> None:
    if len(rows) > MAX_ROWS:
        raise InvalidInput(
            f"Le fichier contient plus de {MAX_ROWS:,} lignes : c'est trop pour un seul import. ".replace(",", " ")
            + "Découpez-le en plusieurs fichiers."
        )


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "UTF-8 (avec BOM)"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InvalidInput("Le fichier est en UTF-16 : enregistrez-le en « CSV UTF-8 » et réessayez.")
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1 (ISO-8859-1)"


def _read_csv(data: bytes) -> Sheet:
    if b"\x00" in data[:65536]:
        raise InvalidInput(
            "Ce fichier n'est pas un fichier texte (il contient des données binaires) : "
            "ce n'est pas un vrai CSV. Enregistrez la feuille au format CSV et réessayez."
        )
    try:
        text, encoding = _decode(data)
    except UnicodeDecodeError:
        raise InvalidInput(
            "Le fichier commence comme de l'UTF-8 mais contient des caractères illisibles. "
            "Enregistrez-le en « CSV UTF-8 » et réessayez."
        ) from None
    sample = text[:65536]
    if len(_BINARY_CONTROL.findall(sample)) > max(8, len(sample) // 200):
        raise InvalidInput(
            "Ce fichier n'est pas un fichier texte (il contient des données binaires) : "
            "ce n'est pas un vrai CSV. Enregistrez la feuille au format CSV et réessayez."
        )
    first_line = next((line for line in sample.splitlines() if line.strip()), "")
    if not first_line:
        raise InvalidInput("Le fichier ne contient aucune ligne : rien à importer.")
    delimiter = max(DELIMITERS, key=lambda candidate: first_line.count(candidate))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records = []
    try:
        first_line_of_record = 1
        for record in reader:
            # A quoted cell may span several lines: number the record by the line it starts on.
            if any(cell.strip() for cell in record):
                records.append([first_line_of_record, *record])
            first_line_of_record = reader.line_num + 1
            if len(records) > MAX_ROWS + 1:
                break
    except csv.Error as error:
        raise InvalidInput(
            f"Le fichier CSV est mal formé vers la ligne {reader.line_num} (guillemet non fermé ?)."
        ) from error
    return _sheet_from_records("csv", records, encoding=encoding, delimiter=delimiter)


def _sheet_from_records(file_format: str, records: list[list], **detected) -> Sheet:
    records = [record for record in records if any(str(cell).strip() for cell in record[1:])]
    if not records:
        raise InvalidInput("Le fichier ne contient aucune ligne : rien à importer.")
    header, rows = records[0], records[1:]
    if not rows:
        raise InvalidInput("Le fichier ne contient qu'une ligne d'en-tête : aucune contribution à importer.")
    _check_size(rows)
    width = max(len(record) for record in records) - 1
    if width > MAX_COLUMNS:
        _too_many_columns(width)
    header_cells = [str(cell).strip() for cell in header[1:]] + [""] * (width - len(header) + 1)
    return Sheet(file_format=file_format, header=header_cells, rows=rows, **detected)


def _too_many_columns(width: int) -> NoReturn:
    raise InvalidInput(f"Le fichier a {width} colonnes : c'est trop (maximum {MAX_COLUMNS}).")


def _too_many_lines(sheet_title: str) -> NoReturn:
    raise InvalidInput(
        f"La feuille « {sheet_title} » a des données au-delà de la ligne {MAX_SHEET_LINES:,} : ".replace(",", " ")
        + "c'est trop pour un seul import. Découpez-la en plusieurs fichiers."
    )


def _check_zip(data: bytes) -> zipfile.ZipFile:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InvalidInput(
            "Ce fichier n'est pas un vrai classeur Excel .xlsx (fichier renommé ou abîmé). "
            "Ouvrez-le et enregistrez-le à nouveau au format .xlsx."
        )
    archive = zipfile.ZipFile(io.BytesIO(data))
    unzipped = sum(member.file_size for member in archive.infolist())
    compressed = sum(member.compress_size for member in archive.infolist()) or 1
    if unzipped > MAX_UNZIPPED_BYTES or unzipped / compressed > MAX_COMPRESSION_RATIO:
        raise InvalidInput(
            "Ce classeur se décompresse en un volume anormal (archive piégée ou « bombe zip ») : "
            "il est refusé. Enregistrez vos données dans un nouveau classeur."
        )
    if "xl/workbook.xml" not in archive.namelist():
        raise InvalidInput(
            "Ce fichier n'est pas un vrai classeur Excel .xlsx (fichier renommé ou abîmé). "
            "Ouvrez-le et enregistrez-le à nouveau au format .xlsx."
        )
    return archive


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime):
        return (
            value.isoformat(sep=" ", timespec="minutes")
            if value.time() != datetime.min.time()
            else value.date().isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(data: bytes) -> Sheet:
    archive = _check_zip(data)
    # Expat refuses entity expansion bombs ("billion laughs") and broken XML with a ParseError.
    broken = (
        InvalidFileException,
        ParseError,
        KeyError,
        ValueError,
        TypeError,
        IndexError,
        zipfile.BadZipFile,
        OSError,
    )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            return _read_first_visible_sheet(workbook, archive)
        finally:
            workbook.close()
    except broken as error:
        raise InvalidInput(
            "Ce classeur Excel est abîmé ou d'un format non pris en charge. "
            "Ouvrez-le et enregistrez-le à nouveau au format .xlsx."
        ) from error


def _read_first_visible_sheet(workbook, archive: zipfile.ZipFile) -> Sheet:
    visible = [sheet for sheet in workbook.worksheets if sheet.sheet_state == "visible"]
    hidden = [sheet.title for sheet in workbook.worksheets if sheet.sheet_state != "visible"]
    if not visible:
        raise InvalidInput("Toutes les feuilles du classeur sont masquées : affichez celle à importer.")
    worksheet = visible[0]
    notes = []
    if hidden:
        notes.append(f"Feuilles masquées ignorées : {', '.join(hidden)}.")
    if len(visible) > 1:
        notes.append(
            f"Seule la première feuille visible (« {worksheet.title} ») est lue ; "
            f"ignorées : {', '.join(sheet.title for sheet in visible[1:])}."
        )
    merged = _merged_ranges(archive, getattr(worksheet, "_worksheet_path", None))
    if merged:
        raise InvalidInput(
            f"La feuille « {worksheet.title} » contient des cellules fusionnées ({', '.join(merged[:5])}) : "
            "défusionnez-les et recopiez la valeur dans chaque ligne, puis réessayez."
        )
    # In read-only mode these come from the <dimension> tag: cheap to check, but the file may lie.
    if (worksheet.max_column or 0) > MAX_COLUMNS:
        _too_many_columns(worksheet.max_column)
    if (worksheet.max_row or 0) > MAX_SHEET_LINES:
        _too_many_lines(worksheet.title)
    # Without a dimension, rows come as written (none dropped past a dimension that lies small) and
    # are padded to max_col only; a gap of missing rows comes as one shared tuple of EMPTY_CELL.
    worksheet.reset_dimensions()
    records = []
    for line_number, cells in enumerate(worksheet.iter_rows(max_col=MAX_COLUMNS + 1), start=1):
        if line_number > MAX_SHEET_LINES:
            _too_many_lines(worksheet.title)
        if all(map(is_, cells, repeat(EMPTY_CELL))):  # C speed: up to MAX_SHEET_LINES of these
            continue
        texts = []
        for cell in cells:
            if getattr(cell, "data_type", None) == "f":
                raise InvalidInput(
                    f"La cellule {cell.coordinate} de la feuille « {worksheet.title} » contient une formule : "
                    "les formules ne sont pas importées. Copiez la feuille et collez-la en "
                    "« valeurs seulement », puis réessayez."
                )
            texts.append(_cell_text(cell.value))
        while texts and not texts[-1].strip():
            texts.pop()  # the padding up to max_col, and formatted empty cells
        # Only rows with content count: a sheet may carry thousands of formatted empty rows.
        if texts:
            records.append([line_number, *texts])
        if len(records) > MAX_ROWS + 1:
            break
    if not records:
        raise InvalidInput(f"La feuille « {worksheet.title} » est vide : rien à importer.")
    return _sheet_from_records("xlsx", records, sheet_name=worksheet.title, notes=notes)


def _merged_ranges(archive: zipfile.ZipFile, worksheet_path: str | None) -> list[str]:
    if not worksheet_path:
        return []
    name = worksheet_path.lstrip("/")
    try:
        with archive.open(name) as handle:
            content = handle.read()
    except KeyError:
        return []
    return [match.decode() for match in _MERGE_CELL.findall(content)]
