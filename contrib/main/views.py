"""Home page and health check."""

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, send_from_directory, url_for
from flask_login import current_user

from contrib.core.forms import Form
from contrib.core.permissions import role_required
from contrib.extensions import db
from contrib.models import Role
from contrib.notifications import services as notifications
from contrib.processes import services as processes

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    all_processes = processes.list_processes()
    return render_template(
        "main/home.html",
        open_processes=[p for p in all_processes if p.is_open],
        closed_processes=[p for p in all_processes if not p.is_open],
    )


@bp.get("/charte")
def charter():
    return render_template("main/charter.html")


@bp.get("/donnees-personnelles")
def personal_data():
    return render_template("main/personal_data.html")


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says."""
    return send_from_directory(current_app.static_folder, "favicon.ico", max_age=7 * 24 * 3600)


@bp.get("/sante")
def health():
    db.session.execute(db.text("SELECT 1"))
    return jsonify(status="ok")


@bp.get("/notifications")
@role_required(Role.PARTICIPANT)
def notifications_page():
    return render_template(
        "main/notifications.html", notifications=notifications.recent_for(current_user), form=Form(formdata=None)
    )


@bp.post("/notifications/lues")
@role_required(Role.PARTICIPANT)
def mark_notifications_read():
    if Form().validate_on_submit():
        notifications.mark_all_read(current_user)
        flash("Notifications marquées comme lues.", "info")
    return redirect(url_for(".notifications_page"))
