"""Importing workshop sheets: upload → preview (editable) → confirm as one batch → undo as a whole.

Every row goes through the same text rules as online posting (``contrib.core.validation.clean_text``).
A row's fingerprint (folded text + theme + table) is unique per process among imported rows, so
importing the same file or the same rows again adds nothing; skipped rows are reported.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz import process as fuzzy
from sqlalchemy.exc import IntegrityError

from contrib.core import audit
from contrib.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from contrib.core.transaction import transaction
from contrib.core.validation import clean_text
from contrib.extensions import db
from contrib.facilitation.bulk import refresh_statistics_after
from contrib.facilitation.sheets import read_sheet
from contrib.models import (
    ActorType,
    Contribution,
    ContributionKind,
    ContributionSource,
    ContributionStatus,
    ImportBatch,
    ImportedRow,
    ImportStatus,
    Process,
    Role,
    User,
)
from contrib.models.base import utcnow
from contrib.models.contributions import TEXT_MAX_LENGTH, TITLE_MAX_LENGTH
from contrib.participation import vectors
from contrib.participation.contributions import AUTHOR_NAME_MAX_LENGTH, TABLE_LABEL_MAX_LENGTH

CHUNK_SIZE = 1000
UNDO_REASON = "import annulé"
FUZZY_THRESHOLD = 75
# Characters a spreadsheet treats as the start of a formula; exports prefix them with "'".
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

FIELDS = ("theme", "kind", "text", "title", "table", "author", "actor_type")
REQUIRED_FIELDS = ("theme", "text")
FIELD_LABELS = {
    "theme": "Thématique",
    "kind": "Type",
    "text": "Texte",
    "title": "Titre",
    "table": "Table",
    "author": "Auteur",
    "actor_type": "Type d'acteur",
}
# Header names, folded (lower case, no accents, punctuation as spaces).
HEADER_SYNONYMS = {
    "theme": ("thematique", "thematiques", "theme", "themes", "axe", "theme id", "theme name"),
    "kind": ("type", "type de contribution", "nature", "categorie", "kind", "genre"),
    "text": (
        "texte",
        "text",
        "contribution",
        "contributions",
        "contenu",
        "description",
        "verbatim",
        "idee",
        "texte de la contribution",
    ),
    "title": ("titre", "title", "intitule", "resume"),
    "table": ("table", "tables", "table label", "n table", "numero de table", "atelier", "groupe"),
    "author": (
        "auteur",
        "auteurs",
        "author",
        "author name",
        "nom",
        "nom de l auteur",
        "participant",
        "auteur nom",
        "redacteur",
    ),
    "actor_type": (
        "type d acteur",
        "type acteur",
        "type_acteur",
        "actor type",
        "organisation type",
        "type d organisation",
        "type de structure",
        "structure",
        "acteur",
        "categorie d acteur",
        "profil",
    ),
}
KIND_SYNONYMS = {
    ContributionKind.DIAGNOSTIC: ("diagnostic", "diagnostics", "constat", "constats", "diag", "etat des lieux"),
    ContributionKind.IDEA: ("idee", "idees", "idea", "suggestion"),
    ContributionKind.PROPOSAL: ("proposition", "propositions", "proposal", "preconisation", "recommandation"),
    ContributionKind.WEAK_SIGNAL: ("signal faible", "signaux faibles", "weak signal", "signal"),
    ContributionKind.TRACK: (
        "piste",
        "pistes",
        "piste experimentale",
        "pistes experimentales",
        "track",
        "experimentation",
    ),
}
ACTOR_SYNONYMS = {
    ActorType.TRAINING_ORG: ("organisme de formation", "of", "organisme", "training org", "cfa"),
    ActorType.FUNDER: ("financeur", "financeurs", "funder", "region", "etat", "opco", "france travail"),
    ActorType.INSTITUTION: ("institution", "institutionnel", "collectivite"),
    ActorType.COMPANY: ("entreprise", "company", "employeur"),
    ActorType.TRAINER: ("formateur", "formatrice", "formateur rice", "trainer"),
    ActorType.LEARNER: ("apprenant", "apprenante", "apprenant e", "stagiaire", "learner"),
    ActorType.OTHER: ("autre", "other", "grand public", "citoyen"),
}
DEFAULT_KIND = ContributionKind.IDEA


def fold(value: str) -> str:
    """Lower case, accents removed, punctuation as single spaces: "Évaluation / qualité" → "evaluation qualite"."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[\W_]+", " ", plain).split())


