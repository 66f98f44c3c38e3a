"""Base forms: CSRF from Flask-WTF, WTForms' built-in French messages, the optimistic version check."""

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import Optional

from contrib.core.ids import parse_id


class Form(FlaskForm):
    class Meta:
        locales = ("fr_FR", "fr")


class VersionedForm(Form):
    """An act on an object: carries the version the page showed, so a stale page is refused (optimistic check)."""

    version = HiddenField(validators=[Optional()])

    def seen_version(self) -> int | None:
        return parse_id(self.version.data)


def attach_error(form: Form, error) -> None:
    """Show a service's InvalidInput under the field it names, or at the top of the form; each of the
    errors of an InvalidFields under its own field."""
    for each in getattr(error, "errors", None) or [error]:
        field = getattr(form, each.field, None) if each.field else None
        if field is not None:
            field.errors = [*field.errors, each.message]
        else:
            form.form_errors.append(each.message)
