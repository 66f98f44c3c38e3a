"""Home page and health check."""

from flask import Blueprint, jsonify, render_template

from contrib.extensions import db
from contrib.services import processes

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    all_processes = processes.list_processes()
    return render_template(
        "main/home.html",
        open_processes=[p for p in all_processes if p.is_open],
        closed_processes=[p for p in all_processes if not p.is_open],
    )


@bp.get("/sante")
def health():
    db.session.execute(db.text("SELECT 1"))
    return jsonify(status="ok")