def _synonym_index(synonyms: dict, enum_class) -> dict[str, object]:
    index = {}
    for member in enum_class:
        for name in (member.value, member.label, *synonyms.get(member, ())):
            index[fold(name)] = member
    return index


_KINDS = _synonym_index(KIND_SYNONYMS, ContributionKind)
_ACTORS = _synonym_index(ACTOR_SYNONYMS, ActorType)
_HEADERS = {fold(name): key for key, names in HEADER_SYNONYMS.items() for name in names}


def guess_mapping(header: list[str]) -> dict[str, int | None]:
    """Map each known field to the index of the first column whose name means it, else None."""
    mapping: dict[str, int | None] = dict.fromkeys(FIELDS)
    for index, name in enumerate(header):
        key = _HEADERS.get(fold(name))
        if key is None:
            best = fuzzy.extractOne(fold(name), list(_HEADERS), scorer=fuzz.ratio, score_cutoff=88)
            key = _HEADERS[best[0]] if best else None
        if key is not None and mapping[key] is None:
            mapping[key] = index
    return mapping


def _match(value: str, index: dict[str, object]):
    """Return (member, is_exact) for a cell value, or (None, False)."""
    folded = fold(value)
    if folded in index:
        return index[folded], True
    best = fuzzy.extractOne(folded, list(index), scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD)
    return (index[best[0]], False) if best else (None, False)


@lru_cache(maxsize=4096)
def _match_kind(value: str) -> tuple[ContributionKind | None, bool]:
    return _match(value, _KINDS)


@lru_cache(maxsize=4096)
def _match_actor_type(value: str) -> tuple[ActorType | None, bool]:
    return _match(value, _ACTORS)


def _unquote(cell: str) -> str:
    """Undo an export's formula neutralisation ("'=x" → "=x") so exports import back unchanged."""
    if cell.startswith("'") and cell[1:2] and cell[1] in FORMULA_PREFIXES:
        return cell[1:]
    return cell


def fingerprint(text: str, theme_id: int, table_label: str | None) -> str:
    """The identity of an imported row within a process: folded text, theme and table."""
    key = "\x1f".join((" ".join(text.casefold().split()), str(theme_id), fold(table_label or "")))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


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


def _get_process(process_id: int) -> Process:
    process = db.session.get(Process, process_id)
    if process is None:
        raise NotFound("Démarche introuvable.")
    return process


def _check_can_import(process: Process, actor: User) -> None:
    if not process.is_open:
        raise NotAllowed("Cette démarche est close : elle ne reçoit plus de contributions.")
    if not actor.has_role(Role.FACILITATOR):
        raise NotAllowed("Seuls les animateurs peuvent importer des feuilles d'atelier.")


def start_import(process_id: int, data: bytes, filename: str, *, actor: User) -> ImportBatch:
    """Read an uploaded file and store it as a draft batch; nothing is imported yet.

    Raises NotFound, NotAllowed, or InvalidInput (French) for an unreadable or hostile file, in
    which case nothing is written.
    """
    with transaction():
        process = _get_process(process_id)
        _check_can_import(process, actor)
        sheet = read_sheet(data, filename)
        batch = ImportBatch(
            process_id=process.id,
            created_by_id=actor.id,
            status=ImportStatus.DRAFT,
            filename=(filename or "fichier")[-255:],
            sha256=hashlib.sha256(data).hexdigest(),
            n_bytes=len(data),
            file_format=sheet.file_format,
            detected=sheet.detected(),
            mapping=guess_mapping(sheet.header),
            theme_choices={},
            cells={"header": sheet.header, "rows": sheet.rows},
            n_rows=len(sheet.rows),
        )
        db.session.add(batch)
        db.session.flush()
        audit.record(
            "imports:batch:upload",
            actor=actor,
            target_type="import_batch",
            target_id=batch.id,
            after={
                "process_id": process.id,
                "sha256": batch.sha256,
                "n_rows": batch.n_rows,
                "format": batch.file_format,
            },
        )
    return batch


def may_handle(user: User, batch: ImportBatch) -> bool:
    """A batch (its cells, mapping, confirmation, undo) belongs to its uploader, and to moderators and staff."""
    return user.has_role(Role.MODERATOR) or (user.has_role(Role.FACILITATOR) and batch.created_by_id == user.id)


