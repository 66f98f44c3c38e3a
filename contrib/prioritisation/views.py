"""Prioritisation pages: support a proposal, set its priority and status, ranked list, plenary sessions, results."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask import session as cookie
from flask_limiter.util import get_remote_address
from flask_login import current_user

from contrib.core.error_pages import render_error
from contrib.core.errors import ContribError, InvalidInput
from contrib.core.forms import attach_error
from contrib.core.ids import query_id
from contrib.core.permissions import role_required
from contrib.core.views import act_or_rerender, run_act
from contrib.extensions import limiter, user_or_address
from contrib.models import ProposalPriority, ProposalStatus, Role, SessionMode
from contrib.prioritisation import cards, plenary, proposal_life, ranking, results, tally, votes
from contrib.prioritisation.forms import (
    CardCodeForm,
    CardsForm,
    CloseForm,
    PriorityForm,
    SessionForm,
    StatusForm,
    SupportForm,
    dot_points,
    typed_points,
)
from contrib.processes import services as processes

bp = Blueprint("prioritisation", __name__)

MANAGE = "/moderation/demarches/<slug>/propositions/<int:proposal_id>"
SUPPORT_MESSAGES = {
    "added": ("Merci pour votre soutien à cette proposition !", "success"),
    "made_direct": (
        "Vous comptiez déjà parmi les soutiens par une contribution source : votre soutien est maintenant "
        "direct, et vous êtes toujours compté une seule fois.",
        "success",
    ),
    "already": ("Vous soutenez déjà cette proposition.", "info"),
    "removed": ("Votre soutien est retiré.", "info"),
    "still_carried": (
        "Votre soutien direct est retiré ; vous restez compté parmi les soutiens par votre soutien à "
        "une contribution source.",
        "info",
    ),
    "none": ("Vous ne souteniez pas directement cette proposition.", "info"),
}


@bp.app_template_global()
def proposal_support_state(proposal_id: int):
    """How the current user counts for a proposal (None when anonymous); used by the proposal page."""
    return proposal_life.support_state(proposal_id, current_user)


@bp.app_template_global()
def proposal_choices() -> dict:
    return {"priorities": ProposalPriority.choices(), "statuses": ProposalStatus.choices()}


@bp.post("/propositions/<int:proposal_id>/soutien")
@role_required(Role.PARTICIPANT)
@limiter.limit("200 per hour", key_func=user_or_address)
def support_proposal(proposal_id):
    form = SupportForm()
    if form.validate_on_submit():
        try:
            if form.retirer.data:
                outcome = proposal_life.withdraw(proposal_id, user=current_user)
            else:
                outcome = proposal_life.support(proposal_id, user=current_user)
        except ContribError as error:
            flash(error.message, "error")
        else:
            flash(*SUPPORT_MESSAGES[outcome])
    return redirect(url_for("proposals.show", proposal_id=proposal_id, _anchor="soutenir"))


def _manage_url(slug: str, proposal_id: int) -> str:
    return url_for("proposals.manage", slug=slug, proposal_id=proposal_id, _anchor="priorisation")


@bp.post(MANAGE + "/priorite")
@role_required(Role.MODERATOR)
def set_priority(slug, proposal_id):
    form = PriorityForm()
    if form.validate_on_submit():
        try:
            proposal = proposal_life.set_priority(
                proposal_id, form.priority.data or "", moderator=current_user, expected_version=form.seen_version()
            )
        except ContribError as error:
            flash(error.message, "error")
        else:
            flash(
                f"Priorité fixée : {proposal.priority.label.lower()}. L'acte peut être annulé depuis le journal.",
                "success",
            )
    return redirect(_manage_url(slug, proposal_id))


@bp.post(MANAGE + "/statut")
@role_required(Role.MODERATOR)
def set_status(slug, proposal_id):
    form = StatusForm()
    if form.validate_on_submit():
        try:
            proposal = proposal_life.set_status(
                proposal_id,
                form.status.data or "",
                form.reason.data,
                moderator=current_user,
                expected_version=form.seen_version(),
            )
        except ContribError as error:
            flash(error.message, "error")
        else:
            flash(
                f"Statut : {proposal.status.label.lower()}. Les auteurs des contributions sources sont prévenus ; "
                "l'acte peut être annulé depuis le journal.",
                "success",
            )
    return redirect(_manage_url(slug, proposal_id))


@bp.get("/demarches/<slug>/propositions")
def ranked(slug):
    process = processes.get_by_slug(slug)
    return render_template(
        "prioritisation/ranked.html",
        process=process,
        rows=ranking.rank_proposals([process.id]),
        sessions=plenary.sessions_of(process.id, include_cancelled=False),
    )


@bp.get("/demarches/<slug>/resultats")
def results_page(slug):
    process = processes.get_by_slug(slug)
    return render_template("prioritisation/results.html", process=process, results=results.process_results(process))


# --- plenary sessions --------------------------------------------------------------------------


def _render_sessions(process, form: SessionForm, status: int = 200):
    form.proposal_ids.choices = [(p.id, f"n° {p.id} · {p.title}") for p in plenary.candidates(process.id)]
    return render_template(
        "prioritisation/sessions.html",
        process=process,
        form=form,
        sessions=plenary.sessions_of(process.id),
        close_form=CloseForm(formdata=None),
    ), status


@bp.route("/moderation/demarches/<slug>/plenieres", methods=["GET", "POST"])
@role_required(Role.MODERATOR)
def sessions(slug):
    process = processes.get_by_slug(slug)
    if request.method == "GET":
        return _render_sessions(process, SessionForm(formdata=None))
    return act_or_rerender(
        SessionForm(),
        lambda form: plenary.create_session(
            process.id,
            form.title.data,
            form.mode.data or "",
            form.proposal_ids.data or [],
            moderator=current_user,
            n_points=form.n_points.data,
        ),
        page=lambda form, status: _render_sessions(process, form, status),
        success="Séance ouverte : projetez la page de projection et donnez l'adresse de vote à la salle.",
        redirect_to=lambda session: url_for(".sessions", slug=process.slug, _anchor=f"seance-{session.id}"),
        refused=(ContribError,),
    )


@bp.post("/plenieres/<int:session_id>/cloturer")
@role_required(Role.MODERATOR)
def close(session_id):
    session = plenary.get_session(session_id)
    return run_act(
        CloseForm(),
        lambda form: plenary.close_session(session.id, moderator=current_user, expected_version=form.seen_version()),
        success="Vote clos : le classement est figé. L'acte peut être annulé depuis le journal.",
        redirect_to=url_for(".sessions", slug=session.process.slug, _anchor=f"seance-{session.id}"),
    )


# --- voting: a logged-in account or a ballot card held by this browser ---------------------------

# Only wrong codes count (a room of 60 scanning cards on one Wi-Fi never meets the limit).
CARD_FAILURES_PER_ADDRESS = "100 per 15 minutes"
CARD_LOCKED_MESSAGE = (
    "Trop de codes erronés depuis ce réseau. Patientez 15 minutes ou connectez-vous avec votre compte."
)


@bp.errorhandler(429)
def too_many_requests(error):
    return render_error(429, error.description if isinstance(error.description, str) else None)


def _held_card(session_id: int):
    """The ballot card this browser scanned for the session, or None."""
    return cards.card_of((cookie.get("cartes") or {}).get(str(session_id)), session_id)


def _voter_key() -> str:
    """Rate-limit key for votes: the card, else the account, else the address."""
    card_id = (cookie.get("cartes") or {}).get(str((request.view_args or {}).get("session_id")))
    return f"card:{card_id}" if card_id else user_or_address()


def _failed(response) -> bool:
    return response.status_code in {400, 404}


def _hold(card) -> None:
    cookie["cartes"] = {**(cookie.get("cartes") or {}), str(card.session_id): card.id}


def _render_vote(session, card, *, ballot=None, status: int = 200, code_form=None, error: InvalidInput | None = None):
    voter = {"card": card} if card is not None else {"user": current_user}
    may_vote = card is not None or current_user.is_authenticated
    pair = None
    skip = query_id("passer") or 0  # the pairs passed so far ("une autre paire")
    if may_vote and session.mode == SessionMode.PAIRWISE and session.is_open:
        pair = votes.next_pair(session, skip=skip, **voter)
    return render_template(
        "prioritisation/vote.html",
        session=session,
        card=card,
        may_vote=may_vote,
        form=SupportForm(formdata=None),
        code_form=code_form or CardCodeForm(formdata=None),
        skip=skip,
        ballot=votes.ballot_of(session.id, **voter) if ballot is None else ballot,
        pair=pair,
        n_answered=votes.n_answered(session.id, **voter) if may_vote else 0,
        n_pairs=votes.n_pairs(session),
        error=error,
    ), status


@bp.get("/plenieres/<int:session_id>")
def vote_page(session_id):
    session = plenary.get_session(session_id)
    return _render_vote(session, _held_card(session.id))


@bp.get("/v/<int:session_id>")
def short(session_id):
    """The short address shown on the projector."""
    return redirect(url_for(".vote_page", session_id=plenary.get_session(session_id).id))


@bp.get("/c/<code>")
@limiter.limit(
    CARD_FAILURES_PER_ADDRESS, key_func=get_remote_address, deduct_when=_failed, error_message=CARD_LOCKED_MESSAGE
)
def use_card(code):
    """The address in a card's QR code: this browser now votes with the card."""
    try:
        card = cards.find(code)
    except ContribError as error:
        form = CardCodeForm(formdata=None)
        form.code.errors = [error.message]
        return render_template("prioritisation/card_code.html", code_form=form), 404
    _hold(card)
    return redirect(url_for(".vote_page", session_id=card.session_id))


