"""Supports (soutiens): give, withdraw, list."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from contrib.core import audit, permissions
from contrib.core.errors import NotAllowed, NotFound
from contrib.core.transaction import transaction
from contrib.extensions import db
from contrib.models import Contribution, Support, User
from contrib.models.accounts import counted
from contrib.proposals import services as proposals


def _supportable(contribution_id: int, user: User) -> Contribution:
    contribution = db.session.get(Contribution, contribution_id)
    if contribution is None or contribution.is_hidden:
        raise NotFound("Contribution introuvable.")
    if not contribution.process.is_open:
        raise NotAllowed("Cette démarche est close : les soutiens ne sont plus possibles.")
    if permissions.is_own(user, contribution):
        raise NotAllowed("Vous ne pouvez pas soutenir votre propre contribution.")
    return contribution


def _shift_count(contribution_id: int, delta: int, user: User) -> None:
    # An atomic UPDATE: concurrent supports never lose a count, and the moderation version is untouched.
    # An unconfirmed account's support is recorded but not counted (recount_supported_by, at confirmation).
    if not user.is_confirmed:
        return
    db.session.execute(
        db.update(Contribution)
        .where(Contribution.id == contribution_id)
        .values(n_supports=Contribution.n_supports + delta)
        .execution_options(synchronize_session=False)
    )


def support(contribution_id: int, *, user: User) -> bool:
    """Support a contribution; return False when the user already supported it.

    Raises NotFound (missing or hidden) or NotAllowed (closed process, own contribution).
    """
    try:
        with transaction():
            _supportable(contribution_id, user)
            db.session.add(Support(user_id=user.id, contribution_id=contribution_id))
            db.session.flush()
            _shift_count(contribution_id, +1, user)
            proposals.sync_supporter(contribution_id, user.id)  # carried to the proposal it feeds, once
            audit.record("supports:support:create", actor=user, target_type="contribution", target_id=contribution_id)
    except IntegrityError:
        return False  # a double click or a second tab: the support already exists
    return True


def withdraw(contribution_id: int, *, user: User) -> bool:
    """Withdraw the user's support; return False when there was none."""
    with transaction():
        removed = db.session.execute(
            db.delete(Support).where(Support.user_id == user.id, Support.contribution_id == contribution_id)
        ).rowcount
        if removed:
            _shift_count(contribution_id, -1, user)
            proposals.sync_supporter(contribution_id, user.id)
            audit.record("supports:support:withdraw", actor=user, target_type="contribution", target_id=contribution_id)
    return bool(removed)


def recount_supported_by(user_id: int) -> None:
    """Recount the supports of every contribution the user supports (their account was just confirmed)."""
    count = (
        db.select(db.func.count(Support.id))
        .where(Support.contribution_id == Contribution.id, counted(Support.user_id))
        .correlate(Contribution)
        .scalar_subquery()
    )
    db.session.execute(
        db.update(Contribution)
        .where(Contribution.id.in_(db.select(Support.contribution_id).where(Support.user_id == user_id)))
        .values(n_supports=count)
        .execution_options(synchronize_session=False)
    )


def has_supported(contribution_id: int, user: User | None) -> bool:
    """True when ``user`` (possibly anonymous) supports the contribution."""
    if user is None or not user.is_authenticated:
        return False
    statement = db.select(Support.id).filter_by(user_id=user.id, contribution_id=contribution_id)
    return db.session.execute(statement).first() is not None


def supported_ids(user: User | None, contribution_ids: list[int]) -> set[int]:
    """The ids among ``contribution_ids`` that ``user`` supports (one query for a whole page)."""
    if user is None or not user.is_authenticated or not contribution_ids:
        return set()
    statement = db.select(Support.contribution_id).where(
        Support.user_id == user.id, Support.contribution_id.in_(contribution_ids)
    )
    return set(db.session.execute(statement).scalars())


def supported_by(user: User, *, limit: int = 200) -> list[Contribution]:
    """Contributions the user supports, most recent support first."""
    statement = (
        db.select(Contribution)
        .join(Support, Support.contribution_id == Contribution.id)
        .options(joinedload(Contribution.theme), joinedload(Contribution.process))
        .where(Support.user_id == user.id)
        .order_by(Support.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(statement).scalars())
