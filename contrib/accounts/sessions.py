"""Logging in and out: credentials checked, sessions ended everywhere (logout, new password)."""

from __future__ import annotations

from werkzeug.security import check_password_hash, generate_password_hash

from contrib.accounts.rules import check_password_rules, normalise_email
from contrib.core import audit
from contrib.core.errors import InvalidInput
from contrib.core.transaction import transaction
from contrib.extensions import db
from contrib.models import User
from contrib.models.base import utcnow

# Checked against even when the e-mail is unknown, so timing does not tell which accounts exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None."""
    try:
        email = normalise_email(email)
    except InvalidInput:
        return None
    user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.is_active:
        return None
    with transaction():
        user.last_login_at = utcnow()
    return user


def new_session_generation(user: User) -> None:
    """End every session of the user opened so far (the caller's transaction)."""
    user.session_generation = User.session_generation + 1  # in SQL: concurrent logouts both count
    db.session.flush()


def end_sessions(user: User) -> None:
    """Log the user out everywhere: every session opened so far stops working (logout)."""
    with transaction():
        new_session_generation(user)


def change_password(user: User, current_password: str, new_password: str) -> User:
    """Set a new password after checking the current one; end every other session. Raise InvalidInput."""
    if not check_password_hash(user.password_hash, current_password or ""):
        raise InvalidInput("Mot de passe actuel incorrect : rien n'a changé.", field="current_password")
    with transaction():
        user.password_hash = generate_password_hash(check_password_rules(new_password))
        new_session_generation(user)
        audit.record("accounts:user:change_password", actor=user, target_type="user", target_id=user.id)
    return user
