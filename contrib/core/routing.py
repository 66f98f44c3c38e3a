"""URL converters that keep what the database cannot take out of the views (such a URL is a 404),
and the one check of redirect targets that come from the request."""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

from flask import current_app, url_for
from werkzeug.routing import IntegerConverter, UnicodeConverter

from contrib.core.ids import MAX_ID


class IdConverter(IntegerConverter):
    """``<int:...>``: a number above MAX_ID matches no route instead of overflowing the database driver."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class TextConverter(UnicodeConverter):
    """``<slug>``, ``<key>``...: no NUL character, which PostgreSQL refuses in any text parameter."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\\x00]")


def init_app(app) -> None:
    """Install the converters; call before any blueprint adds its routes."""
    app.url_map.converters.update(int=IdConverter, default=TextConverter, string=TextConverter)


def _is_local_path(target: str) -> bool:
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if any(unicodedata.category(char).startswith("C") for char in target):
        return False  # browsers drop tabs and newlines: "/<TAB>/evil.example" becomes "//evil.example"
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def is_safe_redirect(target: str | None) -> bool:
    """True when ``target`` is a path on this site, as written and once percent-decoded."""
    if not target or any(char.isspace() for char in target):
        return False
    return _is_local_path(target) and _is_local_path(unquote(target))


def safe_redirect_target(target: str | None, default: str | None = None) -> str:
    """``target`` (a ``next``/``retour`` value from the request) if it is safe, else ``default``
    (the home page when none is given): no open redirect."""
    if target is not None and is_safe_redirect(target):
        return target
    return default or url_for("main.home")


def path_for(endpoint: str, **values) -> str:
    """The path of ``endpoint`` (with ``_anchor`` as ``url_for`` takes it), built outside a request too:
    for texts that are stored or e-mailed, where the site's public URL goes in front."""
    anchor = values.pop("_anchor", None)
    path = current_app.url_map.bind("").build(endpoint, values)
    return f"{path}#{anchor}" if anchor else path
