"""Accounts: registration, authentication, roles."""

from __future__ import annotations

import re

from werkzeug.security import check_password_hash, generate_password_hash

from contrib.errors import Conflict, InvalidInput, NotFound
from contrib.extensions import db
from contrib.models import ActorType, Role, User
from contrib.models.base import utcnow
from contrib.services import audit
from contrib.services.transaction import transaction
from contrib.validation import clean_text

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 200
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
# Checked against even when the e-mail is unknown, so timing does not tell which accounts exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def normalise_email(email: str | None) -> str:
    """Return the e-mail lowercased and trimmed, or raise InvalidInput."""
    value = (email or "").strip().lower()
    # The length first: the pattern backtracks quadratically on a long run of dots.
    if len(value) > 254 or not _EMAIL.match(value):
        raise InvalidInput("Adresse e-mail invalide (exemple : prenom.nom@exemple.fr).", field="email")
    return value


def check_password_rules(password: str | None) -> str:
    """Return the password if it follows the rules, or raise InvalidInput explaining which."""
    password = password or ""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise InvalidInput(
            f"Le mot de passe doit contenir au moins {PASSWORD_MIN_LENGTH} caractères.", field="password"
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise InvalidInput(f"Le mot de passe ne doit pas dépasser {PASSWORD_MAX_LENGTH} caractères.", field="password")
    if len(set(password)) < 4:
        raise InvalidInput("Le mot de passe est trop simple : variez les caractères.", field="password")
    return password


def _build_user(email, display_name, password, *, role, actor_type, organisation) -> User:
    email = normalise_email(email)
    name = clean_text(display_name, field_label="Nom affiché", max_length=80, multiline=False)
    organisation = clean_text(organisation, field_label="Organisation", max_length=120,
                              required=False, multiline=False)
    if db.session.execute(db.select(User.id).filter_by(email=email)).first() is not None:
        raise Conflict("Un compte existe déjà avec cette adresse e-mail. Connectez-vous.", field="email")
    user = User(
        email=email,
        display_name=name,
        password_hash=generate_password_hash(check_password_rules(password)),
        role=role,
        actor_type=ActorType(actor_type),
        organisation=organisation,
    )
    db.session.add(user)
    db.session.flush()
    return user


def register_user(email: str, display_name: str, password: str, *,
                  actor_type: ActorType | str = ActorType.OTHER, organisation: str | None = None) -> User:
    """Create a participant account; raise InvalidInput or Conflict (e-mail taken)."""
    with transaction():
        user = _build_user(email, display_name, password, role=Role.PARTICIPANT,
                           actor_type=actor_type, organisation=organisation)
        audit.record("accounts:user:register", actor=user, target_type="user", target_id=user.id,
                     after={"email": user.email, "role": user.role.value})
    return user


def create_user(email: str, display_name: str, password: str, *, role: Role,
                actor_type: ActorType | str = ActorType.OTHER, organisation: str | None = None,
                actor: User | None = None) -> User:
    """Create an account with any role (staff action or CLI); raise InvalidInput or Conflict."""
    with transaction():
        user = _build_user(email, display_name, password, role=role,
                           actor_type=actor_type, organisation=organisation)
        audit.record("accounts:user:create", actor=actor, target_type="user", target_id=user.id,
                     after={"email": user.email, "role": user.role.value})
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None."""
    try:
        email = normalise_email(email)
    except InvalidInput:
        return None
    user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.is_active:
        return None
    with transaction():
        user.last_login_at = utcnow()
    return user


def change_role(user_id: int, role: Role | str, *, actor: User) -> User:
    """Give a user another role; raise NotFound or InvalidInput (a staff member demoting themself)."""
    with transaction():
        user = db.session.get(User, user_id)
        if user is None:
            raise NotFound("Compte introuvable.")
        new_role = Role(role)
        if user.id == actor.id and new_role != Role.STAFF:
            raise InvalidInput("Vous ne pouvez pas retirer votre propre rôle d'équipe CPOF.")
        before = {"role": user.role.value}
        user.role = new_role
        audit.record("accounts:user:change_role", actor=actor, target_type="user", target_id=user.id,
                     before=before, after={"role": new_role.value})
    return user


def list_users(*, query: str | None = None, limit: int = 100) -> list[User]:
    """Users, newest first, optionally filtered by a piece of e-mail or name."""
    statement = db.select(User).order_by(User.id.desc()).limit(limit)
    if query:
        pattern = f"%{query.strip().lower()}%"
        statement = statement.where(db.or_(User.email.like(pattern), db.func.lower(User.display_name).like(pattern)))
    return list(db.session.execute(statement).scalars())


RESET_SALT = "contrib-password-reset"
RESET_MAX_AGE_SECONDS = 3600
INVALID_RESET_LINK = "Ce lien de réinitialisation n'est plus valable (il a expiré ou a déjà servi). Demandez-en un nouveau."


def _reset_serializer():
    from flask import current_app
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def password_reset_token(user: User) -> str:
    """A signed, expiring token that stops working once the password changes."""
    return _reset_serializer().dumps({"id": user.id, "h": user.password_hash[-12:]})


def request_password_reset(email: str) -> None:
    """E-mail a reset link to the account, if one exists; say nothing either way (no enumeration)."""
    from flask import current_app, url_for

    from contrib import mail

    try:
        email = normalise_email(email)
    except InvalidInput:
        return
    user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()
    if user is None or not user.is_active:
        return
    link = current_app.config["PUBLIC_URL"].rstrip("/") + url_for("auth.reset_password", token=password_reset_token(user))
    mail.send_mail(user.email, "Réinitialiser votre mot de passe Contrib",
                   f"Bonjour {user.display_name},\n\nPour choisir un nouveau mot de passe, ouvrez ce lien "
                   f"(valable une heure) :\n{link}\n\nSi vous n'avez rien demandé, ignorez ce message.\n")


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
        audit.record("accounts:user:reset_password", actor=user, target_type="user", target_id=user.id)
    return user
