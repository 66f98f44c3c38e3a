"""Who may do what: small predicates and the decorator views use to enforce them."""

from __future__ import annotations

from functools import wraps

from flask import abort, request
from flask_login import current_user

from contrib.core.errors import NotAllowed
from contrib.extensions import login_manager
from contrib.models import Role


def has_role(user, role: Role) -> bool:
    """True when ``user`` is logged in, active and has at least ``role``."""
    return bool(user and user.is_authenticated and user.has_role(role))


def require_role(user, role: Role, message: str) -> None:
    """The services' own check: raise NotAllowed (``message``, French) unless ``user`` has ``role``."""
    if not has_role(user, role):
        raise NotAllowed(message)


def can_post(user, process) -> bool:
    return has_role(user, Role.PARTICIPANT) and process.is_open


def can_enter_on_behalf(user, process) -> bool:
    return has_role(user, Role.FACILITATOR) and process.is_open


def can_moderate(user) -> bool:
    return has_role(user, Role.MODERATOR)


def can_administer(user) -> bool:
    return has_role(user, Role.STAFF)


def role_required(role: Role):
    """Let the view run only for users with ``role``: anonymous → login page, others → 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_role = role
        return wrapped

    return decorator


def wants_json() -> bool:
    """True for API-style requests, which get JSON errors rather than pages."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
