"""Every route × every role: who gets in, who is sent to log in, who is refused.

A route missing from EXPECTED fails the test, so no new route ships without a rule.
"""

import pytest

from contrib.duplicates import services as duplicates
from contrib.facilitation import imports
from contrib.models import Role
from contrib.participation import comments
from contrib.plaidoyer import acts as plaidoyer_acts
from contrib.plaidoyer import placement
from contrib.plaidoyer import versions as plaidoyer_versions
from contrib.prioritisation import cards, plenary
from contrib.proposals import services as proposals
from tests.conftest import finished_pdf, finished_run

ANONYMOUS = None
# Routes on a person's own object: the world's object is nobody's here, so every logged-in role is refused
# (403); the owner's access is tested with the route (tests/participation/test_editing.py).
OWNER_ONLY = {"participation.edit_contribution"}
# endpoint -> the least role that may use it (ANONYMOUS: everyone)
EXPECTED = {
    "static": ANONYMOUS,
    "main.home": ANONYMOUS,
    "main.health": ANONYMOUS,
    "main.charter": ANONYMOUS,
    "main.personal_data": ANONYMOUS,
    "main.favicon": ANONYMOUS,
    "accounts.register": ANONYMOUS,
    "accounts.login": ANONYMOUS,
    "accounts.logout": Role.PARTICIPANT,
    "accounts.forgotten_password": ANONYMOUS,
    "accounts.reset_password": ANONYMOUS,
    "accounts.account": Role.PARTICIPANT,
    "accounts.account_data": Role.PARTICIPANT,
    "accounts.delete_account": Role.PARTICIPANT,
    "accounts.confirm_email": ANONYMOUS,
    "accounts.resend_confirmation": Role.PARTICIPANT,
    "accounts.change_display_name": Role.PARTICIPANT,
    "accounts.change_password": Role.PARTICIPANT,
    "accounts.change_email": Role.PARTICIPANT,
    "accounts.confirm_email_change": ANONYMOUS,
    "main.notifications_page": Role.PARTICIPANT,
    "main.mark_notifications_read": Role.PARTICIPANT,
    "participation.show": ANONYMOUS,
    "participation.contribution": ANONYMOUS,
    "participation.new_contribution": Role.PARTICIPANT,
    "participation.my_contributions": Role.PARTICIPANT,
    "participation.edit_contribution": Role.PARTICIPANT,
    "participation.similar_json": Role.PARTICIPANT,
    "participation.support": Role.PARTICIPANT,
    "participation.comment": Role.PARTICIPANT,
    "participation.workshop_entry": Role.FACILITATOR,
    "participation.report_contribution": Role.PARTICIPANT,
    "participation.report_comment": Role.PARTICIPANT,
    "moderation.index": Role.MODERATOR,
    "moderation.journal": Role.MODERATOR,
    "moderation.undo_entry": Role.MODERATOR,
    "moderation.hide": Role.MODERATOR,
    "moderation.unhide": Role.MODERATOR,
    "moderation.queue": Role.MODERATOR,
    "moderation.restore": Role.MODERATOR,
    "moderation.keep_hidden": Role.MODERATOR,
    "admin.index": Role.STAFF,
    "admin.new_process": Role.STAFF,
    "admin.edit_process": Role.STAFF,
    "admin.add_theme": Role.STAFF,
    "admin.rename_theme": Role.STAFF,
    "admin.users": Role.STAFF,
    "admin.change_role": Role.STAFF,
    "facilitation.new_import": Role.FACILITATOR,
    "facilitation.preview": Role.FACILITATOR,
    "facilitation.progress": Role.FACILITATOR,
    "facilitation.update_mapping": Role.FACILITATOR,
    "facilitation.confirm": Role.FACILITATOR,
    "facilitation.cancel": Role.FACILITATOR,
    "facilitation.undo": Role.FACILITATOR,
    "facilitation.template": Role.FACILITATOR,
    "facilitation.batch_contributions": Role.FACILITATOR,
    "facilitation.export": ANONYMOUS,
    "duplicates.index": Role.MODERATOR,
    "duplicates.detect": Role.MODERATOR,
    "duplicates.group": Role.MODERATOR,
    "duplicates.confirm": Role.MODERATOR,
    "duplicates.dismiss": Role.MODERATOR,
    "proposals.show": ANONYMOUS,
    "proposals.moderation_list": Role.MODERATOR,
    "proposals.new": Role.MODERATOR,
    "proposals.manage": Role.MODERATOR,
    "proposals.add": Role.MODERATOR,
    "proposals.remove": Role.MODERATOR,
    "proposals.merge": Role.MODERATOR,
    "proposals.split": Role.MODERATOR,
    "proposals.edit": Role.MODERATOR,
    "clustering.index": Role.MODERATOR,
    "clustering.launch": Role.MODERATOR,
    "clustering.status": Role.MODERATOR,
    "clustering.run": Role.MODERATOR,
    "clustering.compare": Role.MODERATOR,
    "clustering.cluster": Role.MODERATOR,
    "clustering.rename": Role.MODERATOR,
    "clustering.merge": Role.MODERATOR,
    "clustering.split": Role.MODERATOR,
    "clustering.move": Role.MODERATOR,
    "clustering.pin": Role.MODERATOR,
    "clustering.exclude": Role.MODERATOR,
    "assistant.page": Role.MODERATOR,
    "assistant.generate": Role.MODERATOR,
    "assistant.stream": Role.MODERATOR,
    "assistant.job_status": Role.MODERATOR,
    "assistant.flag": Role.MODERATOR,
    "assistant.quality": Role.MODERATOR,
    "prioritisation.support_proposal": Role.PARTICIPANT,
    "prioritisation.set_priority": Role.MODERATOR,
    "prioritisation.set_status": Role.MODERATOR,
    "prioritisation.ranked": ANONYMOUS,
    "prioritisation.results_page": ANONYMOUS,
    "prioritisation.sessions": Role.MODERATOR,
    "prioritisation.close": Role.MODERATOR,
    # Voting is open to a ballot card without an account (anonymous without a card: the page asks for one).
    "prioritisation.vote_page": ANONYMOUS,
    "prioritisation.vote": ANONYMOUS,
    "prioritisation.short": ANONYMOUS,
    "prioritisation.use_card": ANONYMOUS,
    "prioritisation.enter_card": ANONYMOUS,
    "prioritisation.forget_card": ANONYMOUS,
    "prioritisation.ballot_cards": Role.STAFF,
    "prioritisation.projector": ANONYMOUS,
    "prioritisation.projector_json": ANONYMOUS,
    "plaidoyer.index": Role.STAFF,
    "plaidoyer.create": Role.STAFF,
    "plaidoyer.show": Role.STAFF,
    "plaidoyer.edit_text": Role.STAFF,
    "plaidoyer.add_section": Role.STAFF,
    "plaidoyer.rename_section": Role.STAFF,
    "plaidoyer.move_section": Role.STAFF,
    "plaidoyer.remove_section": Role.STAFF,
    "plaidoyer.add_proposal": Role.STAFF,
    "plaidoyer.move_proposal": Role.STAFF,
    "plaidoyer.remove_proposal": Role.STAFF,
    "plaidoyer.edit_proposal": Role.STAFF,
    "plaidoyer.add_from_process": Role.STAFF,
    "plaidoyer.snapshot": Role.STAFF,
    "plaidoyer.versions": Role.STAFF,
    "plaidoyer.version": Role.STAFF,
    "plaidoyer.compare": Role.STAFF,
    "plaidoyer.export": Role.STAFF,
    "plaidoyer.export_version": Role.STAFF,
    "plaidoyer.start_pdf": Role.STAFF,
    "plaidoyer.start_version_pdf": Role.STAFF,
    "plaidoyer.pdf": Role.STAFF,
    "plaidoyer.pdf_status": Role.STAFF,
    "plaidoyer.pdf_file": Role.STAFF,
}
ROLES = [ANONYMOUS, *Role]


