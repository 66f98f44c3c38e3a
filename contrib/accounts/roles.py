"""Staff's hold on accounts: roles given and taken (at least one active staff member always remains), the list."""

from __future__ import annotations

from contrib.core import audit
from contrib.core.errors import InvalidInput, NotFound
from contrib.core.transaction import transaction
from contrib.extensions import db
from contrib.models import Role, User

LAST_STAFF_MESSAGE = (
    "Il doit rester au moins un compte actif de l'équipe CPOF : nommez d'abord une autre personne dans l'équipe."
)


def ensure_staff_remains(leaving_user_id: int) -> None:
    """Refuse (InvalidInput) when the account ``leaving_user_id`` is the last active staff member.

    Call it first in the transaction that demotes, deactivates or erases that account: it serialises
    these changes (PostgreSQL locks the active staff rows; SQLite takes its single write lock at once),
    so two staff demoting each other at the same moment cannot leave none.
    """
    staff = db.select(User.id).where(User.role == Role.STAFF, User.is_active.is_(True)).order_by(User.id)
    if db.session.get_bind().dialect.name == "sqlite":
        # A write as the transaction's first statement takes the lock before the staff are read, as
        # BEGIN IMMEDIATE would; it matches no row.
        db.session.execute(db.update(User.__table__).where(db.false()).values(role=Role.STAFF.value))
    else:
        staff = staff.with_for_update()
    if db.session.scalars(staff).all() == [leaving_user_id]:
        raise InvalidInput(LAST_STAFF_MESSAGE)


def change_role(user_id: int, role: Role | str, *, actor: User) -> User:
    """Give a user another role; raise NotFound or InvalidInput (a staff member demoting themself,
    or the last active staff member losing the role)."""
    new_role = Role(role)
    if user_id == actor.id and new_role != Role.STAFF:
        raise InvalidInput("Vous ne pouvez pas retirer votre propre rôle d'équipe CPOF.")
    with transaction():
        if new_role != Role.STAFF:
            ensure_staff_remains(user_id)
        user = db.session.get(User, user_id, populate_existing=True)
        if user is None:
            raise NotFound("Compte introuvable.")
        before = {"role": user.role.value}
        user.role = new_role
        audit.record(
            "accounts:user:change_role",
            actor=actor,
            target_type="user",
            target_id=user.id,
            before=before,
            after={"role": new_role.value},
        )
    return user


def list_users(*, query: str | None = None, limit: int = 100) -> list[User]:
    """Users, newest first, optionally filtered by a piece of e-mail or name."""
    statement = db.select(User).order_by(User.id.desc()).limit(limit)
    if query:
        pattern = f"%{query.strip().lower()}%"
        statement = statement.where(db.or_(User.email.like(pattern), db.func.lower(User.display_name).like(pattern)))
    return list(db.session.execute(statement).scalars())
