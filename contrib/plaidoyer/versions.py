"""Versions of the plaidoyer: frozen copies of the document (history, so not undoable), and the audit
of what left the platform as a download."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from contrib.core import audit
from contrib.core.errors import Conflict, NotFound
from contrib.core.ids import parse_id
from contrib.core.transaction import transaction
from contrib.core.validation import clean_text
from contrib.extensions import db
from contrib.models import Plaidoyer, PlaidoyerVersion, User
from contrib.models.plaidoyer import VERSION_LABEL_MAX_LENGTH
from contrib.plaidoyer.document import document
from contrib.plaidoyer.structure import EXPORT, SNAPSHOT, get_plaidoyer, require_staff


def snapshot(plaidoyer_id: int, label: str | None, *, actor: User) -> PlaidoyerVersion:
    """Freeze the document as it is now, provenance included, under the next version number."""
    require_staff(actor)
    label = clean_text(
        label, field_label="Nom de la version", max_length=VERSION_LABEL_MAX_LENGTH, required=False, multiline=False
    )
    try:
        with transaction():
            plaidoyer = get_plaidoyer(plaidoyer_id)
            number = (
                db.session.scalar(
                    db.select(db.func.max(PlaidoyerVersion.number)).where(PlaidoyerVersion.plaidoyer_id == plaidoyer.id)
                )
                or 0
            ) + 1
            version = PlaidoyerVersion(
                plaidoyer_id=plaidoyer.id,
                number=number,
                label=label or f"Version {number}",
                created_by_id=actor.id,
                content=document(plaidoyer),
            )
            db.session.add(version)
            db.session.flush()
            audit.record(
                SNAPSHOT,
                actor=actor,
                target_type="plaidoyer",
                target_id=plaidoyer.id,
                after={"version_id": version.id, "number": number, "label": version.label},
            )
    except IntegrityError as error:
        raise Conflict("Quelqu'un vient d'enregistrer une version en même temps. Recommencez.") from error
    return version


def versions(plaidoyer_id: int) -> list[PlaidoyerVersion]:
    """The plaidoyer's versions, newest first."""
    return list(
        db.session.scalars(
            db.select(PlaidoyerVersion)
            .options(joinedload(PlaidoyerVersion.created_by))
            .where(PlaidoyerVersion.plaidoyer_id == plaidoyer_id)
            .order_by(PlaidoyerVersion.number.desc())
        )
    )


def get_version(plaidoyer_id: int, version_id: int) -> PlaidoyerVersion:
    version = db.session.get(PlaidoyerVersion, version_id)
    if version is None or version.plaidoyer_id != plaidoyer_id:
        raise NotFound("Version introuvable.")
    return version


def version_meta(version: PlaidoyerVersion | None) -> dict | None:
    """What exports print about a version (None for the current document)."""
    if version is None:
        return None
    return {
        "number": version.number,
        "label": version.label,
        "created_at": version.created_at.isoformat(),
        "author": version.created_by.display_name if version.created_by else None,
    }


def record_export(plaidoyer_id: int, file_format: str, version: PlaidoyerVersion | None, *, actor: User) -> None:
    """Audit a download: what left the platform, when, taken by whom."""
    require_staff(actor)
    with transaction():
        audit.record(
            EXPORT,
            actor=actor,
            target_type="plaidoyer",
            target_id=plaidoyer_id,
            after={"format": file_format, "version": version.number if version else None},
        )


def compared_side(plaidoyer: Plaidoyer, value: str | None) -> tuple[str, str, dict]:
    """("de la version 2 « … »", "à la version 2 « … »", content) of ``value``: a version id, or the current
    document ("du document actuel", "au document actuel"). Raises NotFound for a version of another plaidoyer."""
    if parse_id(value) is not None:
        version = get_version(plaidoyer.id, parse_id(value))
        name = f"la version {version.number} « {version.label} »"
        return f"de {name}", f"à {name}", version.content
    return "du document actuel", "au document actuel", document(plaidoyer)
