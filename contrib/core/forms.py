"""Base form: CSRF from Flask-WTF, WTForms' built-in French messages."""

from flask_wtf import FlaskForm


class Form(FlaskForm):
    class Meta:
        locales = ("fr_FR", "fr")


def attach_error(form: Form, error) -> None:
    """Show a service's InvalidInput under the field it names, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
