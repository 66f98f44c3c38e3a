"""Domain exceptions: one root, a shallow tree, a French message for people."""

from __future__ import annotations


class ContribError(Exception):
    """Root of every error the services raise on purpose.

    ``message`` is French and shown to people; ``field`` names the form field at fault, if any.
    """

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(ContribError):
    """The input breaks a rule (empty, too long, unreadable, ...)."""


class InvalidFields(InvalidInput):
    """Several fields of a form break their rules: ``errors`` holds each one, shown all at once."""

    def __init__(self, errors: list[InvalidInput]):
        super().__init__(" ".join(error.message for error in errors))
        self.errors = errors


def on_field(field: str, errors: list[InvalidInput], check, *args, **kwargs):
    """``check(*args, **kwargs)``, or None with its InvalidInput added to ``errors`` under ``field``."""
    try:
        return check(*args, **kwargs)
    except InvalidInput as error:
        errors.append(error if error.field else InvalidInput(error.message, field=field))
        return None


class NotAllowed(ContribError):
    """The actor lacks the right to do this."""

    status_code = 403


class NotFound(ContribError):
    """The object does not exist or is not visible to the actor."""

    status_code = 404


class Conflict(ContribError):
    """The object changed or already exists; the act cannot be applied as asked."""

    status_code = 409
