"""Registration, login and logout."""

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from contrib.accounts import links, personal_data, registration, sessions
from contrib.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    DeleteAccountForm,
    DisplayNameForm,
    ForgottenPasswordForm,
    LoginForm,
    RegistrationForm,
    ResetPasswordForm,
)
from contrib.core.error_pages import render_error
from contrib.core.errors import InvalidFields, InvalidInput
from contrib.core.permissions import role_required
from contrib.core.routing import is_safe_redirect, safe_redirect_target
from contrib.core.views import act_or_rerender
from contrib.extensions import limiter, user_or_address
from contrib.models import Role

bp = Blueprint("accounts", __name__)

# Only failed logins are counted (a full room logging in never meets a limit), per account and per address.
ACCOUNT_LOCKED_MESSAGE = (
    "Trop de tentatives de connexion manquées pour ce compte. Patientez 15 minutes, "
    "ou choisissez un nouveau mot de passe avec « Mot de passe oublié ? »."
)
ADDRESS_LOCKED_MESSAGE = (
    "Trop de tentatives de connexion manquées depuis ce réseau. Patientez 15 minutes puis réessayez."
)
REGISTRATION_LIMIT_MESSAGE = (
    "Trop de comptes créés depuis ce réseau en peu de temps. "
    "Patientez un moment puis réessayez, ou demandez à un animateur."
)
RESEND_LIMIT_MESSAGE = "Un lien vient déjà de vous être envoyé : patientez quelques minutes avant d'en redemander un."


def _login_account_key() -> str:
    """Rate-limit key for login failures: the account the form names, however it is spelled."""
    return "login-account:" + (request.form.get("email") or "").strip().lower()[:254]


def _failed(response) -> bool:
    return response.status_code == 400


def _created(response) -> bool:
    return response.status_code == 302


@bp.errorhandler(429)
def too_many_requests(error):
    return render_error(429, error.description if isinstance(error.description, str) else None)


@bp.route("/inscription", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["REGISTRATION_LIMIT"],
    methods=["POST"],
    key_func=get_remote_address,
    deduct_when=_created,
    error_message=REGISTRATION_LIMIT_MESSAGE,
)
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    next_page = request.args.get("next")
    # The same answer whether the address had an account or not (no enumeration).
    return act_or_rerender(
        RegistrationForm(),
        lambda form: registration.register_user(
            form.email.data,
            form.display_name.data,
            form.password.data,
            actor_type=form.actor_type.data,
            organisation=form.organisation.data,
            consented=form.consent.data,
        ),
        page=lambda form, status: (render_template("accounts/register.html", form=form), status),
        success=registration.REGISTERED_MESSAGE,
        category="info",
        redirect_to=url_for(".login", next=next_page) if is_safe_redirect(next_page) else url_for(".login"),
        refused=(InvalidFields,),
    )


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_FAILURES_PER_ADDRESS"],
    methods=["POST"],
    key_func=get_remote_address,
    deduct_when=_failed,
    error_message=ADDRESS_LOCKED_MESSAGE,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_FAILURES_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_login_account_key,
    deduct_when=_failed,
    error_message=ACCOUNT_LOCKED_MESSAGE,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = sessions.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            flash(f"Bonjour {user.display_name} !", "success")
            return redirect(safe_redirect_target(request.args.get("next")))
        form.form_errors.append("Adresse e-mail ou mot de passe incorrect.")
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/login.html", form=form), status


@bp.post("/deconnexion")
@login_required
def logout():
    sessions.end_sessions(current_user._get_current_object())
    logout_user()
    flash("Vous êtes déconnecté·e.", "info")
    return redirect(url_for("main.home"))


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def forgotten_password():
    form = ForgottenPasswordForm()
    if form.validate_on_submit():
        links.request_password_reset(form.email.data)
        flash(
            "Si un compte existe avec cette adresse, un lien pour choisir un nouveau mot de passe "
            "vient de lui être envoyé par e-mail (valable une heure).",
            "info",
        )
        return redirect(url_for(".login"))
    return render_template("accounts/forgotten_password.html", form=form)


@bp.route("/mot-de-passe/<token>", methods=["GET", "POST"])
def reset_password(token):
    return act_or_rerender(
        ResetPasswordForm(),
        lambda form: links.reset_password(token, form.password.data),
        page=lambda form, status: (render_template("accounts/reset_password.html", form=form), status),
        success="Votre mot de passe est changé. Connectez-vous.",
        redirect_to=url_for(".login"),
    )