@bp.route("/carte", methods=["GET", "POST"])
@limiter.limit(
    CARD_FAILURES_PER_ADDRESS,
    methods=["POST"],
    key_func=get_remote_address,
    deduct_when=_failed,
    error_message=CARD_LOCKED_MESSAGE,
)
def enter_card():
    """Type the code printed on a card (the phone has no camera, or the QR code would not scan)."""
    form = CardCodeForm()
    if form.validate_on_submit():
        try:
            card = cards.find(form.code.data)
        except ContribError as error:
            form.code.errors = [error.message]
        else:
            _hold(card)
            flash("Carte de vote reconnue : vous pouvez voter.", "success")
            return redirect(url_for(".vote_page", session_id=card.session_id))
    status = 400 if form.is_submitted() else 200
    return render_template("prioritisation/card_code.html", code_form=form), status


@bp.post("/plenieres/<int:session_id>/oublier-carte")
def forget_card(session_id):
    if SupportForm().validate_on_submit():
        cookie["cartes"] = {k: v for k, v in (cookie.get("cartes") or {}).items() if k != str(session_id)}
        flash("Cette carte n'est plus utilisée par ce téléphone.", "info")
    return redirect(url_for(".vote_page", session_id=session_id))


@bp.post("/plenieres/<int:session_id>/vote")
@limiter.limit("600 per hour", key_func=_voter_key)
def vote(session_id):
    session = plenary.get_session(session_id)
    card = _held_card(session.id)
    if card is None and not current_user.is_authenticated:
        flash("Pour voter, scannez votre carte de vote, tapez son code ou connectez-vous.", "error")
        return redirect(url_for(".vote_page", session_id=session.id))
    voter = {"card": card} if card is not None else {"user": current_user}
    if SupportForm().validate_on_submit():
        try:
            if session.mode == SessionMode.DOTS:
                votes.cast_dots(session.id, dot_points(request.form), **voter)
                flash("Votre vote est enregistré. Vous pouvez le modifier tant que le vote est ouvert.", "success")
            else:
                votes.vote_pair(
                    session.id,
                    request.form.get("winner", 0, type=int),
                    request.form.get("loser", 0, type=int),
                    **voter,
                )
        except ContribError as error:
            if session.mode == SessionMode.DOTS and isinstance(error, InvalidInput):
                # Said beside the points (or the one field at fault), as the contribution form does.
                return _render_vote(session, card, ballot=typed_points(request.form), status=400, error=error)
            flash(error.message, "error")
    return redirect(url_for(".vote_page", session_id=session.id))