def get_batch(process_id: int, batch_id: int, *, actor: User) -> ImportBatch:
    """Return a batch of this process that ``actor`` may handle; raise NotFound otherwise.

    Someone else's batch is "not found" rather than forbidden: its existence is not theirs to know.
    """
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or batch.process_id != process_id or not may_handle(actor, batch):
        raise NotFound("Import introuvable.")
    return batch


def list_batches(process_id: int, *, viewer: User, limit: int = 50) -> list[ImportBatch]:
    """The process's latest batches that ``viewer`` may handle, newest first."""
    statement = db.select(ImportBatch).where(ImportBatch.process_id == process_id)
    if not viewer.has_role(Role.MODERATOR):
        statement = statement.where(ImportBatch.created_by_id == viewer.id)
    return list(db.session.execute(statement.order_by(ImportBatch.id.desc()).limit(limit)).scalars())


def batch_contributions(batch: ImportBatch, *, page: int = 1, per_page: int = 100) -> list[Contribution]:
    """The contributions an import created, in the order of the sheet's lines (hidden ones too: the
    uploader checks their own import, and an undone import's contributions stay listed)."""
    return list(
        db.session.scalars(
            db.select(Contribution)
            .join(ImportedRow, ImportedRow.contribution_id == Contribution.id)
            .where(ImportedRow.batch_id == batch.id)
            .order_by(ImportedRow.line_number, Contribution.id)
            .offset((max(page, 1) - 1) * per_page)
            .limit(per_page)
        )
    )


def update_mapping(
    process_id: int, batch_id: int, *, columns: dict[str, int | None], theme_choices: dict[str, int | None], actor: User
) -> ImportBatch:
    """Save the facilitator's column mapping and theme corrections on a draft batch."""
    with transaction():
        batch = _draft(process_id, batch_id, actor)
        width = len(batch.cells["header"])
        mapping = {}
        for name in FIELDS:
            index = columns.get(name)
            mapping[name] = index if isinstance(index, int) and 0 <= index < width else None
        theme_ids = {theme.id for theme in batch.process.themes}
        batch.mapping = mapping
        # The preview shows a bounded number of values: those not posted keep their earlier choice.
        batch.theme_choices = {
            **batch.theme_choices,
            **{raw: (choice if choice in theme_ids else None) for raw, choice in theme_choices.items()},
        }
    return batch


def _draft(process_id: int, batch_id: int, actor: User) -> ImportBatch:
    batch = get_batch(process_id, batch_id, actor=actor)
    if batch.status != ImportStatus.DRAFT:
        raise Conflict(f"Cet import est déjà traité (statut : {batch.status.label}).")
    return batch


def _clean(value: str, label: str, max_length: int, *, required: bool = False, multiline: bool = False):
    return clean_text(value, field_label=label, max_length=max_length, required=required, multiline=multiline)


def _evaluate(batch: ImportBatch, process: Process) -> tuple[list[RowResult], dict]:
    mapping = batch.mapping
    themes = {theme.id: theme for theme in process.themes}
    theme_index = {fold(theme.name): theme.id for theme in process.themes}
    theme_names = {theme.name: theme.id for theme in process.themes}
    matches: dict[str, tuple[int | None, bool]] = {}

    def cell(record: list, name: str) -> str:
        index = mapping.get(name)
        if index is None or index + 1 >= len(record):
            return ""
        return _unquote(str(record[index + 1]).strip())

    def theme_for(raw: str) -> tuple[int | None, bool]:
        if raw not in matches:
            if raw in batch.theme_choices:
                matches[raw] = (batch.theme_choices[raw], True)
            elif raw in theme_names:
                matches[raw] = (theme_names[raw], True)
            else:
                # Even an accent- or case-folded match is shown for confirmation.
                matches[raw] = (_match(raw, theme_index)[0], False)
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
            kind, is_exact = _match_kind(values["kind"])
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
            actor_type, _ = _match_actor_type(values["actor_type"])
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


