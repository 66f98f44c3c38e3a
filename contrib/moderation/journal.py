"""The moderation journal as moderators read it: filters checked, pages of 50, each act as a sentence."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from contrib.clustering.browsing import cluster_names
from contrib.core import undo
from contrib.core.dates import PARIS, date_fr, in_paris, not_a_date, parse_date_fr
from contrib.core.ids import parse_id
from contrib.extensions import db
from contrib.models import (
    AuditEntry,
    Cluster,
    ClusteringDecision,
    Comment,
    Contribution,
    DuplicateGroup,
    ImportBatch,
    Plaidoyer,
    PrioritisationSession,
    Process,
    Proposal,
    User,
)
from contrib.models.assistant import AssistantConversation, AssistantMessage, CitationFlag
from contrib.moderation.sentences import Change, changes, sentence

PAGE_SIZE = undo.JOURNAL_PAGE_SIZE

# URL word -> (audit target type, French name) for the "object" filter.
OBJECT_TYPES = {
    "contribution": ("contribution", "Contribution"),
    "commentaire": ("comment", "Commentaire"),
    "proposition": ("proposal", "Proposition"),
    "doublons": ("duplicate_group", "Groupe de doublons"),
    "seance": ("prioritisation_session", "Séance de priorisation"),
    "plaidoyer": ("plaidoyer", "Plaidoyer"),
    "regroupement": ("clustering", "Regroupements d'une démarche"),
}


@dataclass
class Filters:
    action: str = ""
    actor: int | None = None  # 0: the platform itself (automatic acts)
    start: date | None = None
    end: date | None = None
    process: Process | None = None
    object_word: str = ""
    object_id: int | None = None
    before_id: int | None = None
    after_id: int | None = None
    errors: list[str] = field(default_factory=list)
    # What the date boxes show: the day in French form, or the text typed when it is not a date.
    typed_dates: dict[str, str] = field(default_factory=dict)
    invalid_fields: set[str] = field(default_factory=set)

    def query_args(self, **changes: Any) -> dict[str, Any]:
        """The URL arguments for these filters (paging arguments from ``changes``), empty ones left out."""
        args = {
            "acte": self.action,
            "personne": self.actor,
            "du": date_fr(self.start) or None,
            "au": date_fr(self.end) or None,
            "demarche": self.process.slug if self.process else None,
            "objet": self.object_word,
            "numero": self.object_id,
            **changes,
        }
        return {key: value for key, value in args.items() if value not in (None, "")}

    @property
    def is_filtered(self) -> bool:
        return bool(self.query_args())


def _parse_date(filters: Filters, name: str, label: str, value: str) -> date | None:
    filters.typed_dates[name] = value[:20]
    if not value:
        return None
    try:
        day = parse_date_fr(value)
    except ValueError:
        filters.invalid_fields.add(name)
        filters.errors.append(f"{label} : {not_a_date(value)}")
        return None
    filters.typed_dates[name] = date_fr(day)
    return day


def parse_filters(args: MultiDict) -> Filters:
    """Read the journal's filters from the query string; each bad value gives a French message and is dropped."""
    filters, errors = Filters(), []
    filters.errors = errors
    action = (args.get("acte") or "").strip()
    if action:
        if action in action_choices_map():
            filters.action = action
        else:
            errors.append("Acte : ce type d'acte n'existe pas ; choisissez-en un dans la liste.")
    person = (args.get("personne") or "").strip()
    if person:
        actor = parse_id(person)
        if actor is None or (actor != 0 and db.session.get(User, actor) is None):
            errors.append("Personne : cette personne est introuvable ; choisissez-la dans la liste.")
        else:
            filters.actor = actor
    filters.start = _parse_date(filters, "du", "Du", (args.get("du") or "").strip())
    filters.end = _parse_date(filters, "au", "Au", (args.get("au") or "").strip())
    if filters.start and filters.end and filters.start > filters.end:
        errors.append("Dates : le début de la période est après sa fin.")
        filters.invalid_fields |= {"du", "au"}
        filters.start = filters.end = None
    slug = (args.get("demarche") or "").strip()
    if slug:
        filters.process = db.session.scalar(db.select(Process).where(Process.slug == slug[:200]))
        if filters.process is None:
            errors.append("Démarche : cette démarche est introuvable ; choisissez-la dans la liste.")
    _parse_object(args, filters, errors)
    for name in ("avant", "apres"):
        value = (args.get(name) or "").strip()
        if value and parse_id(value) is None:
            errors.append("Page : ce lien de page n'est pas valable ; la première page est affichée.")
            break
    else:
        filters.before_id, filters.after_id = parse_id(args.get("avant")), parse_id(args.get("apres"))
    return filters


