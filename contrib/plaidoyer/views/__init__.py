"""Plaidoyer: staff assemble the document, freeze versions, compare them and export them.

One blueprint, ``plaidoyer`` (:data:`bp`, its endpoints ``plaidoyer.<view>``), its views grouped by page family:
:mod:`.editor` (the list of plaidoyers and the document being assembled), :mod:`.versions` (frozen versions and
their comparison), :mod:`.exports` (downloads and the PDF laid out by the task queue).
"""

from contrib.plaidoyer.views.blueprint import bp

# Importing a page family adds its views to bp; in page order, which is the order of the URL map.
# isort: off
from contrib.plaidoyer.views import editor, versions, exports  # noqa: F401
# isort: on

__all__ = ["bp"]
