"""Who may do what: small predicates and the decorator views use to enforce them."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Flask, abort, request
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


def moderator_guard(doing: str) -> Callable[[object], None]:
    """One area's check for its moderation acts: NotAllowed « Seuls les modérateurs peuvent <doing>. » otherwise."""
    message = f"Seuls les modérateurs peuvent {doing}."

    def check(user) -> None:
        require_role(user, Role.MODERATOR, message)

    return check


def can_post(user, process) -> bool:
    return has_role(user, Role.PARTICIPANT) and process.is_open


def can_enter_on_behalf(user, process) -> bool:
    return has_role(user, Role.FACILITATOR) and process.is_open


def can_moderate(user) -> bool:
    return has_role(user, Role.MODERATOR)


def can_administer(user) -> bool:
    return has_role(user, Role.STAFF)


def is_own(user, item) -> bool:
    """True when logged-in ``user`` wrote ``item`` (a contribution or a comment)."""
    return bool(user and user.is_authenticated and item.author_id is not None and item.author_id == user.id)


def can_support(user, contribution) -> bool:
    """Anyone logged in may support an open process's contribution, except its own author."""
    return bool(user and user.is_authenticated) and contribution.process.is_open and not is_own(user, contribution)


def can_report(user, item) -> bool:
    """Anyone logged in may report a visible contribution or comment, except its own author."""
    return bool(user and user.is_authenticated) and not item.is_hidden and not is_own(user, item)


def init_app(app: Flask) -> None:
    """Give templates the predicates, for the current user, instead of roles to compare."""

    @app.context_processor
    def permission_predicates() -> dict:
        return {
            "can_moderate": lambda: can_moderate(current_user),
            "can_administer": lambda: can_administer(current_user),
            "can_support": lambda contribution: can_support(current_user, contribution),
            "can_report": lambda item: can_report(current_user, item),
        }


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