def _parse_object(args: MultiDict, filters: Filters, errors: list[str]) -> None:
    word, number = (args.get("objet") or "").strip(), (args.get("numero") or "").strip()
    legacy = (args.get("contribution") or "").strip()  # links from a contribution's page
    if legacy and not word:
        word, number = "contribution", legacy
    if word and word not in OBJECT_TYPES:
        errors.append("Objet : ce type d'objet n'existe pas ; choisissez-le dans la liste.")
        return
    if number:
        object_id = parse_id(number)
        if object_id is None:
            errors.append(f"Numéro : « {number[:20]} » n'est pas un numéro (des chiffres seulement).")
            return
        if not word:
            errors.append("Numéro : choisissez aussi le type d'objet (contribution, proposition…).")
            return
        filters.object_id = object_id
    filters.object_word = word


def action_choices_map() -> dict[str, str]:
    """Journal actions (registered ones and their undo/redo) -> French label."""
    return {
        variant: undo.label_of(variant)
        for action in undo.registered_actions()
        for variant in (action, action + undo.UNDO_SUFFIX, action + undo.REDO_SUFFIX)
    }


def action_choices() -> list[tuple[str, str]]:
    return sorted(action_choices_map().items(), key=lambda item: item[1].casefold())


def person_choices() -> list[tuple[int, str]]:
    """The people who appear in the journal, by name; 0 is the platform (automatic acts)."""
    ids = db.select(AuditEntry.actor_id).where(AuditEntry.action.in_(list(action_choices_map()))).distinct()
    people = db.session.execute(
        db.select(User.id, User.display_name).where(User.id.in_(ids)).order_by(User.display_name, User.id)
    ).all()
    return [(0, "La plateforme (actes automatiques)"), *((id_, name) for id_, name in people)]


def process_choices() -> list[tuple[str, str]]:
    return [tuple(row) for row in db.session.execute(db.select(Process.slug, Process.title).order_by(Process.title))]


def _paris_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=PARIS).astimezone(UTC)


def _in_process(process_id: int):
    """Entries about objects of the process (plaidoyers span processes and are never in one)."""
    by_type = {
        "contribution": db.select(Contribution.id).where(Contribution.process_id == process_id),
        "comment": db.select(Comment.id)
        .join(Contribution, Contribution.id == Comment.contribution_id)
        .where(Contribution.process_id == process_id),
        "proposal": db.select(Proposal.id).where(Proposal.process_id == process_id),
        "duplicate_group": db.select(DuplicateGroup.id).where(DuplicateGroup.process_id == process_id),
        "prioritisation_session": db.select(PrioritisationSession.id).where(
            PrioritisationSession.process_id == process_id
        ),
        "import_batch": db.select(ImportBatch.id).where(ImportBatch.process_id == process_id),
        "assistant_message": db.select(AssistantMessage.id)
        .join(AssistantConversation, AssistantConversation.id == AssistantMessage.conversation_id)
        .where(AssistantConversation.process_id == process_id),
        "assistant_citation_flag": db.select(CitationFlag.id).where(CitationFlag.process_id == process_id),
    }
    return db.or_(
        db.and_(AuditEntry.target_type.in_(["clustering", "process"]), AuditEntry.target_id == process_id),
        *(db.and_(AuditEntry.target_type == kind, AuditEntry.target_id.in_(ids)) for kind, ids in by_type.items()),
    )


