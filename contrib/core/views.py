"""The shape shared by the views that run one act from a posted form."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import flash, redirect
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from contrib.core.errors import ContribError


def field_errors(form: FlaskForm) -> list[str]:
    """Every French message of ``form``'s failed validators, field by field."""
    return [message for errors in form.errors.values() for message in errors]


def run_act(
    form: FlaskForm,
    act: Callable[[FlaskForm], Any],
    *,
    success: str | Callable[[Any], str],
    redirect_to: str,
    invalid: str | Callable[[FlaskForm], Iterable[str]] | None = None,
) -> Response:
    """Validate ``form``, run ``act(form)``, flash the outcome and redirect to ``redirect_to``.

    ``success`` is the French message (or makes it from the act's result); a rule's refusal flashes
    its own message. ``invalid`` says what an invalid form flashes: nothing, one message, or the
    messages a function draws from the form (``field_errors``).
    """
    if form.validate_on_submit():
        try:
            result = act(form)
        except ContribError as error:
            flash(error.message, "error")
        else:
            flash(success(result) if callable(success) else success, "success")
    elif invalid is not None:
        for message in [invalid] if isinstance(invalid, str) else invalid(form):
            flash(message, "error")
    return redirect(redirect_to)
