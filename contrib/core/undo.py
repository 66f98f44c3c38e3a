"""Undo from the audit log: every moderation act registers how to reverse itself.

A service that performs an undoable act records an audit entry whose ``before``/``after`` hold what
the reversal needs, and its module says how to reverse it in a ``register_undo()`` function, which
``create_app`` calls through ``init_app`` (registration never depends on which modules were imported)::

    def _undo_merge(entry: AuditEntry, actor: User) -> None:
        blocking = undo.later_acts(entry, [("proposal", entry.target_id)])
        if blocking:
            raise undo.Blocked(blocking)  # says which later act to undo first
        ...reverse the act with the ORM (optimistic versions still apply)...

    def register_undo() -> None:
        undo.handler("proposals:proposal:merge", label="Fusion en proposition", redo=_redo_merge)(_undo_merge)

``undo_act`` runs the handler, marks the entry undone and records a ``…:undo`` entry, all in one
transaction. Undoing an undo entry is a redo: the ``redo=`` handler re-applies the original act
(it receives the original entry), the original entry becomes live again and a ``…:redo`` entry
keeps the history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import Flask

from contrib.core import audit
from contrib.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from contrib.core.permissions import has_role, require_role
from contrib.core.transaction import transaction
from contrib.extensions import db
from contrib.models import AuditEntry, Role, User
from contrib.models.base import utcnow

UndoHandler = Callable[[AuditEntry, User], None]

UNDO_SUFFIX = ":undo"
REDO_SUFFIX = ":redo"


@dataclass(frozen=True)
class Registration:
    label: str  # French, shown in the journal
    undo: UndoHandler | None
    redo: UndoHandler | None
    role: Role = Role.MODERATOR  # the least role that may undo or redo it


_registry: dict[str, Registration] = {}


def init_app(app: Flask, registrations: Iterable[Callable[[], None]]) -> None:
    """Run every area's ``register_undo``; registering again (one app per test) changes nothing."""
    for register in registrations:
        register()
    app.extensions["contrib.undo"] = _registry


def handler(action: str, *, label: str, redo: UndoHandler | None = None, role: Role = Role.MODERATOR):
    """Register ``function`` as the way to undo ``action`` (and ``redo`` as the way to redo it)."""

    def decorator(function: UndoHandler) -> UndoHandler:
        _registry[action] = Registration(label=label, undo=function, redo=redo, role=role)
        return function

    return decorator


def describe(action: str, *, label: str) -> None:
    """Give a French journal label to an action that cannot be undone."""
    _registry.setdefault(action, Registration(label=label, undo=None, redo=None))


def registered_actions() -> list[str]:
    """Every action registered (undoable or only described), in the order the areas registered them."""
    return list(_registry)


def label_of(action: str) -> str:
    for suffix, prefix in ((UNDO_SUFFIX, "Annulation"), (REDO_SUFFIX, "Rétablissement")):
        if action.endswith(suffix):
            original = _registry.get(action.removesuffix(suffix))
            return f"{prefix} : {original.label[0].lower()}{original.label[1:]}" if original else action
    registration = _registry.get(action)
    return registration.label if registration else action


def is_undoable(entry: AuditEntry, user: User | None = None) -> bool:
    """True when the journal may offer "Annuler" on ``entry`` (to ``user``, when given); checks on
    dependants come when it is clicked."""
    if entry.undone_at is not None:
        return False
    is_redo = entry.action.endswith(UNDO_SUFFIX)
    registration = _registry.get(entry.action.removesuffix(UNDO_SUFFIX))
    if registration is None or (registration.redo if is_redo else registration.undo) is None:
        return False
    return user is None or has_role(user, registration.role)


class Blocked(Conflict):
    """Later acts depend on the one being undone: they must be undone first."""

    def __init__(self, blocking: list[AuditEntry]):
        first = blocking[0]
        more = f" (et {len(blocking) - 1} autre{'s' if len(blocking) > 2 else ''})" if len(blocking) > 1 else ""
        super().__init__(
            f"Impossible d'annuler : l'acte n° {first.id} ({label_of(first.action).lower()}, "
            f"le {first.created_at:%d/%m/%Y à %H:%M}){more} en dépend. Annulez-le d'abord."
        )
        self.blocking = blocking


