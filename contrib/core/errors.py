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


class NotAllowed(ContribError):
    """The actor lacks the right to do this."""

    status_code = 403


class NotFound(ContribError):
    """The object does not exist or is not visible to the actor."""

    status_code = 404


class Conflict(ContribError):
    """The object changed or already exists; the act cannot be applied as asked."""

    status_code = 409
