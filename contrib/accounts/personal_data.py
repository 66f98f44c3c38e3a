"""Personal data (RGPD): what we hold about a person, and erasing their account."""

from __future__ import annotations

import json
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

from contrib.accounts import roles
from contrib.core import audit
from contrib.core.dates import as_utc
from contrib.core.errors import InvalidInput
from contrib.core.transaction import transaction
from contrib.extensions import db
from contrib.models import AuditEntry, Comment, Contribution, Notification, Support, User

ANONYMOUS_NAME = "Participant anonyme"


def _iso(value) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def export_personal_data(user: User) -> dict:
    """Everything tied to the account, as plain JSON-ready data."""

    def rows(model, *conditions):
        return db.session.execute(db.select(model).where(*conditions).order_by(model.id)).scalars()

    return {
        "compte": {
            "id": user.id,
            "email": user.email,
            "nom_affiche": user.display_name,
            "role": user.role.value,
            "type_acteur": user.actor_type.value,
            "organisation": user.organisation,
            "cree_le": _iso(user.created_at),
            "derniere_connexion": _iso(user.last_login_at),
            "adresse_confirmee_le": _iso(user.email_confirmed_at),
        },
        "contributions": [
            {
                "id": c.id,
                "demarche": c.process.slug,
                "thematique": c.theme.name,
                "type": c.kind.value,
                "titre": c.title,
                "texte": c.text,
                "statut": c.status.value,
                "masquee": c.is_hidden,
                "saisie_pour_autrui": c.author_id != user.id,
                "cree_le": _iso(c.created_at),
            }
            for c in rows(
                Contribution, db.or_(Contribution.author_id == user.id, Contribution.entered_by_id == user.id)
            )
        ],
        "commentaires": [
            {"id": c.id, "contribution": c.contribution_id, "texte": c.text, "cree_le": _iso(c.created_at)}
            for c in rows(Comment, Comment.author_id == user.id)
        ],
        "soutiens": [
            {"contribution": s.contribution_id, "cree_le": _iso(s.created_at)}
            for s in rows(Support, Support.user_id == user.id)
        ],
        "notifications": [
            {"message": n.message, "cree_le": _iso(n.created_at), "lue": n.read_at is not None}
            for n in rows(Notification, Notification.user_id == user.id)
        ],
    }


def _scrub(value, traces: tuple[str, ...]):
    """``value`` (JSON-like) with every trace replaced by the anonymous name."""
    if isinstance(value, str):
        for trace in traces:
            value = value.replace(trace, ANONYMOUS_NAME)
        return value
    if isinstance(value, dict):
        return {key: _scrub(item, traces) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item, traces) for item in value]
    return value


def _stored_forms(text: str) -> tuple[str, str]:
    """The text as it appears in a JSON column: verbatim, and with non-ASCII characters escaped."""
    return text, json.dumps(text)[1:-1]


def _erase_traces(user: User) -> None:
    """Replace the person's e-mail and name where the site copied them, keeping what happened.

    Audit entries about or by the account lose the e-mail, name and organisation, and those by the
    account the client address it acted from; any other entry
    loses the e-mail (a distinctive string: a name may be a word of someone's text, which an undo
    would then rewrite); other people's notifications ("X a commenté…") lose the name.
    """
    traces = tuple(trace for trace in (user.email, user.display_name, user.organisation) if trace)
    about_user = db.or_(
        db.and_(AuditEntry.target_type == "user", AuditEntry.target_id == user.id), AuditEntry.actor_id == user.id
    )
    mentions_email = db.or_(
        *(
            db.cast(column, db.Text).contains(form, autoescape=True)
            for column in (AuditEntry.before, AuditEntry.after)
            for form in _stored_forms(user.email)
        )
    )
    for entry in db.session.scalars(db.select(AuditEntry).where(db.or_(about_user, mentions_email))):
        own = entry.actor_id == user.id or (entry.target_type == "user" and entry.target_id == user.id)
        scrubbed = traces if own else (user.email,)
        entry.before, entry.after = _scrub(entry.before, scrubbed), _scrub(entry.after, scrubbed)
        if entry.actor_id == user.id:
            entry.client_address = None
    for note in db.session.scalars(
        db.select(Notification).where(Notification.message.contains(user.display_name, autoescape=True))
    ):
        note.message = _scrub(note.message, (user.display_name,))


def delete_account(user: User, *, password: str) -> None:
    """Erase the person from the account; their contributions and comments stay, anonymised.

    The row stays (contributions, supports and the audit log keep pointing at it) but holds no
    personal data and can never log in again. Raises InvalidInput on a wrong password.
    """
    if not check_password_hash(user.password_hash, password or ""):
        raise InvalidInput("Mot de passe incorrect : votre compte n'a pas été supprimé.", field="password")
    with transaction():
        roles.ensure_staff_remains(user.id)
        _erase_traces(user)
        user.email = f"supprime-{user.id}-{secrets.token_hex(4)}@anonyme.invalid"
        user.display_name = ANONYMOUS_NAME
        user.organisation = None
        user.password_hash = generate_password_hash(secrets.token_hex(32))
        user.is_active = False
        db.session.execute(db.delete(Notification).where(Notification.user_id == user.id))
        deletion = audit.record(
            "accounts:user:delete", actor=user, target_type="user", target_id=user.id, after={"anonymised": True}
        )
        deletion.client_address = None  # the address is personal data too
