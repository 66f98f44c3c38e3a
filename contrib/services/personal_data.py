"""Personal data (RGPD): what we hold about a person, and erasing their account."""

from __future__ import annotations

import secrets

from werkzeug.security import check_password_hash, generate_password_hash

from contrib.errors import InvalidInput
from contrib.extensions import db
from contrib.models import Comment, Contribution, Notification, Support, User
from contrib.services import accounts, audit
from contrib.services.transaction import transaction

ANONYMOUS_NAME = "Participant anonyme"


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def export_personal_data(user: User) -> dict:
    """Everything tied to the account, as plain JSON-ready data."""

    def rows(model, *conditions):
        return db.session.execute(db.select(model).where(*conditions).order_by(model.id)).scalars()

    return {
        "compte": {"id": user.id, "email": user.email, "nom_affiche": user.display_name,
                   "role": user.role.value, "type_acteur": user.actor_type.value,
                   "organisation": user.organisation, "cree_le": _iso(user.created_at),
                   "derniere_connexion": _iso(user.last_login_at)},
        "contributions": [
            {"id": c.id, "demarche": c.process.slug, "thematique": c.theme.name, "type": c.kind.value,
             "titre": c.title, "texte": c.text, "statut": c.status.value, "masquee": c.is_hidden,
             "saisie_pour_autrui": c.author_id != user.id, "cree_le": _iso(c.created_at)}
            for c in rows(Contribution, db.or_(Contribution.author_id == user.id, Contribution.entered_by_id == user.id))
        ],
        "commentaires": [{"id": c.id, "contribution": c.contribution_id, "texte": c.text, "cree_le": _iso(c.created_at)}
                         for c in rows(Comment, Comment.author_id == user.id)],
        "soutiens": [{"contribution": s.contribution_id, "cree_le": _iso(s.created_at)}
                     for s in rows(Support, Support.user_id == user.id)],
        "notifications": [{"message": n.message, "cree_le": _iso(n.created_at), "lue": n.read_at is not None}
                          for n in rows(Notification, Notification.user_id == user.id)],
    }


def delete_account(user: User, *, password: str) -> None:
    """Erase the person from the account; their contributions and comments stay, anonymised.

    The row stays (contributions, supports and the audit log keep pointing at it) but holds no
    personal data and can never log in again. Raises InvalidInput on a wrong password.
    """
    if not check_password_hash(user.password_hash, password or ""):
        raise InvalidInput("Mot de passe incorrect : votre compte n'a pas été supprimé.", field="password")
    with transaction():
        accounts.ensure_staff_remains(user.id)
        user.email = f"supprime-{user.id}-{secrets.token_hex(4)}@anonyme.invalid"
        user.display_name = ANONYMOUS_NAME
        user.organisation = None
        user.password_hash = generate_password_hash(secrets.token_hex(32))
        user.is_active = False
        db.session.execute(db.delete(Notification).where(Notification.user_id == user.id))
        audit.record("accounts:user:delete", actor=user, target_type="user", target_id=user.id,
                     after={"anonymised": True})
