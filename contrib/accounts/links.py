"""Signed links e-mailed to an account: password reset, address confirmation, address change; and the
warning sent to an address's owner when someone else tries to use it."""

from __future__ import annotations

from werkzeug.security import check_password_hash, generate_password_hash

from contrib.accounts.rules import check_password_rules, email_taken, normalise_email
from contrib.accounts.sessions import new_session_generation
from contrib.core import audit
from contrib.core.errors import InvalidFields, InvalidInput, on_field
from contrib.core.transaction import transaction
from contrib.extensions import db
from contrib.models import User
from contrib.models.base import utcnow
from contrib.moderation import reports
from contrib.notifications import services as notifications
from contrib.participation import supports


def public_url(endpoint: str, **values) -> str:
    """The absolute address of a page, for an e-mail (PUBLIC_URL and the endpoint's path)."""
    from flask import current_app, url_for

    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for(endpoint, **values)


def warn_owner(email: str) -> None:
    """Tell the owner of ``email`` that someone tried to use it for another account (no enumeration)."""
    from contrib.notifications import mail

    owner = db.session.execute(db.select(User).filter_by(email=email)).scalar_one()
    if owner.is_active:
        mail.send_mail(
            owner.email,
            "Tentative de création de compte Contrib avec votre adresse",
            f"Bonjour {owner.display_name},\n\nQuelqu'un a tenté de créer un compte Contrib avec votre "
            "adresse e-mail, qui a déjà un compte. Si c'est vous, connectez-vous, ou réinitialisez votre "
            f"mot de passe si vous l'avez oublié :\n{public_url('accounts.forgotten_password')}\n\n"
            "Sinon, ignorez ce message : rien n'a changé sur votre compte.\n",
        )


RESET_SALT = "contrib-password-reset"
RESET_MAX_AGE_SECONDS = 3600
INVALID_RESET_LINK = (
    "Ce lien de réinitialisation n'est plus valable (il a expiré ou a déjà servi). Demandez-en un nouveau."
)


def _reset_serializer():
    from flask import current_app
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def password_reset_token(user: User) -> str:
    """A signed, expiring token that stops working once the password changes."""
    return _reset_serializer().dumps({"id": user.id, "h": user.password_hash[-12:]})


def request_password_reset(email: str) -> None:
    """E-mail a reset link to the account, if one exists; say nothing either way (no enumeration)."""
    from contrib.notifications import mail

    try:
        email = normalise_email(email)
    except InvalidInput:
        return
    user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()
    if user is None or not user.is_active:
        return
    link = public_url("accounts.reset_password", token=password_reset_token(user))
    mail.send_mail(
        user.email,
        "Réinitialiser votre mot de passe Contrib",
        f"Bonjour {user.display_name},\n\nPour choisir un nouveau mot de passe, ouvrez ce lien "
        f"(valable une heure) :\n{link}\n\nSi vous n'avez rien demandé, ignorez ce message.\n",
    )


def reset_password(token: str, new_password: str) -> User:
    """Set a new password from a reset token; raise InvalidInput (bad link or weak password)."""
    from itsdangerous import BadData

    try:
        data = _reset_serializer().loads(token, max_age=RESET_MAX_AGE_SECONDS)
    except BadData:
        raise InvalidInput(INVALID_RESET_LINK) from None
    with transaction():
        user = db.session.get(User, data.get("id")) if isinstance(data, dict) else None
        if user is None or not user.is_active or user.password_hash[-12:] != data.get("h"):
            raise InvalidInput(INVALID_RESET_LINK)
        user.password_hash = generate_password_hash(check_password_rules(new_password))
        new_session_generation(user)
        audit.record("accounts:user:reset_password", actor=user, target_type="user", target_id=user.id)
    return user


CONFIRM_SALT = "contrib-email-confirmation"
CONFIRM_MAX_AGE_SECONDS = 7 * 24 * 3600
INVALID_CONFIRM_LINK = (
    "Ce lien de confirmation n'est plus valable (il a expiré ou l'adresse a changé). "
    "Connectez-vous et demandez-en un nouveau."
)


def _confirm_serializer():
    from flask import current_app
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CONFIRM_SALT)


def send_confirmation(user: User) -> bool:
    """E-mail the account a signed link (valid a week) that confirms its address; False if not sent."""
    from contrib.notifications import mail

    if user.is_confirmed or not user.is_active:
        return False
    token = _confirm_serializer().dumps({"id": user.id, "e": user.email})
    return mail.send_mail(
        user.email,
        "Confirmez votre adresse e-mail sur Contrib",
        f"Bonjour {user.display_name},\n\nPour que vos soutiens, signalements et votes comptent, "
        f"confirmez votre adresse en ouvrant ce lien (valable 7 jours) :\n"
        f"{public_url('accounts.confirm_email', token=token)}\n\n"
        "Si vous n'avez pas créé de compte sur Contrib, ignorez ce message.\n",
    )


