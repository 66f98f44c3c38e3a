from wtforms import BooleanField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Optional

from contrib.core.forms import Form, FrenchDateField
from contrib.models import ProcessKind, Role


class ProcessForm(Form):
    title = StringField("Titre", validators=[DataRequired()])
    kind = SelectField("Type de démarche", choices=ProcessKind.choices(), default=ProcessKind.EVENT.value)
    region = StringField("Région")
    place = StringField("Lieu")
    starts_on = FrenchDateField("Date de début", validators=[Optional()])
    ends_on = FrenchDateField("Date de fin", validators=[Optional()])
    description = TextAreaField("Description")
    question = TextAreaField("Question posée (débat en ligne)")
    replay_url = URLField("Lien du replay")
    is_open = BooleanField("Ouverte aux contributions", default=True)


class ThemeForm(Form):
    name = StringField("Nom de la thématique", validators=[DataRequired()])


class RoleForm(Form):
    role = SelectField("Rôle", choices=Role.choices())
