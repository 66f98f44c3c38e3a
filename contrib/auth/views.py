"""Registration, login and logout."""

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from contrib.auth.forms import DeleteAccountForm, ForgottenPasswordForm, LoginForm, RegistrationForm, ResetPasswordForm
from contrib.errors import InvalidInput, Conflict
from contrib.extensions import limiter
from contrib.forms import attach_error
from contrib.models import Role
from contrib.permissions import role_required
from contrib.routing import safe_redirect_target
from contrib.services import accounts, personal_data

bp = Blueprint("auth", __name__)


@bp.route("/inscription", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            user = accounts.register_user(form.email.data, form.display_name.data, form.password.data,
                                          actor_type=form.actor_type.data, organisation=form.organisation.data)
        except (InvalidInput, Conflict) as error:
            attach_error(form, error)
        else:
            login_user(user)
            flash("Bienvenue ! Votre compte est créé.", "success")
            return redirect(safe_redirect_target(request.args.get("next")))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            flash(f"Bonjour {user.display_name} !", "success")
            return redirect(safe_redirect_target(request.args.get("next")))
        form.form_errors.append("Adresse e-mail ou mot de passe incorrect.")
    status = 400 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/deconnexion")
@login_required
def logout():
    logout_user()
    flash("Vous êtes déconnecté·e.", "info")
    return redirect(url_for("main.home"))


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def forgotten_password():
    form = ForgottenPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        flash("Si un compte existe avec cette adresse, un lien pour choisir un nouveau mot de passe "
              "vient de lui être envoyé par e-mail (valable une heure).", "info")
        return redirect(url_for(".login"))
    return render_template("auth/forgotten_password.html", form=form)


@bp.route("/mot-de-passe/<token>", methods=["GET", "POST"])
def reset_password(token):
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data)
        except InvalidInput as error:
            attach_error(form, error)
        else:
            flash("Votre mot de passe est changé. Connectez-vous.", "success")
            return redirect(url_for(".login"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/reset_password.html", form=form), status


@bp.get("/mon-compte")
@role_required(Role.PARTICIPANT)
def account():
    return render_template("auth/account.html", form=DeleteAccountForm(formdata=None))


@bp.get("/mon-compte/donnees.json")
@role_required(Role.PARTICIPANT)
def account_data():
    response = jsonify(personal_data.export_personal_data(current_user))
    response.headers["Content-Disposition"] = "attachment; filename=mes-donnees-contrib.json"
    return response


@bp.post("/mon-compte/supprimer")
@role_required(Role.PARTICIPANT)
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            personal_data.delete_account(current_user, password=form.password.data)
        except InvalidInput as error:
            attach_error(form, error)
        else:
            logout_user()
            flash("Votre compte est supprimé. Vos contributions restent, signées « Participant anonyme ».", "info")
            return redirect(url_for("main.home"))
    return render_template("auth/account.html", form=form), 400
