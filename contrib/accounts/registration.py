"""Accounts created (registration by a participant, creation by staff) and renamed."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

from contrib.accounts.links import send_confirmation, warn_owner
from contrib.accounts.rules import (
    check_password_rules,
    clean_display_name,
    email_taken,
    normalise_email,
)
from contrib.core import audit
from contrib.core.errors import Conflict, InvalidFields, InvalidInput, on_field
from contrib.core.transaction import transaction
from contrib.core.validation import clean_text
from contrib.extensions import db
from contrib.models import ActorType, Role, User
from contrib.models.base import utcnow

CONSENT_MESSAGE = "Pour créer un compte, acceptez la charte de participation et la notice sur vos données personnelles."


def _build_user(
    email, display_name, password, *, role, actor_type, organisation, confirmed: bool, consented: bool | None = None
) -> User:
    """A new account from a form, every field checked (InvalidFields lists every fault at once).

    ``consented``: None when consent is not asked (accounts made by staff), else whether the person
    accepted the charter and the personal-data notice (required).
    """
    errors: list[InvalidInput] = []
    name = on_field("display_name", errors, clean_display_name, display_name, role=role)
    email = on_field("email", errors, normalise_email, email)
    password = on_field("password", errors, check_password_rules, password)
    organisation = on_field(
        "organisation",
        errors,
        clean_text,
        organisation,
        field_label="Organisation",
        max_length=120,
        required=False,
        multiline=False,
    )
    actor_type = on_field("actor_type", errors, _actor_type, actor_type)
    if consented is False:
        errors.append(InvalidInput(CONSENT_MESSAGE, field="consent"))
    if errors:
        raise InvalidFields(errors)
    if email_taken(email):
        raise Conflict("Un compte existe déjà avec cette adresse e-mail.", field="email")
    now = utcnow()
    user = User(
        email=email,
        display_name=name,
        password_hash=generate_password_hash(password),
        role=role,
        actor_type=actor_type,
        organisation=organisation,
        email_confirmed_at=now if confirmed else None,
        consented_at=now if consented else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


def _actor_type(value) -> ActorType:
    try:
        return ActorType(value)
    except ValueError:
        raise InvalidInput("Choisissez ce que vous êtes dans la liste.", field="actor_type") from None


REGISTERED_MESSAGE = (
    "Un e-mail vous a été envoyé pour confirmer votre adresse. Ouvrez le lien qu'il contient, "
    "puis connectez-vous : vos soutiens, signalements et votes compteront dès la confirmation."
)


def register_user(
    email: str,
    display_name: str,
    password: str,
    *,
    actor_type: ActorType | str = ActorType.OTHER,
    organisation: str | None = None,
    consented: bool = False,
) -> None:
    """Create an unconfirmed participant account and e-mail it a confirmation link; raise InvalidFields
    (every fault at once). ``consented``: the charter and the personal-data notice were accepted (required,
    its date is stored).

    An address that already has an account gets the same answer (no enumeration): its owner is told
    by e-mail instead, and nothing is created.
    """
    try:
        with transaction():
            user = _build_user(
                email,
                display_name,
                password,
                role=Role.PARTICIPANT,
                actor_type=actor_type,
                organisation=organisation,
                confirmed=False,
                consented=consented,
            )
            audit.record(
                "accounts:user:register",
                actor=user,
                target_type="user",
                target_id=user.id,
                after={"role": user.role.value},
            )
    except (Conflict, IntegrityError):  # IntegrityError: the same address registered at the same moment
        warn_owner(normalise_email(email))
        return
    send_confirmation(user)


def create_user(
    email: str,
    display_name: str,
    password: str,
    *,
    role: Role,
    actor_type: ActorType | str = ActorType.OTHER,
    organisation: str | None = None,
    actor: User | None = None,
) -> User:
    """Create a confirmed account with any role (staff action, CLI, demo); raise InvalidInput or Conflict."""
    with transaction():
        user = _build_user(
            email, display_name, password, role=role, actor_type=actor_type, organisation=organisation, confirmed=True
        )
        audit.record(
            "accounts:user:create", actor=actor, target_type="user", target_id=user.id, after={"role": user.role.value}
        )
    return user


def change_display_name(user: User, display_name: str) -> User:
    """Rename the account (same rules as at registration); raise InvalidInput."""
    with transaction():
        user.display_name = clean_display_name(display_name, role=user.role, exclude_user_id=user.id)
        audit.record("accounts:user:rename", actor=user, target_type="user", target_id=user.id)
    return user