def later_acts(
    entry: AuditEntry, targets: Iterable[tuple[str, int]], *, ignore_actions: Iterable[str] = ()
) -> list[AuditEntry]:
    """Not-undone undoable acts recorded after ``entry`` on any of ``targets`` ((type, id) pairs)."""
    targets = list(targets)
    if not targets:
        return []
    conditions = [
        db.and_(AuditEntry.target_type == kind, AuditEntry.target_id == target_id) for kind, target_id in targets
    ]
    candidates = db.session.scalars(
        db.select(AuditEntry)
        .where(AuditEntry.id > entry.id, AuditEntry.undone_at.is_(None), db.or_(*conditions))
        .order_by(AuditEntry.id)
    ).all()
    ignored = set(ignore_actions)
    # Undo entries never block: a redo re-checks the state it finds.
    return [
        later
        for later in candidates
        if later.action not in ignored and not later.action.endswith(UNDO_SUFFIX) and is_undoable(later)
    ]


def undo_act(entry_id: int, *, actor: User) -> AuditEntry:
    """Reverse the act of audit entry ``entry_id``; returns the new ``…:undo`` entry."""
    require_role(actor, Role.MODERATOR, "Seuls les modérateurs peuvent annuler un acte de modération.")
    with transaction():
        entry = db.session.get(AuditEntry, entry_id)
        if entry is None:
            raise NotFound("Acte introuvable dans le journal.")
        if entry.undone_at is not None:
            raise Conflict("Cet acte a déjà été annulé.")
        if not is_undoable(entry):
            raise InvalidInput("Cet acte ne peut pas être annulé depuis le journal.")
        if not is_undoable(entry, actor):
            raise NotAllowed("Seule l'équipe de la CPOF peut annuler cet acte.")
        if entry.action.endswith(UNDO_SUFFIX):
            original = _original(entry)
            _handler(original.action, redo=True)(original, actor)
        else:
            _handler(entry.action, redo=False)(entry, actor)
        # Marking the entry is itself guarded: two moderators undoing at once cannot both win.
        marked: int = db.session.execute(  # type: ignore[attr-defined]  # an UPDATE's CursorResult has it
            db.update(AuditEntry)
            .where(AuditEntry.id == entry.id, AuditEntry.undone_at.is_(None))
            .values(undone_at=utcnow(), undone_by_id=actor.id)
            .execution_options(synchronize_session=False)
        ).rowcount
        if marked != 1:
            raise Conflict("Cet acte vient d'être annulé par quelqu'un d'autre.")
        return _record_reversal(entry, actor)


def _original(undo_entry: AuditEntry) -> AuditEntry:
    """The act an ``…:undo`` entry reversed (audit entries are never deleted)."""
    assert undo_entry.before is not None
    original = db.session.get(AuditEntry, undo_entry.before["entry_id"])
    assert original is not None
    return original


def _handler(action: str, *, redo: bool) -> UndoHandler:
    """The registered way to undo (or redo) ``action``; is_undoable has checked there is one."""
    registration = _registry[action]
    function = registration.redo if redo else registration.undo
    assert function is not None
    return function


def _record_reversal(entry: AuditEntry, actor: User) -> AuditEntry:
    if entry.action.endswith(UNDO_SUFFIX):
        # A redo: the original act is live again; its undo entry keeps the history.
        original = _original(entry)
        original.undone_at = None
        original.undone_by_id = None
        action = entry.action.removesuffix(UNDO_SUFFIX) + REDO_SUFFIX
    else:
        action = entry.action + UNDO_SUFFIX
    return audit.record(
        action,
        actor=actor,
        target_type=entry.target_type,
        target_id=entry.target_id,
        before={"entry_id": entry.id},
        after=None,
    )


JOURNAL_PAGE_SIZE = 50


def journal(
    *, before_id: int | None = None, target: tuple[str, int] | None = None, limit: int = JOURNAL_PAGE_SIZE
) -> list[AuditEntry]:
    """Moderation acts (registered actions, their undos and redos), newest first, keyset-paginated."""
    actions = [variant for action in _registry for variant in (action, action + UNDO_SUFFIX, action + REDO_SUFFIX)]
    statement = db.select(AuditEntry).where(AuditEntry.action.in_(actions))
    if before_id is not None:
        statement = statement.where(AuditEntry.id < before_id)
    if target is not None:
        statement = statement.where(AuditEntry.target_type == target[0], AuditEntry.target_id == target[1])
    return list(db.session.scalars(statement.order_by(AuditEntry.id.desc()).limit(limit)))
