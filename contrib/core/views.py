"""The shapes shared by the views that run one act from a posted form: flash and go back (``run_act``), or
show the form again with its errors (``act_or_rerender``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import flash, redirect
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from contrib.core.errors import ContribError, InvalidInput
from contrib.core.forms import attach_error


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


def act_or_rerender(
    form: FlaskForm,
    act: Callable[[FlaskForm], Any],
    *,
    page: Callable[[FlaskForm, int], ResponseReturnValue],
    success: str | Callable[[Any], str],
    redirect_to: str | Callable[[Any], str],
    category: str = "success",
    refused: tuple[type[ContribError], ...] = (InvalidInput,),
) -> ResponseReturnValue:
    """Validate ``form`` and run ``act(form)``: on success flash ``success`` and redirect to ``redirect_to``
    (either may be made from the act's result); otherwise show the form again with its errors.

    A refusal of the kinds in ``refused`` is shown under the field it names (each of them for an error
    carrying several, ``errors``); ``page(form, status)`` renders the form: 400 once it was posted, 200 on a
    first visit. Other errors propagate to the error pages.
    """
    if form.validate_on_submit():
        try:
            result = act(form)
        except refused as error:
            for each in getattr(error, "errors", None) or [error]:
                attach_error(form, each)
        else:
            flash(success(result) if callable(success) else success, category)
            return redirect(redirect_to(result) if callable(redirect_to) else redirect_to)
    return page(form, 400 if form.is_submitted() else 200)
