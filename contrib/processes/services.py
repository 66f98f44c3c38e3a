"""Processes (démarches) and their themes."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import joinedload

from contrib.core import audit
from contrib.core.errors import Conflict, InvalidInput, NotFound
from contrib.core.transaction import transaction
from contrib.core.validation import clean_text
from contrib.extensions import db
from contrib.models import DEFAULT_THEMES, Process, ProcessKind, Theme, User


@dataclass(frozen=True)
class ProcessData:
    """What a staff member fills in to create or edit a process."""

    title: str
    kind: ProcessKind | str = ProcessKind.EVENT
    region: str | None = None
    place: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    description: str = ""
    question: str | None = None
    replay_url: str | None = None
    is_open: bool = True


def slugify(title: str) -> str:
    """Return an ASCII, lowercase, dash-separated slug for ``title``."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:60] or "demarche"


def _clean_process_data(data: ProcessData) -> dict:
    replay_url = clean_text(
        data.replay_url, field_label="Lien du replay", max_length=500, required=False, multiline=False
    )
    if replay_url and not re.match(r"^https?://[^\s]+$", replay_url):
        raise InvalidInput("Lien du replay : indiquez une adresse web commençant par https://.", field="replay_url")
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        raise InvalidInput("La date de fin précède la date de début.", field="ends_on")
    return {
        "title": clean_text(data.title, field_label="Titre", max_length=200, multiline=False),
        "kind": ProcessKind(data.kind),
        "region": clean_text(data.region, field_label="Région", max_length=80, required=False, multiline=False),
        "place": clean_text(data.place, field_label="Lieu", max_length=120, required=False, multiline=False),
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
        "description": clean_text(data.description, field_label="Description", max_length=5000, required=False) or "",
        "question": clean_text(data.question, field_label="Question", max_length=1000, required=False),
        "replay_url": replay_url,
        "is_open": bool(data.is_open),
    }


def _unique_slug(title: str) -> str:
    base = slugify(title)
    slug, n = base, 2
    while db.session.execute(db.select(Process.id).filter_by(slug=slug)).first() is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _snapshot(process: Process) -> dict:
    return {
        "title": process.title,
        "kind": process.kind.value,
        "region": process.region,
        "place": process.place,
        "is_open": process.is_open,
        "starts_on": process.starts_on.isoformat() if process.starts_on else None,
        "ends_on": process.ends_on.isoformat() if process.ends_on else None,
        "replay_url": process.replay_url,
    }


def create_process(
    data: ProcessData, *, actor: User | None, slug: str | None = None, themes: tuple[str, ...] = DEFAULT_THEMES
) -> Process:
    """Create a process with its themes (the seven CPOF themes by default)."""
    with transaction():
        values = _clean_process_data(data)
        if slug is not None and db.session.execute(db.select(Process.id).filter_by(slug=slug)).first():
            raise Conflict("Une démarche utilise déjà cet identifiant.")
        process = Process(slug=slug or _unique_slug(values["title"]), **values)
        process.themes = [Theme(name=name, position=index) for index, name in enumerate(themes)]
        db.session.add(process)
        db.session.flush()
        audit.record(
            "processes:process:create",
            actor=actor,
            target_type="process",
            target_id=process.id,
            after=_snapshot(process),
        )
    return process


def update_process(process_id: int, data: ProcessData, *, actor: User) -> Process:
    """Change a process's settings; raise NotFound or InvalidInput."""
    with transaction():
        process = _get(process_id)
        before = _snapshot(process)
        for key, value in _clean_process_data(data).items():
            setattr(process, key, value)
        audit.record(
            "processes:process:update",
            actor=actor,
            target_type="process",
            target_id=process.id,
            before=before,
            after=_snapshot(process),
        )
    return process


def add_theme(process_id: int, name: str, *, actor: User) -> Theme:
    """Add a theme at the end of a process's list; raise Conflict when the name is taken."""
    with transaction():
        process = _get(process_id)
        name = clean_text(name, field_label="Nom de la thématique", max_length=120, multiline=False)
        if any(theme.name.casefold() == name.casefold() for theme in process.themes):
            raise Conflict(f"La thématique « {name} » existe déjà dans cette démarche.")
        theme = Theme(name=name, position=len(process.themes))
        process.themes.append(theme)
        db.session.flush()
        audit.record(
            "processes:theme:create",
            actor=actor,
            target_type="theme",
            target_id=theme.id,
            after={"name": name, "process_id": process.id},
        )
    return theme


def rename_theme(theme_id: int, name: str, *, actor: User) -> Theme:
    """Rename a theme; its contributions follow."""
    with transaction():
        theme = db.session.get(Theme, theme_id)
        if theme is None:
            raise NotFound("Thématique introuvable.")
        name = clean_text(name, field_label="Nom de la thématique", max_length=120, multiline=False)
        if any(other.id != theme.id and other.name.casefold() == name.casefold() for other in theme.process.themes):
            raise Conflict(f"La thématique « {name} » existe déjà dans cette démarche.")
        before = {"name": theme.name}
        theme.name = name
        audit.record(
            "processes:theme:rename",
            actor=actor,
            target_type="theme",
            target_id=theme.id,
            before=before,
            after={"name": name},
        )
    return theme


def _get(process_id: int) -> Process:
    process = db.session.get(Process, process_id)
    if process is None:
        raise NotFound("Démarche introuvable.")
    return process


def get_by_slug(slug: str, *, with_themes: bool = False) -> Process:
    """Return the process with this slug (``with_themes``: its themes loaded by the same statement, for a page
    that lists them: a round trip fewer); raise NotFound."""
    statement = db.select(Process).filter_by(slug=slug)
    if with_themes:
        statement = statement.options(joinedload(Process.themes))
    process = db.session.execute(statement).unique().scalar_one_or_none()
    if process is None:
        raise NotFound("Démarche introuvable.")
    return process


def get_process(process_id: int) -> Process:
    """Return the process with this id; raise NotFound."""
    return _get(process_id)


def list_processes(*, open_only: bool = False) -> list[Process]:
    """Processes, open ones first, most recent start date first."""
    statement = db.select(Process).order_by(Process.is_open.desc(), Process.starts_on.desc(), Process.id.desc())
    if open_only:
        statement = statement.where(Process.is_open.is_(True))
    return list(db.session.execute(statement).scalars())
