"""Reports (signalements): threshold hiding, moderation queue, nothing deleted, real outcomes."""

import pytest

from contrib.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from contrib.extensions import db
from contrib.models import AuditEntry, Comment, Contribution, Notification, Report, ReportDecision, Role
from contrib.moderation import report_queue, reports
from contrib.moderation.reports import AUTO_HIDDEN_REASON
from contrib.participation import comments


def _actions():
    return [a for (a,) in db.session.execute(db.select(AuditEntry.action).order_by(AuditEntry.id))]


def _report_n(factory, target_type, target_id, n, reason="spam"):
    return [reports.report(target_type, target_id, reason, None, reporter=factory.user()) for _ in range(n)]


@pytest.fixture
def reported(factory):
    author = factory.user(display_name="Autrice")
    process = factory.process()
    contribution = factory.contribution(process, author_id=author.id, text="Achetez nos formations !")
    return author, process, contribution


def test_threshold_hides_and_not_before(app, factory, reported):
    author, _, contribution = reported
    assert app.config["REPORTS_TO_HIDE"] == 3
    outcomes = _report_n(factory, "contribution", contribution.id, 2)
    db.session.refresh(contribution)
    assert not contribution.is_hidden and not any(o.hidden for o in outcomes)
    assert db.session.execute(db.select(Notification)).first() is None
    third = reports.report("contribution", contribution.id, "abusive", "Insultant.", reporter=factory.user())
    assert third.hidden
    db.session.refresh(contribution)
    assert contribution.is_hidden and contribution.hidden_reason == AUTO_HIDDEN_REASON
    # Nothing deleted: the row and its reports are still there.
    assert db.session.get(Contribution, contribution.id).text == "Achetez nos formations !"
    assert db.session.execute(db.select(db.func.count(Report.id))).scalar() == 3
    assert "reports:contribution:auto_hide" in _actions()
    notification = db.session.execute(db.select(Notification)).scalar_one()
    assert notification.user_id == author.id and notification.kind == "hidden"
    assert "en attente de modération" in notification.message
    # A hidden contribution cannot be reported any more.
    with pytest.raises(NotFound):
        reports.report("contribution", contribution.id, "spam", None, reporter=factory.user())


def test_threshold_is_configurable(factory, migrated_database):
    from tests.conftest import make_app

    app = make_app(migrated_database, REPORTS_TO_HIDE=1)
    with app.app_context():
        try:
            contribution = factory.contribution(factory.process())
            assert reports.report("contribution", contribution.id, "spam", None, reporter=factory.user()).hidden
        finally:
            db.session.remove()


def test_duplicate_and_own_reports_are_refused(factory, reported):
    author, _, contribution = reported
    reporter = factory.user()
    reports.report("contribution", contribution.id, "spam", None, reporter=reporter)
    with pytest.raises(Conflict, match="déjà signalé"):
        reports.report("contribution", contribution.id, "duplicate", None, reporter=reporter)
    with pytest.raises(NotAllowed, match="propre contribution"):
        reports.report("contribution", contribution.id, "spam", None, reporter=author)
    assert db.session.execute(db.select(db.func.count(Report.id))).scalar() == 1


@pytest.mark.parametrize(
    ("reason", "details", "message"),
    [
        ("", None, "choisissez un motif"),
        ("n_importe_quoi", None, "choisissez un motif"),
        ("spam", "<script>alert(1)</script>", "balises HTML"),
        ("spam", "x" * 501, "maximum 500"),
        ("other", "   ", "Autre"),
    ],
)
def test_bad_reason_or_details_are_refused(factory, reported, reason, details, message):
    _, _, contribution = reported
    with pytest.raises(InvalidInput, match=message):
        reports.report("contribution", contribution.id, reason, details, reporter=factory.user())
    assert db.session.execute(db.select(Report)).first() is None


def test_restore_closes_reports_and_old_reports_do_not_hide_again(factory, reported):
    _, _, contribution = reported
    reporters = [factory.user() for _ in range(3)]
    for reporter in reporters:
        reports.report("contribution", contribution.id, "off_topic", None, reporter=reporter)
    moderator = factory.user(Role.MODERATOR)
    assert [item.target.id for item in report_queue.moderation_queue()] == [contribution.id]
    assert report_queue.restore("contribution", contribution.id, moderator=moderator) == 3
    db.session.refresh(contribution)
    assert not contribution.is_hidden
    decisions = set(db.session.execute(db.select(Report.decision, Report.resolved_by_id)).all())
    assert decisions == {(ReportDecision.RESTORED, moderator.id)}
    assert report_queue.moderation_queue() == []
    entry = db.session.execute(db.select(AuditEntry).filter_by(action="reports:contribution:restore")).scalar_one()
    assert entry.actor_id == moderator.id and entry.before["hidden"] is True and entry.after["hidden"] is False
    # One new report after the decision: the three old ones no longer count.
    assert not reports.report("contribution", contribution.id, "spam", None, reporter=reporters[0]).hidden
    db.session.refresh(contribution)
    assert not contribution.is_hidden
    # ...but three new ones do.
    _report_n(factory, "contribution", contribution.id, 2)
    db.session.refresh(contribution)
    assert contribution.is_hidden