def preview(process_id: int, batch_id: int, *, actor: User) -> Preview:
    """Compute, without writing anything, what confirming the draft batch would import."""
    batch = _draft(process_id, batch_id, actor)
    process = batch.process
    rows, matches = _evaluate(batch, process)
    missing = [FIELD_LABELS[name] for name in REQUIRED_FIELDS if batch.mapping.get(name) is None]
    earlier = db.session.execute(
        db.select(ImportBatch.settled_at)
        .where(
            ImportBatch.process_id == process_id,
            ImportBatch.sha256 == batch.sha256,
            ImportBatch.status == ImportStatus.CONFIRMED,
        )
        .order_by(ImportBatch.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return Preview(
        batch=batch,
        header=batch.cells["header"],
        rows=rows,
        theme_matches=matches,
        missing_fields=missing,
        already_imported_on=earlier.strftime("%d/%m/%Y à %H:%M") if earlier else None,
    )


@dataclass(frozen=True)
class ImportResult:
    n_imported: int
    n_skipped: int


def check_confirmable(process_id: int, batch_id: int, *, actor: User) -> ImportBatch:
    """The draft batch, if ``actor`` may confirm it now (the checks ``confirm_import`` starts with)."""
    process = _get_process(process_id)
    _check_can_import(process, actor)
    return _draft(process_id, batch_id, actor)


def confirm_import(
    process_id: int, batch_id: int, *, actor: User, on_progress: Callable[[int, int], None] | None = None
) -> ImportResult:
    """Import the valid rows of a draft batch in one transaction, and record the batch in the audit log.

    Invalid, duplicate and already-imported rows are skipped and counted. Raises Conflict when the
    batch is no longer a draft or another import added the same rows meanwhile, InvalidInput when a
    required column is not mapped. ``on_progress(rows done, rows to import)`` is called after each chunk.
    """
    with transaction():
        process = _get_process(process_id)
        _check_can_import(process, actor)
        batch = _draft(process_id, batch_id, actor)
        missing = [FIELD_LABELS[name] for name in REQUIRED_FIELDS if batch.mapping.get(name) is None]
        if missing:
            raise InvalidInput(f"Indiquez quelle colonne contient : {', '.join(missing)}.")
        # Claim the draft first: of two simultaneous confirmations, only one finds it still a draft.
        claimed = db.session.execute(
            db.update(ImportBatch)
            .where(ImportBatch.id == batch.id, ImportBatch.status == ImportStatus.DRAFT)
            .values(status=ImportStatus.CONFIRMED)
        ).rowcount
        if claimed != 1:
            raise Conflict("Cet import vient d'être traité par quelqu'un d'autre.")
        rows, _ = _evaluate(batch, process)
        valid = [row for row in rows if row.is_valid]
        try:
            for start in range(0, len(valid), CHUNK_SIZE):
                _insert_chunk(valid[start : start + CHUNK_SIZE], process, batch, actor)
                if on_progress is not None:
                    on_progress(min(start + CHUNK_SIZE, len(valid)), len(valid))
        except IntegrityError as error:
            raise Conflict(
                "Certaines lignes viennent d'être importées par un autre import. Rechargez l'aperçu et recommencez."
            ) from error
        n_skipped = len(rows) - len(valid)
        db.session.execute(
            db.update(Process)
            .where(Process.id == process.id)
            .values(n_contributions=Process.n_contributions + len(valid))
        )
        db.session.execute(
            db.update(ImportBatch)
            .where(ImportBatch.id == batch.id)
            .values(n_imported=len(valid), n_skipped=n_skipped, settled_at=utcnow(), cells=None)
        )
        audit.record(
            "imports:batch:confirm",
            actor=actor,
            target_type="import_batch",
            target_id=batch.id,
            before={"status": ImportStatus.DRAFT.value},
            after={
                "status": ImportStatus.CONFIRMED.value,
                "process_id": process.id,
                "n_imported": len(valid),
                "n_skipped": n_skipped,
                "sha256": batch.sha256,
            },
        )
    db.session.expire_all()
    refresh_statistics_after(len(valid))
    vectors.queue_backfill(process.id)
    return ImportResult(n_imported=len(valid), n_skipped=n_skipped)


def _insert_chunk(rows: list[RowResult], process: Process, batch: ImportBatch, actor: User) -> None:
    values = [
        {
            "process_id": process.id,
            "theme_id": row.fields["theme_id"],
            "kind": row.fields["kind"],
            "title": row.fields["title"],
            "text": row.fields["text"],
            "author_name": row.fields["author"],
            "actor_type": row.fields["actor_type"],
            "table_label": row.fields["table"],
            "entered_by_id": actor.id,
            "source": ContributionSource.IMPORT,
            "status": ContributionStatus.PUBLISHED,
            "version": 1,
        }
        for row in rows
    ]
    ids = (
        db.session.execute(db.insert(Contribution).returning(Contribution.id, sort_by_parameter_order=True), values)
        .scalars()
        .all()
    )
    db.session.execute(
        db.insert(ImportedRow),
        [
            {
                "batch_id": batch.id,
                "process_id": process.id,
                "contribution_id": contribution_id,
                "line_number": row.line_number,
                "fingerprint": row.fingerprint,
            }
            for contribution_id, row in zip(ids, rows, strict=True)
        ],
    )


def cancel_import(process_id: int, batch_id: int, *, actor: User) -> ImportBatch:
    """Abandon a draft batch: nothing was imported; its stored cells are dropped."""
    with transaction():
        batch = _draft(process_id, batch_id, actor)
        batch.status = ImportStatus.CANCELLED
        batch.settled_at = utcnow()
        batch.cells = None
        audit.record(
            "imports:batch:cancel",
            actor=actor,
            target_type="import_batch",
            target_id=batch.id,
            before={"status": ImportStatus.DRAFT.value},
            after={"status": ImportStatus.CANCELLED.value},
        )
    return batch


def undo_import(process_id: int, batch_id: int, *, actor: User) -> int:
    """Hide every contribution of a confirmed batch (never delete); return how many were hidden.

    Allowed to the facilitator who imported the batch and to moderators (NotFound otherwise).

    Refused as a whole (Conflict naming them) when moderators already used some of them: any
    contribution whose status is no longer "published". Contributions already hidden stay as they
    are. The batch's fingerprints are cleared so the sheet can be imported again.
    """
    with transaction():
        process = _get_process(process_id)
        _check_can_import(process, actor)
        batch = get_batch(process_id, batch_id, actor=actor)
        if batch.status != ImportStatus.CONFIRMED:
            raise Conflict(f"Seul un import effectué peut être annulé (statut : {batch.status.label}).")
        contributions = db.session.execute(
            db.select(Contribution.id, Contribution.status, Contribution.hidden_at)
            .join(ImportedRow, ImportedRow.contribution_id == Contribution.id)
            .where(ImportedRow.batch_id == batch.id)
        ).all()
        moved = [row for row in contributions if row.status != ContributionStatus.PUBLISHED]
        if moved:
            named = ", ".join(f"n° {row.id} ({row.status.label.lower()})" for row in moved[:20])
            more = f" et {len(moved) - 20} autres" if len(moved) > 20 else ""
            raise Conflict(
                f"Annulation impossible : la modération a déjà utilisé {len(moved)} contribution(s) "
                f"de cet import : {named}{more}. Rien n'a été masqué."
            )
        to_hide = [row.id for row in contributions if row.hidden_at is None]
        now = utcnow()
        n_hidden = 0
        for start in range(0, len(to_hide), CHUNK_SIZE):
            chunk = to_hide[start : start + CHUNK_SIZE]
            n_hidden += db.session.execute(
                db.update(Contribution)
                .where(
                    Contribution.id.in_(chunk),
                    Contribution.status == ContributionStatus.PUBLISHED,
                    Contribution.hidden_at.is_(None),
                )
                .values(
                    hidden_at=now,
                    hidden_by_id=actor.id,
                    hidden_reason=UNDO_REASON,
                    version=Contribution.version + 1,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            ).rowcount
        if n_hidden != len(to_hide):
            raise Conflict(
                "Des contributions de cet import viennent d'être modifiées. Rechargez la page et recommencez."
            )
        db.session.execute(db.update(ImportedRow).where(ImportedRow.batch_id == batch.id).values(fingerprint=None))
        db.session.execute(
            db.update(Process)
            .where(Process.id == process.id)
            .values(n_contributions=Process.n_contributions - n_hidden)
        )
        batch.status = ImportStatus.UNDONE
        batch.undone_at = now
        batch.undone_by_id = actor.id
        audit.record(
            "imports:batch:undo",
            actor=actor,
            target_type="import_batch",
            target_id=batch.id,
            before={"status": ImportStatus.CONFIRMED.value},
            after={"status": ImportStatus.UNDONE.value, "n_hidden": n_hidden, "contribution_ids": to_hide},
        )
    db.session.expire_all()
    return n_hidden
