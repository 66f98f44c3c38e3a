from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField

from contrib.accounts.rules import PASSWORD_MIN_LENGTH
from contrib.core.forms import Form
from contrib.models import ActorType


class LoginForm(Form):
    email = EmailField("Adresse e-mail")
    password = PasswordField("Mot de passe")


PASSWORD_RULE = (
    f"Au moins {PASSWORD_MIN_LENGTH} caractères, dont au moins 4 différents. Une courte phrase facile "
    "à retenir convient très bien, par exemple « mon vélo bleu de 2019 »."
)


class RegistrationForm(Form):
    display_name = StringField(
        "Nom affiché", description="Visible à côté de vos contributions : votre prénom et nom, ou un pseudonyme."
    )
    email = EmailField("Adresse e-mail", description="Un lien de confirmation vous y sera envoyé.")
    password = PasswordField("Mot de passe", description=PASSWORD_RULE)
    # A radio list: « Financeur (Région, État, OPCO, France Travail) » does not fit a phone's drop-down list.
    actor_type = RadioField("Vous êtes", choices=ActorType.choices(), default=ActorType.OTHER.value)
    organisation = StringField("Organisation (facultatif)")
    consent = BooleanField("J'accepte la charte de participation et la notice sur mes données personnelles")


class ForgottenPasswordForm(Form):
    email = EmailField("Adresse e-mail de votre compte")


class ResetPasswordForm(Form):
    password = PasswordField("Nouveau mot de passe", description=PASSWORD_RULE)


class DeleteAccountForm(Form):
    password = PasswordField("Votre mot de passe, pour confirmer")


class DisplayNameForm(Form):
    display_name = StringField("Nouveau nom affiché")


class ChangePasswordForm(Form):
    current_password = PasswordField("Mot de passe actuel")
    new_password = PasswordField("Nouveau mot de passe", description=PASSWORD_RULE)


class ChangeEmailForm(Form):
    new_email = EmailField("Nouvelle adresse e-mail", description="Un lien de confirmation y sera envoyé.")
    password = PasswordField("Votre mot de passe, pour confirmer")