def confirm_email(token: str) -> User:
    """Confirm the address a link was sent to; from now on the account's supports, reports and votes count.

    Its contribution supports are counted again and its open reports re-weighed, in the same
    transaction. A second use of the link changes nothing. Raises InvalidInput (bad or expired link).
    """
    from itsdangerous import BadData

    try:
        data = _confirm_serializer().loads(token, max_age=CONFIRM_MAX_AGE_SECONDS)
    except BadData:
        raise InvalidInput(INVALID_CONFIRM_LINK) from None
    pending = []
    with transaction():
        user = db.session.get(User, data.get("id")) if isinstance(data, dict) else None
        if user is None or not user.is_active or user.email != data.get("e"):
            raise InvalidInput(INVALID_CONFIRM_LINK)
        if user.is_confirmed:
            return user
        pending = _mark_confirmed(user)
        audit.record("accounts:user:confirm_email", actor=user, target_type="user", target_id=user.id)
    notifications.deliver(pending)
    return user


def _mark_confirmed(user: User) -> list:
    """Confirm the account's address in the caller's transaction: its supports are counted again and its
    open reports re-weighed. Returns the notifications to deliver after the commit."""
    user.email_confirmed_at = utcnow()
    db.session.flush()
    supports.recount_supported_by(user.id)
    return reports.reweigh_reports_by(user.id)


EMAIL_CHANGE_SALT = "contrib-email-change"
EMAIL_CHANGE_MAX_AGE_SECONDS = 2 * 24 * 3600
INVALID_EMAIL_CHANGE_LINK = (
    "Ce lien de changement d'adresse n'est plus valable (il a expiré, a déjà servi ou l'adresse a changé "
    "entre-temps). Demandez-en un nouveau depuis « Mon compte »."
)
EMAIL_CHANGE_SENT = (
    "Un lien de confirmation vient d'être envoyé à la nouvelle adresse (valable 48 heures). "
    "Votre adresse ne changera qu'une fois ce lien ouvert ; l'ancienne adresse est prévenue."
)


def _email_change_serializer():
    from flask import current_app
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=EMAIL_CHANGE_SALT)


def request_email_change(user: User, new_email: str, password: str) -> None:
    """Send a signed link to ``new_email`` that moves the account there once opened; tell the current address.

    Nothing changes until the link is opened. An address that already has an account gets no link (its
    owner is told instead) but the answer is the same, so no one learns which addresses have accounts.
    Raises InvalidFields (wrong password, invalid or unchanged address).
    """
    from contrib.notifications import mail

    errors: list[InvalidInput] = []
    if not check_password_hash(user.password_hash, password or ""):
        errors.append(InvalidInput("Mot de passe incorrect : rien n'a changé.", field="password"))
    new_email = on_field("new_email", errors, normalise_email, new_email)
    if new_email is not None and new_email == user.email:
        errors.append(InvalidInput("C'est déjà l'adresse de votre compte.", field="new_email"))
    if errors:
        raise InvalidFields(errors)
    with transaction():
        audit.record("accounts:user:request_email_change", actor=user, target_type="user", target_id=user.id)
    if email_taken(new_email):
        warn_owner(new_email)
    else:
        token = _email_change_serializer().dumps({"id": user.id, "old": user.email, "new": new_email})
        mail.send_mail(
            new_email,
            "Confirmez votre nouvelle adresse e-mail sur Contrib",
            f"Bonjour {user.display_name},\n\nPour que cette adresse devienne celle de votre compte Contrib, "
            f"ouvrez ce lien (valable 48 heures) :\n{public_url('accounts.confirm_email_change', token=token)}\n\n"
            "Si vous n'avez rien demandé, ignorez ce message : rien ne changera.\n",
        )
    mail.send_mail(
        user.email,
        "Demande de changement d'adresse e-mail sur Contrib",
        f"Bonjour {user.display_name},\n\nUn changement de l'adresse e-mail de votre compte Contrib vient "
        "d'être demandé. Il ne prendra effet que lorsque le lien envoyé à la nouvelle adresse sera ouvert.\n\n"
        "Si ce n'est pas vous, changez votre mot de passe dès maintenant :\n"
        f"{public_url('accounts.forgotten_password')}\n",
    )


def confirm_email_change(token: str) -> User:
    """Move the account to the address a change link was sent to (which is thereby confirmed); tell the
    old address. Raises InvalidInput (bad, expired or used link, or the address was taken meanwhile)."""
    from itsdangerous import BadData

    from contrib.notifications import mail

    try:
        data = _email_change_serializer().loads(token, max_age=EMAIL_CHANGE_MAX_AGE_SECONDS)
    except BadData:
        raise InvalidInput(INVALID_EMAIL_CHANGE_LINK) from None
    pending = []
    with transaction():
        user = db.session.get(User, data.get("id")) if isinstance(data, dict) else None
        if user is None or not user.is_active or user.email != data.get("old"):
            raise InvalidInput(INVALID_EMAIL_CHANGE_LINK)
        if email_taken(data["new"]):
            raise InvalidInput("Cette adresse est désormais celle d'un autre compte : rien n'a changé.")
        old_email = user.email
        user.email = data["new"]
        if not user.is_confirmed:
            pending = _mark_confirmed(user)
        # No address in the journal: erasing an account erases its current address only.
        audit.record("accounts:user:change_email", actor=user, target_type="user", target_id=user.id)
    notifications.deliver(pending)
    mail.send_mail(
        old_email,
        "L'adresse e-mail de votre compte Contrib a changé",
        f"Bonjour {user.display_name},\n\nL'adresse e-mail de votre compte Contrib a été remplacée ; "
        "ce message est le dernier envoyé à celle-ci. Si ce n'est pas vous, répondez à ce message ou "
        "écrivez à l'équipe CPOF sans tarder.\n",
    )
    return user