# --- ballot cards (staff) ----------------------------------------------------------------------


@bp.route("/plenieres/<int:session_id>/cartes", methods=["GET", "POST"])
@role_required(Role.STAFF)
def ballot_cards(session_id):
    session = plenary.get_session(session_id)
    form = CardsForm(formdata=None) if request.method == "GET" else CardsForm()
    if form.validate_on_submit():
        try:
            codes = cards.generate(session.id, form.n_cards.data, actor=current_user)
        except ContribError as error:
            attach_error(form, error)
        else:
            sheet = [
                (cards.display_code(code), cards.qr_svg(url_for(".use_card", code=code, _external=True)))
                for code in codes
            ]
            return render_template(
                "prioritisation/card_sheet.html",
                session=session,
                sheet=sheet,
                per_page=cards.CARDS_PER_PAGE,
                entry_address=url_for(".enter_card", _external=True),
            )
    return render_template("prioritisation/cards.html", session=session, form=form, usage=cards.usage(session.id)), (
        400 if form.errors or form.form_errors else 200
    )


@bp.get("/plenieres/<int:session_id>/projection")
def projector(session_id):
    session = plenary.get_session(session_id)
    state = tally.state(session)
    short_address = url_for(".short", session_id=session.id, _external=True)
    return render_template(
        "prioritisation/projector.html",
        session=session,
        state=state,
        chart=tally.chart(session, state),
        short_address=short_address.split("://", 1)[-1],
        short_qr=cards.qr_svg(short_address),
    )


@bp.get("/plenieres/<int:session_id>/projection.json")
def projector_json(session_id):
    return tally.state(plenary.get_session(session_id))
