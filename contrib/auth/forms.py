from wtforms import EmailField, PasswordField, SelectField, StringField

from contrib.forms import Form
from contrib.models import ActorType
from contrib.services.accounts import PASSWORD_MIN_LENGTH


class LoginForm(Form):
    email = EmailField("Adresse e-mail")
    password = PasswordField("Mot de passe")


class RegistrationForm(Form):
    display_name = StringField("Nom affiché", description="Visible à côté de vos contributions.")
    email = EmailField("Adresse e-mail")
    password = PasswordField("Mot de passe",
                             description=f"Au moins {PASSWORD_MIN_LENGTH} caractères.")
    actor_type = SelectField("Vous êtes", choices=ActorType.choices(), default=ActorType.OTHER.value)
    organisation = StringField("Organisation (facultatif)")


class ForgottenPasswordForm(Form):
    email = EmailField("Adresse e-mail de votre compte")


class ResetPasswordForm(Form):
    password = PasswordField("Nouveau mot de passe", description=f"Au moins {PASSWORD_MIN_LENGTH} caractères.")


class DeleteAccountForm(Form):
    password = PasswordField("Votre mot de passe, pour confirmer")


class DisplayNameForm(Form):
    display_name = StringField("Nouveau nom affiché")


class ChangePasswordForm(Form):
    current_password = PasswordField("Mot de passe actuel")
    new_password = PasswordField("Nouveau mot de passe", description=f"Au moins {PASSWORD_MIN_LENGTH} caractères.")
