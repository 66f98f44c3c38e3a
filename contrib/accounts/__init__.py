"""Accounts area: login manager wiring; views live in views.py."""

from contrib.extensions import db, login_manager
from contrib.models import User


def init_app(app):
    """Configure Flask-Login for French pages."""
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Connectez-vous pour accéder à cette page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @app.context_processor
    def notification_badge():
        from flask_login import current_user

        from contrib.notifications.services import unread_count

        return {"unread_notifications": lambda: unread_count(current_user) if current_user.is_authenticated else 0}


@login_manager.user_loader
def load_user(session_id: str):
    """The active user of a session, or None when the session belongs to an ended generation."""
    user_id, _, generation = session_id.partition(":")
    if not (user_id.isdigit() and generation.isdigit()) or len(user_id) > 18 or len(generation) > 18:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_generation != int(generation):
        return None
    return user
