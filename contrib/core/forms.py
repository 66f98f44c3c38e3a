"""Base forms: CSRF from Flask-WTF, WTForms' built-in French messages, the optimistic version check."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import Optional

from contrib.core.dates import date_fr, not_a_date, parse_date_fr
from contrib.core.ids import parse_id


class Form(FlaskForm):
    class Meta:
        locales = ("fr_FR", "fr")


class VersionedForm(Form):
    """An act on an object: carries the version the page showed, so a stale page is refused (optimistic check)."""

    version = HiddenField(validators=[Optional()])

    def seen_version(self) -> int | None:
        return parse_id(self.version.data)


class FrenchDateField(StringField):
    """A day typed « jj/mm/aaaa » in a text box, ``data`` a ``date`` (None when empty).

    Not WTForms' ``DateField``: its ``type="date"`` box is drawn in the browser's language (« mm/dd/yyyy » in
    an English Chromium). A text that is not a day gives a French error under the field, and stays in it.
    """

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("description", "jj/mm/aaaa, par exemple 19/01/2026.")
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "autocomplete": "off", "maxlength": 20})
        super().__init__(label, validators, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return date_fr(self.data) if self.data else ""

    def process_formdata(self, valuelist) -> None:
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if text:
            try:
                self.data = parse_date_fr(text)
            except ValueError:
                raise ValueError(not_a_date(text)) from None


# A 375 px phone shows about 36 characters of a full-width drop-down list (16 px text), and its own picker cuts
# longer options: a longer label is shortened to this many, its full text kept (``short_choices``).
OPTION_MAX_LENGTH = 30


def short_option(text: str, limit: int = OPTION_MAX_LENGTH) -> str:
    """``text`` as a drop-down list shows it: whole when short enough, else cut after a word and ended with « … »."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if cut.count("(") > cut.count(")"):  # never half a bracket: « La plateforme (actes… »
        cut = cut[: cut.rindex("(")]
    elif " " in cut[-10:]:  # after the last whole word, unless that loses more than a short word
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:·-–—(") + "…"


def short_choices(choices) -> list[tuple]:
    """WTForms ``choices`` whose long labels are shortened (``short_option``), the full text in the option's
    ``title``: ``static/js/options.js`` shows it beside the list once chosen."""
    shortened = []
    for value, label, *render_kw in choices:
        short = short_option(label)
        shortened.append((value, label, *render_kw) if short == label else (value, short, {"title": label}))
    return shortened


def shortened_labels(labels, limit: int = OPTION_MAX_LENGTH) -> list[str]:
    """The full texts of the labels a hand-written list shows shortened (the ``option`` macro, same ``limit``).

    A label is a string or a ``(label, suffix)`` pair (the suffix is never cut); empty when none is shortened.
    """
    full_texts = []
    for item in labels:
        label, suffix = (item, "") if isinstance(item, str) else item
        if short_option(label, limit - len(suffix)) != label:
            full_texts.append(f"{label}{suffix}")
    return full_texts


def shortened_choices(choices) -> list[str]:
    """The full texts of the WTForms ``choices`` that ``short_choices`` shortened (kept in their ``title``)."""
    return [render_kw[0]["title"] for _, _, *render_kw in choices or [] if render_kw and "title" in render_kw[0]]


def init_app(app) -> None:
    app.jinja_env.filters["short_option"] = short_option
    app.jinja_env.filters["shortened_labels"] = shortened_labels
    app.jinja_env.filters["shortened_choices"] = shortened_choices


def attach_error(form: Form, error) -> None:
    """Show a service's InvalidInput under the field it names, or at the top of the form; each of the
    errors of an InvalidFields under its own field."""
    for each in getattr(error, "errors", None) or [error]:
        field = getattr(form, each.field, None) if each.field else None
        if field is not None:
            field.errors = [*field.errors, each.message]
        else:
            form.form_errors.append(each.message)