@pytest.fixture
def world(factory):
    process = factory.process(slug="pessac")
    contribution = factory.contribution(process)
    target = factory.user(email="cible@exemple.fr")
    comment = comments.post_comment(contribution.id, "Un commentaire.", author=target)
    twins = [factory.contribution(process, text="Le même texte déposé deux fois par deux tables.") for _ in range(2)]
    duplicates.detect(process.id, actor=None)
    group_id = duplicates.pending_groups(process.id)[0].id
    assert {member.contribution_id for member in duplicates.get_group(group_id).members} == {c.id for c in twins}
    uploader = factory.user(Role.FACILITATOR)
    batch = imports.start_import(
        process.id, "Thématique;Texte\nMétiers;Former\n".encode(), "atelier.csv", actor=uploader
    )
    moderator = factory.user(Role.MODERATOR)
    proposal, other_proposal = (
        proposals.create_from_contributions(
            process.id,
            [factory.contribution(process).id],
            title,
            "Son texte.",
            [process.themes[0].id],
            "medium",
            moderator=moderator,
        )
        for title in ("Une proposition", "Une autre proposition")
    )
    session = plenary.create_session(
        process.id, "Plénière", "dots", [proposal.id, other_proposal.id], moderator=moderator
    )
    staff = factory.user(Role.STAFF)
    document = plaidoyer_acts.create("Plaidoyer national", actor=staff)
    section = placement.add_proposal(document.id, proposal.id, actor=staff)
    version = plaidoyer_versions.snapshot(document.id, "Première version", actor=staff)
    pdf = finished_pdf(document.id, version.id)
    run = finished_run(process, {"c1": [contribution]})
    return {
        "run_id": run.id,
        "key": "c1",
        "slug": process.slug,
        "proposal_id": proposal.id,
        "plaidoyer_id": document.id,
        "section_id": section.id,
        "version_id": version.id,
        "pdf_id": pdf.id,
        "contribution_id": contribution.id,
        "process_id": process.id,
        "theme_id": process.themes[0].id,
        "user_id": target.id,
        "filename": "css/site.css",
        "token": "jeton-invalide",
        "entry_id": 1,
        "message_id": 1,
        "index": 0,
        "batch_id": batch.id,
        "uploader": uploader,
        "file_format": "csv",
        "comment_id": comment.id,
        "session_id": session.id,
        "code": cards.generate(session.id, 1, actor=staff)[0],
        "group_id": group_id,
        "target_type": "contribution",
        "target_id": contribution.id,
    }