def test_keep_hidden_hides_visible_content_and_is_audited(factory, reported):
    author, _, contribution = reported
    reports.report("contribution", contribution.id, "personal_data", "Un numéro de téléphone.", reporter=factory.user())
    moderator = factory.user(Role.MODERATOR)
    item = report_queue.moderation_queue()[0]
    assert item.reasons == [("Données personnelles", 1)] and item.reports[0].details == "Un numéro de téléphone."
    assert report_queue.keep_hidden("contribution", contribution.id, moderator=moderator) == 1
    db.session.refresh(contribution)
    assert contribution.is_hidden and contribution.hidden_by_id == moderator.id
    assert db.session.execute(db.select(Report.decision)).scalar_one() == ReportDecision.KEPT_HIDDEN
    entry = db.session.execute(db.select(AuditEntry).filter_by(action="reports:contribution:keep_hidden")).scalar_one()
    assert entry.before["hidden"] is False and entry.after["hidden"] is True
    assert db.session.execute(db.select(Notification.user_id)).scalar_one() == author.id
    # Already decided: a second decision finds nothing open.
    with pytest.raises(Conflict):
        report_queue.restore("contribution", contribution.id, moderator=moderator)


def test_only_moderators_decide(factory, reported):
    _, _, contribution = reported
    _report_n(factory, "contribution", contribution.id, 3)
    for role in (Role.PARTICIPANT, Role.FACILITATOR):
        with pytest.raises(NotAllowed):
            report_queue.restore("contribution", contribution.id, moderator=factory.user(role))
    db.session.refresh(contribution)
    assert contribution.is_hidden
    assert not any(a.endswith(":restore") for a in _actions())


def test_restore_leaves_other_hidings_alone(factory, reported):
    _, _, contribution = reported
    reports.report("contribution", contribution.id, "spam", None, reporter=factory.user())
    contribution.hidden_at, contribution.hidden_reason = db.func.now(), "import annulé"
    db.session.commit()
    with pytest.raises(NotAllowed, match="autre raison"):
        report_queue.restore("contribution", contribution.id, moderator=factory.user(Role.MODERATOR))
    db.session.refresh(contribution)
    assert contribution.hidden_reason == "import annulé"


def test_comment_reports(factory, reported):
    _, _, contribution = reported
    commenter = factory.user()
    comment = comments.post_comment(contribution.id, "Propos déplacés.", author=commenter)
    with pytest.raises(NotAllowed, match="propre commentaire"):
        reports.report("comment", comment.id, "abusive", None, reporter=commenter)
    outcomes = _report_n(factory, "comment", comment.id, 3, reason="abusive")
    assert outcomes[-1].hidden and outcomes[-1].contribution.id == contribution.id
    db.session.refresh(comment)
    assert comment.is_hidden and comment.hidden_reason == AUTO_HIDDEN_REASON
    assert comments.threads_of(contribution.id) == []
    assert db.session.get(Comment, comment.id) is not None
    notification = db.session.execute(
        db.select(Notification).filter_by(user_id=commenter.id, kind="hidden")
    ).scalar_one()
    assert "Votre commentaire" in notification.message
    db.session.refresh(contribution)
    assert not contribution.is_hidden
    item = report_queue.moderation_queue()[0]
    assert item.target_type == "comment" and item.reasons == [("Propos injurieux ou discriminant", 3)]
    report_queue.restore("comment", comment.id, moderator=factory.user(Role.MODERATOR))
    assert [t.comment.id for t in comments.threads_of(contribution.id)] == [comment.id]


def test_queue_orders_most_reported_first(factory, reported):
    _, process, contribution = reported
    other = factory.contribution(process)
    _report_n(factory, "contribution", other.id, 1)
    _report_n(factory, "contribution", contribution.id, 2)
    assert [(i.target.id, i.n_reports) for i in report_queue.moderation_queue()] == [
        (contribution.id, 2),
        (other.id, 1),
    ]


