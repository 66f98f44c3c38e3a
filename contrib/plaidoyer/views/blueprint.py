"""The plaidoyer blueprint, which every page family of :mod:`contrib.plaidoyer.views` adds its views to."""

from flask import Blueprint

bp = Blueprint("plaidoyer", __name__, url_prefix="/plaidoyers")