def _conditions(filters: Filters) -> list:
    conditions = [AuditEntry.action.in_([filters.action] if filters.action else list(action_choices_map()))]
    if filters.actor is not None:
        conditions.append(AuditEntry.actor_id.is_(None) if filters.actor == 0 else AuditEntry.actor_id == filters.actor)
    if filters.start:
        conditions.append(AuditEntry.created_at >= _paris_midnight_utc(filters.start))
    if filters.end:
        conditions.append(AuditEntry.created_at < _paris_midnight_utc(filters.end + timedelta(days=1)))
    if filters.process is not None:
        conditions.append(_in_process(filters.process.id))
    if filters.object_word:
        conditions.append(AuditEntry.target_type == OBJECT_TYPES[filters.object_word][0])
        if filters.object_id is not None:
            conditions.append(AuditEntry.target_id == filters.object_id)
    return conditions


@dataclass(frozen=True)
class Line:
    entry: AuditEntry
    sentence: Markup
    changes: list[Change]
    local_time: datetime


@dataclass(frozen=True)
class Page:
    lines: list[Line]
    total: int
    first_rank: int  # 1-based rank of the first line among all matching acts (newest first)
    newer_id: int | None  # ?apres= for the newer page
    older_id: int | None  # ?avant= for the older page

    @property
    def number(self) -> int:
        return (self.first_rank - 1) // PAGE_SIZE + 1

    @property
    def n_pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def page(filters: Filters) -> Page:
    """One page of the matching acts, newest first: keyset by id (``avant``/``apres``), counted for the heading."""
    conditions = _conditions(filters)
    total = db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(*conditions)) or 0
    statement = db.select(AuditEntry).where(*conditions).options(selectinload(AuditEntry.actor))
    if filters.after_id is not None and filters.before_id is None:
        # Newer acts, read upwards; "apres=0" is the oldest page, as long as the pages counted from the top.
        size = total - (max(1, -(-total // PAGE_SIZE)) - 1) * PAGE_SIZE if filters.after_id == 0 else PAGE_SIZE
        newer_first = statement.where(AuditEntry.id > filters.after_id).order_by(AuditEntry.id).limit(size)
        rows = list(db.session.scalars(newer_first))[::-1]
    else:
        if filters.before_id is not None:
            statement = statement.where(AuditEntry.id < filters.before_id)
        rows = list(db.session.scalars(statement.order_by(AuditEntry.id.desc()).limit(PAGE_SIZE)))
    newer = 0
    if rows:
        newer = (
            db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(*conditions, AuditEntry.id > rows[0].id))
            or 0
        )
    first_rank = newer + 1
    names = Names(rows)
    lines = [Line(entry, sentence(entry, names), changes(entry), in_paris(entry.created_at)) for entry in rows]
    return Page(
        lines=lines,
        total=total,
        first_rank=first_rank,
        newer_id=rows[0].id if rows and newer else None,
        older_id=rows[-1].id if rows and newer + len(rows) < total else None,
    )


class Names:
    """The names of every object a page of entries mentions, loaded in one query per kind."""

    def __init__(self, entries: list[AuditEntry]):
        wanted: dict[str, set] = {kind: set() for kind in ("proposal", "process", "user", "decision", "cluster")}
        self._targets: dict[str, set[int]] = {}
        for entry in entries:
            before, after = entry.before or {}, entry.after or {}
            self._targets.setdefault(entry.target_type, set()).add(entry.target_id)
            if entry.target_type == "proposal":
                wanted["proposal"].add(entry.target_id)
            wanted["proposal"].update(
                i for i in (after.get("merged_into_id"), (after.get("new_proposal") or {}).get("id")) if i
            )
            if entry.target_type == "user":
                wanted["user"].add(entry.target_id)
            wanted["process"].add(self.process_id_of(entry))
            wanted["decision"].update(after.get("decisions") or [])
            run_id = after.get("run_id")
            if run_id and entry.target_type == "clustering":
                wanted["cluster"].update(
                    (entry.target_id, run_id, key)
                    for side in (before, after)
                    for key, _ in (side.get("memberships") or {}).values()
                    if key
                )
                wanted["cluster"].update((entry.target_id, run_id, key) for key in after.get("keys") or [])
        self._proposals = self._load(Proposal, Proposal.title, wanted["proposal"])
        self._processes = self._load(Process, Process.title, wanted["process"])
        self._users = self._load(User, User.display_name, wanted["user"])
        self._sessions = self._load(
            PrioritisationSession, PrioritisationSession.title, self._targets.get("prioritisation_session", set())
        )
        self._plaidoyers = self._load(Plaidoyer, Plaidoyer.title, self._targets.get("plaidoyer", set()))
        self._decisions = self._load(ClusteringDecision, ClusteringDecision.label, wanted["decision"])
        self._clusters = self._load_clusters(wanted["cluster"])

    @staticmethod
    def _load(model, column, ids: set) -> dict[int, str]:
        ids = {i for i in ids if isinstance(i, int)}
        if not ids:
            return {}
        return dict(db.session.execute(db.select(model.id, column).where(model.id.in_(ids))).all())

    @staticmethod
    def _load_clusters(triples: set) -> dict[tuple, str]:
        """(run id, key) -> the cluster's name: the moderators' name for the process, else its label;
        (run id, key, "computed") -> its label."""
        run_ids = {run_id for _, run_id, _ in triples}
        if not run_ids:
            return {}
        renamed = {(run_id, key): process_id for process_id, run_id, key in triples}
        names = {process_id: cluster_names(process_id) for process_id in {p for p, _, _ in triples}}
        rows = db.session.execute(
            db.select(Cluster.run_id, Cluster.key, Cluster.label).where(Cluster.run_id.in_(run_ids))
        )
        found = {}
        for run_id, key, label in rows:
            if (run_id, key) in renamed:
                found[(run_id, key)] = names[renamed[(run_id, key)]].get(key) or label or key
                found[(run_id, key, "computed")] = label or key
        return found

    @staticmethod
    def process_id_of(entry: AuditEntry) -> int | None:
        if entry.target_type in ("process", "clustering"):
            return entry.target_id
        return (entry.after or {}).get("process_id")

    @staticmethod
    def _titled(number: Any, titles: dict[int, str]) -> str:
        if number is None:
            return "?"
        title = titles.get(number)
        return f"n° {number} « {title} »" if title else f"n° {number}"

    def proposal(self, proposal_id: Any) -> str:
        return self._titled(proposal_id, self._proposals)

    def session(self, session_id: Any) -> str:
        title = self._sessions.get(session_id)
        return f"« {title} »" if title else f"n° {session_id}"

    def plaidoyer(self, plaidoyer_id: Any) -> str:
        title = self._plaidoyers.get(plaidoyer_id)
        return f"« {title} »" if title else f"n° {plaidoyer_id}"

    def process(self, process_id: Any) -> str:
        title = self._processes.get(process_id)
        return f"« {title} »" if title else "?"

    def user(self, user_id: Any) -> str:
        return self._users.get(user_id) or f"la personne n° {user_id}"

    def decision_label(self, decision_id: Any) -> str:
        return self._decisions.get(decision_id) or "?"

    def cluster(self, run_id: Any, key: str, *, computed: bool = False) -> str:
        name = self._clusters.get((run_id, key, "computed") if computed else (run_id, key))
        return f"« {name or key} »"