class TestPages:
    def test_report_form_and_duplicate_message(self, client, factory, auth, reported):
        _, _, contribution = reported
        auth.login(factory.user())
        html = client.get(f"/contributions/{contribution.id}").text
        assert "<summary>Signaler" in html and 'name="reason"' in html and "Propos injurieux ou discriminant" in html
        response = client.post(f"/contributions/{contribution.id}/signaler", data={"reason": "spam"})
        assert response.status_code == 302
        assert "transmis à la modération" in client.get(response.location).text
        response = client.post(
            f"/contributions/{contribution.id}/signaler", data={"reason": "spam"}, follow_redirects=True
        )
        assert response.status_code == 200 and "Vous avez déjà signalé cet élément" in response.text
        assert db.session.execute(db.select(db.func.count(Report.id))).scalar() == 1

    def test_bad_details_are_shown_with_an_error_summary(self, client, factory, auth, reported):
        _, _, contribution = reported
        auth.login(factory.user())
        response = client.post(
            f"/contributions/{contribution.id}/signaler", data={"reason": "other", "details": "<b>gras</b>"}
        )
        assert response.status_code == 400
        assert "Le signalement n'a pas été enregistré" in response.text
        assert "balises HTML" in response.text and "&lt;b&gt;gras&lt;/b&gt;" in response.text
        assert '<details class="report-form" open>' in response.text
        assert db.session.execute(db.select(Report)).first() is None

    def test_own_contribution_has_no_form_and_is_refused(self, client, factory, auth, reported):
        author, _, contribution = reported
        auth.login(author)
        assert "<summary>Signaler" not in client.get(f"/contributions/{contribution.id}").text
        response = client.post(
            f"/contributions/{contribution.id}/signaler", data={"reason": "spam"}, follow_redirects=True
        )
        assert "propre contribution" in response.text
        assert db.session.execute(db.select(Report)).first() is None

    def test_third_report_hides_and_sends_back_to_the_process(self, client, factory, auth, reported):
        _, process, contribution = reported
        _report_n(factory, "contribution", contribution.id, 2)
        auth.login(factory.user())
        response = client.post(f"/contributions/{contribution.id}/signaler", data={"reason": "spam"})
        assert response.status_code == 302 and response.location == f"/demarches/{process.slug}"
        assert client.get(f"/contributions/{contribution.id}").status_code == 404

    def test_comment_report_page(self, client, factory, auth, reported):
        _, _, contribution = reported
        comment = comments.post_comment(contribution.id, "Hors sujet total.", author=factory.user())
        auth.login(factory.user())
        assert f'action="/commentaires/{comment.id}/signaler"' in client.get(f"/contributions/{contribution.id}").text
        response = client.post(f"/commentaires/{comment.id}/signaler", data={"reason": "off_topic"})
        assert response.status_code == 302 and response.location.endswith(f"#commentaire-{comment.id}")
        assert db.session.execute(db.select(Report.comment_id)).scalar_one() == comment.id

    def test_moderator_queue_and_decisions(self, client, factory, auth, reported):
        _, _, contribution = reported
        reports.report("contribution", contribution.id, "other", "Hors charte (a < b)", reporter=factory.user())
        participant = factory.user()
        auth.login(participant)
        assert client.get("/moderation/signalements").status_code == 403
        assert client.post(f"/moderation/signalements/contribution/{contribution.id}/masquer").status_code == 403
        db.session.refresh(contribution)
        assert not contribution.is_hidden
        auth.logout()
        auth.login(factory.user(Role.MODERATOR))
        html = client.get("/moderation/signalements").text
        assert ">Modération</a>" in html and f"Contribution n° {contribution.id} · 1 signalement" in html
        assert "Hors charte (a &lt; b)" in html and "Autre : 1" in html
        response = client.post(
            f"/moderation/signalements/contribution/{contribution.id}/masquer", follow_redirects=True
        )
        assert "Élément masqué" in response.text and "Aucun signalement en attente." in response.text
        db.session.refresh(contribution)
        assert contribution.is_hidden

    def test_reporting_is_rate_limited(self, factory, migrated_database):
        from tests.conftest import make_app

        app = make_app(migrated_database, RATELIMIT_ENABLED=True)
        with app.app_context():
            try:
                process = factory.process()
                targets = [factory.contribution(process) for _ in range(21)]
                client = app.test_client()
                from tests.conftest import AuthActions

                AuthActions(client).login(factory.user())
                statuses = [
                    client.post(f"/contributions/{t.id}/signaler", data={"reason": "spam"}).status_code for t in targets
                ]
                assert statuses[:20] == [302] * 20 and statuses[20] == 429
                assert db.session.execute(db.select(db.func.count(Report.id))).scalar() == 20
            finally:
                db.session.remove()
