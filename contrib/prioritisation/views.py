"""Prioritisation pages: support a proposal, set its priority and status, ranked list, plenary sessions, results."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from contrib.core.errors import ContribError, InvalidInput
from contrib.core.forms import attach_error
from contrib.core.ids import parse_id, query_id
from contrib.core.permissions import role_required
from contrib.core.views import run_act
from contrib.extensions import limiter, user_or_address
from contrib.models import ProposalPriority, ProposalStatus, Role, SessionMode
from contrib.prioritisation import plenary, proposal_life, ranking, results
from contrib.prioritisation.forms import CloseForm, PriorityForm, SessionForm, StatusForm, SupportForm
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
    form = SessionForm()
    if form.validate_on_submit():
        try:
            session = plenary.create_session(
                process.id,
                form.title.data,
                form.mode.data or "",
                form.proposal_ids.data or [],
                moderator=current_user,
                n_points=form.n_points.data,
            )
        except ContribError as error:
            attach_error(form, error)
        else:
            flash("Séance ouverte : projetez la page de projection et donnez l'adresse de vote à la salle.", "success")
            return redirect(url_for(".sessions", slug=process.slug, _anchor=f"seance-{session.id}"))
    return _render_sessions(process, form, 400)


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


@bp.get("/plenieres/<int:session_id>")
@role_required(Role.PARTICIPANT)
def vote_page(session_id):
    session = plenary.get_session(session_id)
    pair = None
    skip = query_id("passer") or 0  # the pairs passed so far ("une autre paire")
    if session.mode == SessionMode.PAIRWISE and session.is_open:
        pair = plenary.next_pair(session, current_user, skip=skip)
    return render_template(
        "prioritisation/vote.html",
        session=session,
        form=SupportForm(formdata=None),
        skip=skip,
        ballot=plenary.ballot_of(session.id, current_user),
        pair=pair,
        n_answered=plenary.n_answered(session.id, current_user),
    )


def _points(form) -> dict[int, int]:
    """{proposal id: points} from the ``points-<id>`` fields; empty fields are 0."""
    allocation = {}
    for name, value in form.items():
        if name.startswith("points-") and parse_id(name[7:]) is not None:
            value = value.strip()
            if value and parse_id(value) is None:
                raise InvalidInput("Les points sont des nombres entiers positifs.")
            allocation[parse_id(name[7:])] = parse_id(value) or 0
    return allocation


@bp.post("/plenieres/<int:session_id>/vote")
@role_required(Role.PARTICIPANT)
@limiter.limit("600 per hour", key_func=user_or_address)
def vote(session_id):
    session = plenary.get_session(session_id)
    if SupportForm().validate_on_submit():
        try:
            if session.mode == SessionMode.DOTS:
                plenary.cast_dots(session.id, _points(request.form), user=current_user)
                flash("Votre vote est enregistré. Vous pouvez le modifier tant que le vote est ouvert.", "success")
            else:
                plenary.vote_pair(
                    session.id,
                    request.form.get("winner", 0, type=int),
                    request.form.get("loser", 0, type=int),
                    user=current_user,
                )
        except ContribError as error:
            flash(error.message, "error")
    return redirect(url_for(".vote_page", session_id=session.id))


@bp.get("/plenieres/<int:session_id>/projection")
def projector(session_id):
    session = plenary.get_session(session_id)
    state = plenary.state(session)
    return render_template(
        "prioritisation/projector.html", session=session, state=state, chart=plenary.chart(session, state)
    )


@bp.get("/plenieres/<int:session_id>/projection.json")
def projector_json(session_id):
    return plenary.state(plenary.get_session(session_id))