@bp.get("/confirmer/<token>")
def confirm_email(token):
    try:
        user = links.confirm_email(token)
    except InvalidInput as error:
        return render_error(400, error.message)
    flash(f"Merci {user.display_name} : votre adresse est confirmée, vos soutiens et votes comptent.", "success")
    return redirect(url_for("main.home"))


@bp.post("/mon-compte/confirmation")
@role_required(Role.PARTICIPANT)
@limiter.limit("3 per hour", key_func=user_or_address, error_message=RESEND_LIMIT_MESSAGE)
def resend_confirmation():
    if current_user.is_confirmed:
        flash("Votre adresse est déjà confirmée.", "info")
    elif links.send_confirmation(current_user):
        flash(f"Un nouveau lien de confirmation vient d'être envoyé à {current_user.email}.", "info")
    else:
        flash("L'e-mail n'a pas pu être envoyé. Réessayez plus tard ou prévenez l'équipe CPOF.", "error")
    return redirect(safe_redirect_target(request.form.get("retour")))


def _account_page(status: int = 200, **forms):
    forms = {
        "form": DeleteAccountForm(formdata=None),
        "name_form": DisplayNameForm(formdata=None, prefix="nom"),
        "password_form": ChangePasswordForm(formdata=None, prefix="mdp"),
        "email_form": ChangeEmailForm(formdata=None, prefix="adresse"),
        **forms,
    }
    return render_template("accounts/account.html", **forms), status


@bp.get("/mon-compte")
@role_required(Role.PARTICIPANT)
def account():
    return _account_page()


@bp.post("/mon-compte/nom")
@role_required(Role.PARTICIPANT)
def change_display_name():
    return act_or_rerender(
        DisplayNameForm(prefix="nom"),
        lambda form: registration.change_display_name(current_user, form.display_name.data),
        page=lambda form, status: _account_page(status, name_form=form),
        success="Votre nom affiché est changé.",
        redirect_to=url_for(".account"),
    )


@bp.post("/mon-compte/mot-de-passe")
@role_required(Role.PARTICIPANT)
def change_password():
    return act_or_rerender(
        ChangePasswordForm(prefix="mdp"),
        # This session moves to the new generation; every other one ends.
        lambda form: login_user(
            sessions.change_password(
                current_user._get_current_object(), form.current_password.data, form.new_password.data
            )
        ),
        page=lambda form, status: _account_page(status, password_form=form),
        success="Votre mot de passe est changé. Vos autres sessions sont fermées.",
        redirect_to=url_for(".account"),
    )


@bp.post("/mon-compte/adresse")
@role_required(Role.PARTICIPANT)
@limiter.limit("5 per hour", key_func=user_or_address)
def change_email():
    return act_or_rerender(
        ChangeEmailForm(prefix="adresse"),
        lambda form: links.request_email_change(current_user, form.new_email.data, form.password.data),
        page=lambda form, status: _account_page(status, email_form=form),
        success=links.EMAIL_CHANGE_SENT,
        category="info",
        redirect_to=url_for(".account"),
        refused=(InvalidFields,),
    )


@bp.get("/mon-compte/adresse/<token>")
def confirm_email_change(token):
    try:
        links.confirm_email_change(token)
    except InvalidInput as error:
        return render_error(400, error.message)
    flash("Votre nouvelle adresse e-mail est enregistrée et confirmée.", "success")
    return redirect(url_for(".account") if current_user.is_authenticated else url_for(".login"))


@bp.get("/mon-compte/donnees.json")
@role_required(Role.PARTICIPANT)
def account_data():
    response = jsonify(personal_data.export_personal_data(current_user))
    response.headers["Content-Disposition"] = "attachment; filename=mes-donnees-contrib.json"
    return response


@bp.post("/mon-compte/supprimer")
@role_required(Role.PARTICIPANT)
def delete_account():
    def delete_and_log_out(form):
        personal_data.delete_account(current_user, password=form.password.data)
        logout_user()

    return act_or_rerender(
        DeleteAccountForm(),
        delete_and_log_out,
        page=lambda form, status: _account_page(status, form=form),
        success="Votre compte est supprimé. Vos contributions restent, signées « Participant anonyme ».",
        category="info",
        redirect_to=url_for("main.home"),
    )
