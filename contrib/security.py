"""Security headers sent with every response; refusal of badly encoded form posts."""

from urllib.parse import unquote_to_bytes

from flask import current_app, g, request, session

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


def _is_logged_in() -> bool:
    """Whether the request comes from a logged-in person, without a query (the database may be down
    while an error page is sent): the user the view loaded, else the login session's marker."""
    user = g.get("_login_user")
    return user.is_authenticated if user is not None else "_user_id" in session  # "in": no Vary: Cookie


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
        if request.endpoint != "static" and _is_logged_in():
            # Pages for a logged-in person carry their data: no shared or back-button cache keeps them.
            response.headers["Cache-Control"] = "no-store"
        return response
