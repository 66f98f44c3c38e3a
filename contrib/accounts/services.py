"""Accounts: registration, authentication, roles."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from contrib.core import audit
from contrib.core.errors import Conflict, InvalidInput, NotFound
from contrib.core.transaction import transaction
from contrib.core.validation import clean_text
from contrib.extensions import db
from contrib.models import ActorType, Role, User
from contrib.models.base import utcnow
from contrib.moderation import reports
from contrib.notifications import services as notifications
from contrib.participation import supports

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


_RESERVED_NAMES = frozenset(
    {
        "cpof",
        "equipe",
        "equipecpof",
        "lequipe",
        "moderation",
        "moderateur",
        "moderatrice",
        "moderateurs",
        "equipedemoderation",
        "administrateur",
        "administratrice",
        "administration",
        "admin",
        "staff",
    }
)
_RESERVED_WORDS = frozenset(
    {"cpof", "moderation", "moderateur", "moderatrice", "administrateur", "administratrice", "admin"}
)
IMPERSONATION_MESSAGE = (
    "Nom affiché : ce nom est réservé à l'équipe CPOF et à la modération "
    "(ou imite le nom d'un de leurs membres). Choisissez votre propre nom."
)


# Letters and digits that pass for Latin letters (Cyrillic, Greek, digits, symbols): « СРОF », « Adm1n »,
# « @dmin », « Mοdération » with a Greek omicron. Both sides of a comparison go through the same map, so
# « l » and « 1 » both read as « i » there (the comparison only, never the stored name).
_LOOK_ALIKES = str.maketrans(
    {
        **dict(zip("аеорсухіјѕкмнтвԁһ", "aeopcyxijskmhtbdh", strict=True)),  # Cyrillic
        **dict(zip("αεορτνικχυβμ", "aeoptvikxybm", strict=True)),  # Greek
        **dict(zip("01345@$l", "oieasasi", strict=True)),
    }
)


def _unaccented(name: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", name).casefold() if not unicodedata.combining(ch))


def fold_name(name: str) -> str:
    """The name without case, accents, punctuation or spaces: "Équipe C.P.O.F" -> "equipecpof"."""
    return "".join(ch for ch in _unaccented(name) if ch.isalnum())


def _skeleton(name: str) -> str:
    """What the name looks like: folded, look-alike letters read as the Latin ones (« rn » as « m »)."""
    return "".join(ch for ch in _unaccented(name).translate(_LOOK_ALIKES) if ch.isalnum()).replace("rn", "m")


_RESERVED_SKELETONS = frozenset(_skeleton(name) for name in _RESERVED_NAMES)
_RESERVED_WORD_SKELETONS = frozenset(_skeleton(word) for word in _RESERVED_WORDS)


def check_display_name(name: str, *, exclude_user_id: int | None = None) -> None:
    """Raise InvalidInput when the name imitates the organisation, its roles or a staff or moderator member,
    with look-alike letters from other alphabets or digits too."""
    folded = _skeleton(name)
    words = {_skeleton(word) for word in re.split(r"[\s\-_.,'’]+", name) if word}
    if folded in _RESERVED_SKELETONS or "cpof" in folded or words & _RESERVED_WORD_SKELETONS:
        raise InvalidInput(IMPERSONATION_MESSAGE, field="display_name")
    team = db.select(User.display_name).where(User.role.in_([Role.MODERATOR, Role.STAFF]), User.is_active)
    if exclude_user_id is not None:
        team = team.where(User.id != exclude_user_id)
    if folded in {_skeleton(other) for other in db.session.scalars(team)}:
        raise InvalidInput(IMPERSONATION_MESSAGE, field="display_name")


def _clean_display_name(display_name: str | None, *, role: Role, exclude_user_id: int | None = None) -> str:
    name = clean_text(display_name, field_label="Nom affiché", max_length=80, multiline=False)
    if not role.includes(Role.MODERATOR):  # staff name the team's accounts freely
        check_display_name(name, exclude_user_id=exclude_user_id)
    return name


def _email_taken(email: str) -> bool:
    return db.session.execute(db.select(User.id).filter_by(email=email)).first() is not None


class InvalidFields(InvalidInput):
    """Several fields of a form break their rules: ``errors`` holds each one, shown all at once."""

    def __init__(self, errors: list[InvalidInput]):
        super().__init__(" ".join(error.message for error in errors))
        self.errors = errors


CONSENT_MESSAGE = "Pour créer un compte, acceptez la charte de participation et la notice sur vos données personnelles."


def _on_field(field: str, errors: list[InvalidInput], check, *args, **kwargs):
    """``check(*args, **kwargs)``, or None with its InvalidInput added to ``errors`` under ``field``."""
    try:
        return check(*args, **kwargs)
    except InvalidInput as error:
        errors.append(error if error.field else InvalidInput(error.message, field=field))
        return None


def _build_user(
    email, display_name, password, *, role, actor_type, organisation, confirmed: bool, consented: bool | None = None
) -> User:
    """A new account from a form, every field checked (InvalidFields lists every fault at once).

    ``consented``: None when consent is not asked (accounts made by staff), else whether the person
    accepted the charter and the personal-data notice (required).
    """
    errors: list[InvalidInput] = []
    name = _on_field("display_name", errors, _clean_display_name, display_name, role=role)
    email = _on_field("email", errors, normalise_email, email)
    password = _on_field("password", errors, check_password_rules, password)
    organisation = _on_field(
        "organisation",
        errors,
        clean_text,
        organisation,
        field_label="Organisation",
        max_length=120,
        required=False,
        multiline=False,
    )
    actor_type = _on_field("actor_type", errors, _actor_type, actor_type)
    if consented is False:
        errors.append(InvalidInput(CONSENT_MESSAGE, field="consent"))
    if errors:
        raise InvalidFields(errors)
    if _email_taken(email):
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
        _warn_owner(normalise_email(email))
        return
    send_confirmation(user)


def _warn_owner(email: str) -> None:
    from contrib.notifications import mail

    owner = db.session.execute(db.select(User).filter_by(email=email)).scalar_one()
    if owner.is_active:
        mail.send_mail(
            owner.email,
            "Tentative de création de compte Contrib avec votre adresse",
            f"Bonjour {owner.display_name},\n\nQuelqu'un a tenté de créer un compte Contrib avec votre "
            "adresse e-mail, qui a déjà un compte. Si c'est vous, connectez-vous, ou réinitialisez votre "
            f"mot de passe si vous l'avez oublié :\n{_public_url('accounts.forgotten_password')}\n\n"
            "Sinon, ignorez ce message : rien n'a changé sur votre compte.\n",
        )


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


def _new_session_generation(user: User) -> None:
    """End every session of the user opened so far (the caller's transaction)."""
    user.session_generation = User.session_generation + 1  # in SQL: concurrent logouts both count
    db.session.flush()


def end_sessions(user: User) -> None:
    """Log the user out everywhere: every session opened so far stops working (logout)."""
    with transaction():
        _new_session_generation(user)


def change_password(user: User, current_password: str, new_password: str) -> User:
    """Set a new password after checking the current one; end every other session. Raise InvalidInput."""
    if not check_password_hash(user.password_hash, current_password or ""):
        raise InvalidInput("Mot de passe actuel incorrect : rien n'a changé.", field="current_password")
    with transaction():
        user.password_hash = generate_password_hash(check_password_rules(new_password))
        _new_session_generation(user)
        audit.record("accounts:user:change_password", actor=user, target_type="user", target_id=user.id)
    return user


def change_display_name(user: User, display_name: str) -> User:
    """Rename the account (same rules as at registration); raise InvalidInput."""
    with transaction():
        user.display_name = _clean_display_name(display_name, role=user.role, exclude_user_id=user.id)
        audit.record("accounts:user:rename", actor=user, target_type="user", target_id=user.id)
    return user


LAST_STAFF_MESSAGE = (
    "Il doit rester au moins un compte actif de l'équipe CPOF : nommez d'abord une autre personne dans l'équipe."
)


def ensure_staff_remains(leaving_user_id: int) -> None:
    """Refuse (InvalidInput) when the account ``leaving_user_id`` is the last active staff member.

    Call it first in the transaction that demotes, deactivates or erases that account: it serialises
    these changes (PostgreSQL locks the active staff rows; SQLite takes its single write lock at once),
    so two staff demoting each other at the same moment cannot leave none.
    """
    staff = db.select(User.id).where(User.role == Role.STAFF, User.is_active.is_(True)).order_by(User.id)
    if db.session.get_bind().dialect.name == "sqlite":
        # A write as the transaction's first statement takes the lock before the staff are read, as
        # BEGIN IMMEDIATE would; it matches no row.
        db.session.execute(db.update(User.__table__).where(db.false()).values(role=Role.STAFF.value))
    else:
        staff = staff.with_for_update()
    if db.session.scalars(staff).all() == [leaving_user_id]:
        raise InvalidInput(LAST_STAFF_MESSAGE)


def change_role(user_id: int, role: Role | str, *, actor: User) -> User:
    """Give a user another role; raise NotFound or InvalidInput (a staff member demoting themself,
    or the last active staff member losing the role)."""
    new_role = Role(role)
    if user_id == actor.id and new_role != Role.STAFF:
        raise InvalidInput("Vous ne pouvez pas retirer votre propre rôle d'équipe CPOF.")
    with transaction():
        if new_role != Role.STAFF:
            ensure_staff_remains(user_id)
        user = db.session.get(User, user_id, populate_existing=True)
        if user is None:
            raise NotFound("Compte introuvable.")
        before = {"role": user.role.value}
        user.role = new_role
        audit.record(
            "accounts:user:change_role",
            actor=actor,
            target_type="user",
            target_id=user.id,
            before=before,
            after={"role": new_role.value},
        )
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


def _public_url(endpoint: str, **values) -> str:
    from flask import current_app, url_for

    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for(endpoint, **values)


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
    link = _public_url("accounts.reset_password", token=password_reset_token(user))
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
        _new_session_generation(user)
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
        f"{_public_url('accounts.confirm_email', token=token)}\n\n"
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
    new_email = _on_field("new_email", errors, normalise_email, new_email)
    if new_email is not None and new_email == user.email:
        errors.append(InvalidInput("C'est déjà l'adresse de votre compte.", field="new_email"))
    if errors:
        raise InvalidFields(errors)
    with transaction():
        audit.record("accounts:user:request_email_change", actor=user, target_type="user", target_id=user.id)
    if _email_taken(new_email):
        _warn_owner(new_email)
    else:
        token = _email_change_serializer().dumps({"id": user.id, "old": user.email, "new": new_email})
        mail.send_mail(
            new_email,
            "Confirmez votre nouvelle adresse e-mail sur Contrib",
            f"Bonjour {user.display_name},\n\nPour que cette adresse devienne celle de votre compte Contrib, "
            f"ouvrez ce lien (valable 48 heures) :\n{_public_url('accounts.confirm_email_change', token=token)}\n\n"
            "Si vous n'avez rien demandé, ignorez ce message : rien ne changera.\n",
        )
    mail.send_mail(
        user.email,
        "Demande de changement d'adresse e-mail sur Contrib",
        f"Bonjour {user.display_name},\n\nUn changement de l'adresse e-mail de votre compte Contrib vient "
        "d'être demandé. Il ne prendra effet que lorsque le lien envoyé à la nouvelle adresse sera ouvert.\n\n"
        "Si ce n'est pas vous, changez votre mot de passe dès maintenant :\n"
        f"{_public_url('accounts.forgotten_password')}\n",
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
        if _email_taken(data["new"]):
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
