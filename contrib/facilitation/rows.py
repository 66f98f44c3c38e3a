"""Each row of a workshop sheet checked as it would be imported: cleaned fields, theme and kind, problems."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from contrib.core.errors import InvalidInput
from contrib.core.validation import clean_text
from contrib.extensions import db
from contrib.facilitation.columns import (
    DEFAULT_KIND,
    FIELDS,
    fingerprint,
    fold,
    match_actor_type,
    match_kind,
    match_value,
    unquote_cell,
)
from contrib.models import ActorType, ImportBatch, ImportedRow, Process
from contrib.models.contributions import TEXT_MAX_LENGTH, TITLE_MAX_LENGTH
from contrib.participation.contributions import AUTHOR_NAME_MAX_LENGTH, TABLE_LABEL_MAX_LENGTH


@dataclass
class RowResult:
    """One row as it will be imported, or why it will not."""

    line_number: int
    values: dict
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    fields: dict | None = None
    fingerprint: str | None = None

    @property
    def is_valid(self) -> bool:
        return not self.problems


@dataclass
class Preview:
    """What confirming a draft batch would do."""

    batch: ImportBatch
    header: list[str]
    rows: list[RowResult]
    theme_matches: dict[str, tuple[int | None, bool]]  # raw value -> (theme id, is exact)
    missing_fields: list[str]
    already_imported_on: str | None

    @property
    def n_valid(self) -> int:
        return sum(row.is_valid for row in self.rows)

    @property
    def n_invalid(self) -> int:
        return len(self.rows) - self.n_valid

    def rows_to_show(self, limit: int) -> list[RowResult]:
        """At most ``limit`` rows in file order: rows with a problem or a note first, then the others."""
        flagged = [row for row in self.rows if row.problems or row.notes][:limit]
        lines = {row.line_number for row in flagged}
        plain = [row for row in self.rows if row.line_number not in lines][: max(0, limit - len(flagged))]
        return sorted(flagged + plain, key=lambda row: row.line_number)

    def themes_to_show(self, limit: int) -> tuple[list[tuple[str, tuple[int | None, bool]]], int]:
        """At most ``limit`` distinct theme values of the file, those to check first (unknown, then
        approximate, each alphabetically), and how many more there are."""
        ordered = sorted(self.theme_matches.items(), key=lambda item: (item[1][0] is not None, item[1][1], item[0]))
        return ordered[:limit], max(0, len(ordered) - limit)

    @property
    def problem_counts(self) -> Counter:
        """How many rows have each kind of problem (values and numbers blanked out)."""
        return Counter(_problem_kind(problem) for row in self.rows for problem in row.problems)


def _problem_kind(problem: str) -> str:
    # "[^«»]" rather than "[^»]": a value full of "«" cannot make each of them scan to the end (quadratic).
    return re.sub(r"\d+", "N", re.sub(r"« [^«»]* »", "« … »", problem))


def _clean(value: str, label: str, max_length: int, *, required: bool = False, multiline: bool = False):
    return clean_text(value, field_label=label, max_length=max_length, required=required, multiline=multiline)


def evaluate_rows(batch: ImportBatch, process: Process) -> tuple[list[RowResult], dict]:
    """Every row of the draft as it would be imported, and how each theme value of the file was matched."""
    mapping = batch.mapping
    themes = {theme.id: theme for theme in process.themes}
    theme_index = {fold(theme.name): theme.id for theme in process.themes}
    theme_names = {theme.name: theme.id for theme in process.themes}
    matches: dict[str, tuple[int | None, bool]] = {}

    def cell(record: list, name: str) -> str:
        index = mapping.get(name)
        if index is None or index + 1 >= len(record):
            return ""
        return unquote_cell(str(record[index + 1]).strip())

    def theme_for(raw: str) -> tuple[int | None, bool]:
        if raw not in matches:
            if raw in batch.theme_choices:
                matches[raw] = (batch.theme_choices[raw], True)
            elif raw in theme_names:
                matches[raw] = (theme_names[raw], True)
            else:
                # Even an accent- or case-folded match is shown for confirmation.
                matches[raw] = (match_value(raw, theme_index)[0], False)
        return matches[raw]

    results, seen = [], {}
    for record in batch.cells["rows"]:
        values = {name: cell(record, name) for name in FIELDS}
        row = RowResult(line_number=record[0], values=values)
        results.append(row)
        fields = {}
        try:
            fields["text"] = _clean(values["text"], "Texte", TEXT_MAX_LENGTH, required=True, multiline=True)
        except InvalidInput as error:
            row.problems.append(error.message)
        for name, label, max_length in (
            ("title", "Titre", TITLE_MAX_LENGTH),
            ("table", "Table", TABLE_LABEL_MAX_LENGTH),
            ("author", "Auteur", AUTHOR_NAME_MAX_LENGTH),
        ):
            try:
                fields[name] = _clean(values[name], label, max_length)
            except InvalidInput as error:
                row.problems.append(error.message)
        raw_theme = " ".join(values["theme"].split())
        if not raw_theme:
            row.problems.append("Thématique : vide.")
        else:
            theme_id, is_exact = theme_for(raw_theme)
            if theme_id is None or theme_id not in themes:
                row.problems.append(f"Thématique : « {raw_theme} » inconnue dans cette démarche.")
            else:
                fields["theme_id"] = theme_id
                if not is_exact:
                    row.notes.append(f"Thématique « {raw_theme} » rapprochée de « {themes[theme_id].name} ».")
        if values["kind"]:
            kind, is_exact = match_kind(values["kind"])
            if kind is None:
                row.problems.append(
                    f"Type : « {values['kind']} » inconnu (diagnostic, idée, proposition, signal faible, piste)."
                )
            else:
                fields["kind"] = kind
                if not is_exact:
                    row.notes.append(f"Type « {values['kind']} » compris comme « {kind.label} ».")
        else:
            fields["kind"] = DEFAULT_KIND
        fields["actor_type"] = ActorType.OTHER
        if values["actor_type"]:
            actor_type, _ = match_actor_type(values["actor_type"])
            if actor_type is None:
                row.notes.append(f"Type d'acteur « {values['actor_type']} » inconnu : « Autre » retenu.")
            else:
                fields["actor_type"] = actor_type
        if row.problems:
            continue
        row.fields = fields
        row.fingerprint = fingerprint(fields["text"], fields["theme_id"], fields["table"])
        if row.fingerprint in seen:
            row.problems.append(f"Doublon : même texte, thématique et table que la ligne {seen[row.fingerprint]}.")
        else:
            seen[row.fingerprint] = row.line_number
    _mark_already_imported(process.id, results)
    return results, matches


def _mark_already_imported(process_id: int, results: list[RowResult]) -> None:
    # One indexed scan of the process's fingerprints beats thousands of IN (...) lookups, whose
    # plans degrade on PostgreSQL right after a large insert (statistics not yet refreshed).
    existing = set(
        db.session.execute(
            db.select(ImportedRow.fingerprint).where(
                ImportedRow.process_id == process_id, ImportedRow.fingerprint.is_not(None)
            )
        ).scalars()
    )
    for row in results:
        if row.is_valid and row.fingerprint in existing:
            row.problems.append("Déjà importée : cette ligne est déjà dans la démarche (import précédent).")
