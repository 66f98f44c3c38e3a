"""Trust in accounts: e-mail confirmation before acts count, reports of new accounts, sessions that end,
no account enumeration, login limits that count failures, names that cannot pass for the team, erasure."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from contrib.accounts import links, registration
from contrib.extensions import db
from contrib.models import Contribution, Report, Role, User
from contrib.models.base import utcnow
from contrib.moderation import reports
from contrib.participation import comments, supports
from contrib.prioritisation import plenary, proposal_life, ranking, tally, votes
from contrib.proposals import services as proposals
from tests.conftest import PASSWORD, Factory, make_app
from tests.notifications.test_notifications import decoded, mail_app, smtp_server  # noqa: F401  (fixtures)

NEW_PASSWORD = "un-autre-mot-de-passe"


def register(client, email="nadia@exemple.fr", name="Nadia B.", password="un-mot-de-passe"):
    return client.post(
        "/inscription",
        data={
            "display_name": name,
            "email": email,
            "password": password,
            "actor_type": "trainer",
            "organisation": "",
            "consent": "y",
        },
    )


def confirmation_link(smtp_server, email: str) -> str:
    raw = [raw for recipients, raw in smtp_server.messages if email in recipients and "Confirmez" in raw][-1]
    return re.search(r"http://contrib\.test(/confirmer/\S+)", decoded(raw)).group(1)


def unconfirmed(factory: Factory, **overrides) -> User:
    return factory.user(email_confirmed_at=None, **overrides)


# --- 1. supports, reports and votes count once the address is confirmed -------------------------------


def test_unconfirmed_acts_are_recorded_not_counted_until_the_link_is_opened(mail_app, smtp_server):
    """Supports (contribution, proposal), reports and plenary points of a new account count only after confirmation."""
    factory = Factory()
    process = factory.process()
    moderator = factory.user(Role.MODERATOR)
    target = factory.contribution(process, author_id=factory.user().id, text="Une idée à soutenir.")
    merged = factory.contribution(process, author_id=factory.user().id, text="Une idée devenue proposition.")
    proposal = proposals.create_from_contributions(
        process.id,
        [merged.id],
        "Former les formateurs",
        "Texte.",
        [process.themes[0].id],
        "medium",
        moderator=moderator,
    )
    other = proposals.create_from_contributions(
        process.id,
        [factory.contribution(process).id],
        "Autre",
        "Texte.",
        [process.themes[0].id],
        "medium",
        moderator=moderator,
    )
    session = plenary.create_session(process.id, "Plénière", "dots", [proposal.id, other.id], moderator=moderator)
    client = mail_app.test_client()
    assert register(client).status_code == 302
    newcomer = db.session.execute(db.select(User).filter_by(email="nadia@exemple.fr")).scalar_one()

    assert supports.support(target.id, user=newcomer)
    assert proposal_life.support(proposal.id, user=newcomer) == "added"
    votes.cast_dots(session.id, {proposal.id: 10}, user=newcomer)
    db.session.refresh(target)
    assert target.n_supports == 0  # recorded, not counted
    assert proposals.n_supporters(proposal.id) == 0
    assert [row.n_supporters for row in ranking.rank_proposals([process.id]) if row.proposal.id == proposal.id] == [0]
    assert tally.state(session)["n_voters"] == 0 and tally.state(session)["ranking"][0]["value"] == 0
    assert supports.has_supported(target.id, newcomer)  # the person sees their own support

    response = client.get(confirmation_link(smtp_server, "nadia@exemple.fr"))
    assert response.status_code == 302
    assert "votre adresse est confirmée" in client.get("/").text
    db.session.expire_all()
    assert db.session.get(Contribution, target.id).n_supports == 1
    assert proposals.n_supporters(proposal.id) == 1
    state = tally.state(db.session.get(type(session), session.id))
    assert state["n_voters"] == 1 and state["ranking"][0]["value"] == 10
    # A second use of the link changes nothing.
    client.get(confirmation_link(smtp_server, "nadia@exemple.fr"))
    assert db.session.get(Contribution, target.id).n_supports == 1


def test_withdrawing_an_uncounted_support_leaves_the_counter_alone(app, factory):
    process = factory.process()
    contribution = factory.contribution(process)
    confirmed, newcomer = factory.user(), unconfirmed(factory)
    supports.support(contribution.id, user=confirmed)
    supports.support(contribution.id, user=newcomer)
    supports.withdraw(contribution.id, user=newcomer)
    db.session.refresh(contribution)
    assert contribution.n_supports == 1


def test_a_forged_or_foreign_confirmation_link_is_refused(client, factory):
    newcomer = unconfirmed(factory)
    with client.application.test_request_context():
        token = links._confirm_serializer().dumps({"id": newcomer.id, "e": "autre@exemple.fr"})
    for path in (f"/confirmer/{token}", "/confirmer/pas-un-jeton"):
        response = client.get(path)
        assert response.status_code == 400 and "lien de confirmation n&#39;est plus valable" in response.text
    db.session.refresh(newcomer)
    assert newcomer.email_confirmed_at is None


def test_accounts_created_by_staff_and_demo_accounts_are_confirmed(app):
    from contrib.demo import DEMO_ACCOUNTS, load_demo

    staff_made = registration.create_user("karim@exemple.fr", "Karim", "un-mot-de-passe", role=Role.FACILITATOR)
    assert staff_made.is_confirmed
    load_demo()
    demo = db.session.scalars(db.select(User).where(User.email.like("%@demo.contrib.fr"))).all()
    assert len(demo) > len(DEMO_ACCOUNTS) and all(user.is_confirmed for user in demo)


def test_banner_and_throttled_resend(mail_app, smtp_server):
    app = make_app(
        mail_app.config["SQLALCHEMY_DATABASE_URI"],
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp_server.port,
        SMTP_STARTTLS=False,
        PUBLIC_URL="http://contrib.test",
        RATELIMIT_ENABLED=True,
    )
    app.extensions["tasks"].huey.immediate = True  # mail goes through the queue (see mail_app)
    client = app.test_client()
    register(client)
    client.post("/connexion", data={"email": "nadia@exemple.fr", "password": "un-mot-de-passe"})
    page = client.get("/").text
    assert "Confirmez votre adresse e-mail pour que vos soutiens et votes comptent" in page
    assert "Renvoyer le lien" in page
    statuses = [client.post("/mon-compte/confirmation", data={"retour": "/"}).status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert "Un lien vient déjà de vous être envoyé" in client.post("/mon-compte/confirmation").text
    assert len([raw for _, raw in smtp_server.messages if "Confirmez" in raw]) == 4  # registration + 3
    client.get(confirmation_link(smtp_server, "nadia@exemple.fr").split()[0])
    assert "Confirmez votre adresse" not in client.get("/").text


# --- reports of young accounts and bursts queue, they do not hide ---------------------------------------


def _reported(factory):
    process = factory.process()
    contribution = factory.contribution(process, author_id=factory.user().id, text="Un texte signalé.")
    return contribution


@pytest.mark.parametrize("kind", ["unconfirmed", "young", "burst"])
def test_reports_from_new_accounts_queue_the_target_without_hiding_it(client, factory, auth, kind):
    """Three reports from unconfirmed, day-old or same-hour accounts leave the content visible, in the queue."""
    contribution = _reported(factory)
    now = utcnow()
    for n in range(3):
        if kind == "unconfirmed":
            reporter = unconfirmed(factory)
        elif kind == "young":
            reporter = factory.user(created_at=now - timedelta(hours=20))
        else:  # confirmed, three days old, all created within the same hour
            reporter = factory.user(created_at=now - timedelta(days=3, minutes=10 * n))
        outcome = reports.report("contribution", contribution.id, "spam", None, reporter=reporter)
        assert not outcome.hidden
    db.session.refresh(contribution)
    assert not contribution.is_hidden
    assert "Un texte signalé." in client.get(f"/demarches/{contribution.process.slug}").text
    auth.login(factory.user(Role.MODERATOR))
    queue = client.get("/moderation/signalements").text
    assert f"Contribution n° {contribution.id} · 3 signalements" in queue


def test_reports_from_older_confirmed_accounts_still_hide(app, factory):
    """Control: the same three reports from confirmed accounts a month old, created days apart, hide."""
    contribution = _reported(factory)
    now = utcnow()
    outcomes = [
        reports.report(
            "contribution",
            contribution.id,
            "spam",
            None,
            reporter=factory.user(created_at=now - timedelta(days=30 + n)),
        )
        for n in range(3)
    ]
    assert [o.hidden for o in outcomes] == [False, False, True]


def test_confirmation_reweighs_the_reports_already_made(mail_app, smtp_server):
    """A month-old account confirming late: its open report now counts, and the third report hides."""
    factory = Factory()
    contribution = _reported(factory)
    late = factory.user(email="tardive@exemple.fr", email_confirmed_at=None)
    for reporter in (factory.user(), factory.user(created_at=utcnow() - timedelta(days=60)), late):
        reports.report("contribution", contribution.id, "spam", None, reporter=reporter)
    db.session.refresh(contribution)
    assert not contribution.is_hidden
    with mail_app.test_request_context():
        links.send_confirmation(late)
    mail_app.test_client().get(confirmation_link(smtp_server, "tardive@exemple.fr"))
    db.session.expire_all()
    assert db.session.get(Contribution, contribution.id).is_hidden


def test_report_age_is_a_setting(migrated_database):
    app = make_app(migrated_database, REPORTER_MIN_AGE_HOURS=1)
    with app.app_context():
        from tests.conftest import _empty_all_tables

        try:
            factory = Factory()
            contribution = _reported(factory)
            outcomes = [
                reports.report(
                    "contribution",
                    contribution.id,
                    "spam",
                    None,
                    reporter=factory.user(created_at=utcnow() - timedelta(hours=2 + 20 * n)),
                )
                for n in range(3)
            ]
            assert outcomes[-1].hidden
        finally:
            db.session.remove()
            _empty_all_tables()


# --- 2. logout, password change and reset end earlier sessions -------------------------------------------


@pytest.fixture
def web(app):
    """A second app on the same database whose requests each get their own context (no ``g`` carried over)."""
    return make_app(app.config["SQLALCHEMY_DATABASE_URI"])


def _login(web, user, password=PASSWORD):
    client = web.test_client()
    assert client.post("/connexion", data={"email": user.email, "password": password}).status_code == 302
    return client


def _replay(web, cookie: str):
    """What a thief holding ``cookie`` opens: the account page and the personal data."""
    thief = web.test_client()
    thief.set_cookie("session", cookie)
    return thief.get("/mon-compte").status_code, thief.get("/mon-compte/donnees.json").status_code


def test_a_cookie_saved_before_logout_no_longer_opens_the_account(web, factory):
    client = _login(web, factory.user())
    saved = client.get_cookie("session").value
    assert _replay(web, saved) == (200, 200)  # control: the saved cookie works while the session lives
    client.post("/deconnexion")
    assert _replay(web, saved) == (302, 302)


def test_password_change_ends_other_sessions_and_keeps_this_one(web, factory):
    user = factory.user()
    client, other_device = _login(web, user), _login(web, user)
    saved = other_device.get_cookie("session").value
    assert _replay(web, saved) == (200, 200)
    response = client.post(
        "/mon-compte/mot-de-passe", data={"mdp-current_password": PASSWORD, "mdp-new_password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/mon-compte").status_code == 200
    assert _replay(web, saved) == (302, 302)
    assert other_device.get("/mon-compte").status_code == 302
    wrong = client.post(
        "/mon-compte/mot-de-passe",
        data={"mdp-current_password": "pas-le-bon-mot", "mdp-new_password": "encore-un-autre"},
    )
    assert wrong.status_code == 400 and "Mot de passe actuel incorrect" in wrong.text


def test_password_reset_ends_every_session(web, factory):
    user = factory.user()
    client = _login(web, user)
    saved = client.get_cookie("session").value
    assert _replay(web, saved) == (200, 200)
    with web.test_request_context():
        token = links.password_reset_token(user)
    assert web.test_client().post(f"/mot-de-passe/{token}", data={"password": NEW_PASSWORD}).status_code == 302
    assert _replay(web, saved) == (302, 302)
    assert client.get("/mon-compte").status_code == 302
    _login(web, user, NEW_PASSWORD)


# --- 3. registration never tells whether an address has an account ------------------------------------


def test_registration_answers_the_same_for_a_taken_address_and_warns_its_owner(mail_app, smtp_server):
    factory = Factory()
    owner = factory.user(email="nadia@exemple.fr", display_name="Nadia")
    fresh, taken = mail_app.test_client(), mail_app.test_client()
    new_response = register(fresh, email="nouvelle@exemple.fr")
    taken_response = register(taken, email="Nadia@Exemple.fr", name="Quelqu'un d'autre")
    assert (new_response.status_code, new_response.location) == (taken_response.status_code, taken_response.location)
    assert new_response.get_data() == taken_response.get_data()
    assert fresh.get("/connexion").text == taken.get("/connexion").text
    assert db.session.scalar(db.select(db.func.count(User.id)).where(User.email == "nadia@exemple.fr")) == 1
    db.session.refresh(owner)
    assert owner.display_name == "Nadia"
    [(_, warning)] = [(r, raw) for r, raw in smtp_server.messages if r == ["nadia@exemple.fr"]]
    body = decoded(warning)
    assert "Quelqu'un a tenté de créer un compte" in body and "/mot-de-passe-oublie" in body
    assert any(r == ["nouvelle@exemple.fr"] for r, _ in smtp_server.messages)


# --- 4. login limits count failures, per account and per address ---------------------------------------


@pytest.fixture
def limited_app(migrated_database):
    """Build an app with rate limits on (each has its own in-memory counters); empty the tables after."""
    from tests.conftest import _empty_all_tables

    built = []

    def build(**overrides):
        built.append(make_app(migrated_database, RATELIMIT_ENABLED=True, **overrides))
        return built[-1]

    yield build
    with built[0].app_context():
        db.session.remove()
        _empty_all_tables()


@pytest.mark.once
def test_a_room_of_sixty_logs_in_from_one_address(limited_app):
    app = limited_app()
    with app.app_context():
        factory = Factory()
        emails = [factory.user().email for _ in range(60)]
    for email in emails:
        client = app.test_client()
        response = client.post("/connexion", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, response.text


def test_eleven_wrong_passwords_lock_that_account_only(limited_app):
    app = limited_app()
    with app.app_context():
        factory = Factory()
        target, neighbour = factory.user(), factory.user()
        target_email, neighbour_email = target.email, neighbour.email
    client = app.test_client()
    statuses = [
        client.post("/connexion", data={"email": target_email.upper(), "password": "mauvais-mot-de-passe"}).status_code
        for _ in range(10)
    ]
    assert statuses == [400] * 10
    locked = client.post("/connexion", data={"email": target_email, "password": PASSWORD})
    assert locked.status_code == 429
    assert "Trop de tentatives de connexion manquées pour ce compte" in locked.text
    assert client.post("/connexion", data={"email": neighbour_email, "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize("hops", [0, 1])
def test_the_address_limit_follows_the_trusted_proxy_hops(limited_app, hops):
    app = limited_app(PROXY_HOPS=hops, LOGIN_FAILURES_PER_ADDRESS="5 per 15 minutes")  # the mechanism, not the budget
    client = app.test_client()

    def fail(forwarded_for, n):
        return [
            client.post(
                "/connexion",
                data={"email": f"x{i}@exemple.fr", "password": "mauvais-mot"},
                headers={"X-Forwarded-For": forwarded_for},
            ).status_code
            for i in range(n)
        ]

    assert set(fail("203.0.113.7", 5)) == {400}
    blocked = fail("203.0.113.7", 1)
    assert blocked == [429]
    other = fail("198.51.100.9", 1)
    # Behind one trusted proxy the forwarded address is the client: another one is not blocked.
    # Without trusted proxies the header is ignored: everything comes from the same socket address.
    assert other == ([400] if hops == 1 else [429])


def test_registration_is_throttled_per_address(limited_app):
    app = limited_app(REGISTRATION_LIMIT="3 per hour")
    client = app.test_client()
    statuses = [register(client, email=f"r{n}@exemple.fr").status_code for n in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert "Trop de comptes créés depuis ce réseau" in register(client, email="r9@exemple.fr").text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 3


# --- 5. names that pass for the organisation, and role badges ------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Équipe CPOF",
        "equipe cpof",
        "C.P.O.F",
        "Modération",
        "MODERATEUR",
        "Modératrice",
        "Administrateur",
        "admin",
        "Sophie (CPOF)",
        "Sophie  Modératrice",
    ],
)
def test_names_imitating_the_team_are_refused_at_registration(client, factory, name):
    factory.user(Role.MODERATOR, display_name="Sophie Modératrice")
    response = register(client, name=name)
    assert response.status_code == 400 and "ce nom est réservé" in response.text
    assert db.session.scalar(db.select(db.func.count(User.id))) == 1


def test_a_staff_members_name_is_refused_but_ordinary_names_pass(client, factory):
    factory.user(Role.STAFF, display_name="Hélène Martin")
    assert register(client, name="helene  MARTIN!").status_code == 400
    assert register(client, name="Hélène Martinez", email="hm@exemple.fr").status_code == 302
    assert register(client, name="Club de badminton", email="cb@exemple.fr").status_code == 302


def test_profile_change_and_staff_creation_follow_the_same_rule(client, factory, auth):
    user = factory.user(display_name="Jeanne")
    auth.login(user)
    response = client.post("/mon-compte/nom", data={"nom-display_name": "Équipe  cpof"})
    assert response.status_code == 400 and "ce nom est réservé" in response.text
    assert client.post("/mon-compte/nom", data={"nom-display_name": "Jeanne D."}).status_code == 302
    db.session.refresh(user)
    assert user.display_name == "Jeanne D."
    with pytest.raises(Exception, match="ce nom est réservé"):
        registration.create_user("p@exemple.fr", "Modération", "un-mot-de-passe", role=Role.PARTICIPANT)
    assert registration.create_user("s@exemple.fr", "Équipe CPOF", "un-mot-de-passe", role=Role.STAFF).is_confirmed


def test_staff_and_moderators_carry_a_badge_wherever_they_sign(client, factory):
    process = factory.process()
    staff, moderator, participant = factory.user(Role.STAFF), factory.user(Role.MODERATOR), factory.user()
    by_staff = factory.contribution(process, author_id=staff.id, text="Texte de l'équipe.")
    factory.contribution(process, author_id=participant.id, text="Texte d'un participant.")
    comments.post_comment(by_staff.id, "Réponse de la modération.", author=moderator)
    listing = client.get(f"/demarches/{process.slug}").text
    assert f'{staff.display_name} <span class="role-badge">Équipe CPOF</span>' in listing
    assert f'{participant.display_name} <span class="role-badge">' not in listing
    page = client.get(f"/contributions/{by_staff.id}").text
    assert '<span class="role-badge">Équipe CPOF</span>' in page
    assert f'{moderator.display_name} <span class="role-badge">Modération</span>' in page


# --- 6. erasure: nothing left that names the person ----------------------------------------------------


def test_deleting_an_account_leaves_no_trace_of_email_or_name_in_any_table(mail_app, smtp_server):
    factory = Factory()
    process = factory.process()
    client = mail_app.test_client()
    register(client, email="zoe.efface@exemple.fr", name="Zoé Effacée-Unique")
    client.get(confirmation_link(smtp_server, "zoe.efface@exemple.fr"))
    client.post("/connexion", data={"email": "zoe.efface@exemple.fr", "password": "un-mot-de-passe"})
    zoe = db.session.execute(db.select(User).filter_by(email="zoe.efface@exemple.fr")).scalar_one()
    other = factory.user()
    theirs = factory.contribution(process, author_id=other.id, text="La contribution d'une autre personne.")
    mine = factory.contribution(process, author_id=zoe.id, text="Ma contribution reste.")
    comments.post_comment(theirs.id, "Mon commentaire.", author=zoe)  # tells the other person "Zoé … a commenté"
    supports.support(theirs.id, user=zoe)
    reports.report("contribution", theirs.id, "spam", None, reporter=zoe)
    response = client.post("/mon-compte/supprimer", data={"password": "un-mot-de-passe"})
    assert response.status_code == 302

    hits = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()).mappings():
            for column, value in row.items():
                text = str(value)
                if (
                    "zoe.efface" in text.casefold()
                    or "effacée-unique" in text.casefold()
                    or "effac\\u00e9e" in text.casefold()
                ):
                    hits.append((table.name, column, text[:80]))
    assert hits == []
    assert db.session.get(Contribution, mine.id).text == "Ma contribution reste."
    assert db.session.scalar(db.select(db.func.count(Report.id))) == 1