def test_every_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(EXPECTED), f"routes without an expected rule: {endpoints - set(EXPECTED)}"


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role.value if role else "anonymous")
def test_authorisation_matrix(app, client, factory, auth, world, role):
    """Does each role get exactly the access EXPECTED says, on every route and method?"""
    if role is not None:
        # A batch belongs to its uploader (another facilitator's is a 404, see test_idor.py).
        auth.login(world["uploader"] if role == Role.FACILITATOR else factory.user(role))
    failures = []
    for rule in app.url_map.iter_rules():
        needed = EXPECTED[rule.endpoint]
        url = rule.build({name: world[name] for name in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if rule.endpoint == "accounts.logout":
                continue  # checked below: it would end this session
            response = client.open(url, method=method)
            allowed = needed is None or (role is not None and role.includes(needed))
            if allowed and rule.endpoint in OWNER_ONLY:
                ok = response.status_code == 403
            elif allowed:
                ok = (
                    response.status_code in {200, 302, 303, 400} and "/connexion" not in (response.location or "")
                ) or (rule.endpoint.startswith("accounts.") and response.status_code == 302)
            elif role is None:
                ok = response.status_code == 302 and response.location.startswith("/connexion")
            else:
                ok = response.status_code == 403
            if not ok:
                failures.append(f"{method} {url} ({rule.endpoint}) -> {response.status_code} {response.location or ''}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role.value if role else "anonymous")
def test_logout_rule(client, factory, auth, role):
    if role is not None:
        auth.login(factory.user(role))
    response = client.post("/deconnexion")
    assert response.status_code == 302
    assert response.location.startswith("/connexion") == (role is None)


def test_moderator_cannot_change_roles(client, factory, auth, world):
    """A moderator posting to a staff action is refused and nothing changes."""
    auth.login(factory.user(Role.MODERATOR))
    response = client.post(f"/admin/utilisateurs/{world['user_id']}/role", data={"role": "staff"})
    assert response.status_code == 403
    from contrib.extensions import db
    from contrib.models import User

    assert db.session.get(User, world["user_id"]).role == Role.PARTICIPANT
