"""French error pages; the 500 page rolls the session back first."""

from flask import current_app, g, jsonify, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError

from contrib.core.errors import ContribError
from contrib.core.permissions import wants_json
from contrib.extensions import db

MESSAGES = {
    400: ("Requête incorrecte", "La demande n'a pas pu être comprise."),
    403: ("Accès refusé", "Vous n'avez pas les droits nécessaires pour cette page ou cette action."),
    404: ("Page introuvable", "Cette page n'existe pas ou n'est plus disponible."),
    405: ("Action impossible", "Cette action n'est pas permise sur cette page."),
    409: ("Conflit", "L'élément a changé entre-temps. Rechargez la page et recommencez."),
    413: ("Fichier trop volumineux", "Le fichier ou le texte envoyé dépasse la taille permise."),
    429: ("Trop de tentatives", "Trop de tentatives en peu de temps. Patientez une minute puis réessayez."),
    500: ("Erreur interne", "Une erreur inattendue s'est produite. Rien n'a été enregistré à moitié ; réessayez."),
    503: (
        "Enregistrement impossible pour le moment",
        "La base de données est momentanément indisponible (redémarrage, lecture seule ou disque plein). "
        "Rien n'a été enregistré, même en partie. Revenez à la page précédente : votre navigateur a gardé "
        "ce que vous avez saisi ; réessayez dans quelques minutes.",
    ),
}


def render_error(status: int, detail: str | None = None):
    title, message = MESSAGES.get(status, MESSAGES[400])
    if wants_json():
        return jsonify(error=detail or message), status
    return render_template("errors/error.html", title=title, message=detail or message, status=status), status


def init_app(app):
    for status in MESSAGES:
        if status == 500:
            continue
        app.register_error_handler(status, lambda error, status=status: render_error(status))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, "Le formulaire a expiré ou n'est pas valide. Rechargez la page et réessayez.")

    @app.errorhandler(ContribError)
    def domain_error(error):
        return render_error(error.status_code, error.message)

    @app.errorhandler(OperationalError)
    def database_unavailable(error):
        # The database refused or lost the statement: the transaction is rolled back as a whole.
        db.session.rollback()
        current_app.logger.error("database unavailable: %s", error.orig)
        title, message = MESSAGES[503]
        if wants_json():
            return jsonify(error=message), 503
        # A page that needs no database: the normal layout would query it again, and so would loading the
        # logged-in user for the templates (raising again, inside this handler: a 500 instead of this page).
        g._login_user = current_app.login_manager.anonymous_user()
        return render_template("errors/unavailable.html", title=title, message=message), 503

    @app.errorhandler(500)
    def internal_error(error):
        db.session.rollback()
        return render_error(500)
