"""URL converters that keep what the database cannot take out of the views: such a URL is a 404."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter, UnicodeConverter

from contrib.ids import MAX_ID


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
