"""Security headers sent with every response; refusal of badly encoded form posts."""

from urllib.parse import unquote_to_bytes

from flask import current_app, request
from flask_login import current_user

from contrib.errors import InvalidInput

ENCODING_MESSAGE = (
    "Le formulaire contient des caractères mal encodés (le texte n'est pas en UTF-8). "
    "Copiez votre texte depuis un document enregistré en UTF-8 et réessayez."
)


def form_body_is_utf8(body: bytes) -> bool:
    """True when every name and value of a urlencoded body decodes as UTF-8."""
    try:
        for pair in body.replace(b"+", b" ").split(b"&"):
            unquote_to_bytes(pair).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
# A year, this host only: the organisation's other sub-domains may not all serve HTTPS.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


def init_app(app):
    @app.before_request
    def refuse_badly_encoded_forms():
        # Werkzeug silently keeps undecodable "%E9" sequences as literal text; refuse them instead.
        if request.mimetype == "application/x-www-form-urlencoded" and not form_body_is_utf8(request.get_data(cache=True)):
            raise InvalidInput(ENCODING_MESSAGE)

    @app.after_request
    def add_security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if current_app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
        if request.endpoint != "static" and current_user.is_authenticated:
            # Pages for a logged-in person carry their data: no shared or back-button cache keeps them.
            response.headers["Cache-Control"] = "no-store"
        return response
