"""At least one active staff account always remains, even when two staff act at the same moment."""

import threading

import pytest

from contrib.accounts import roles
from contrib.core.errors import InvalidInput
from contrib.extensions import db
from contrib.models import AuditEntry, Role, User
from tests.conftest import PASSWORD


def _active_staff() -> list[int]:
    db.session.expire_all()
    return db.session.scalars(db.select(User.id).where(User.role == Role.STAFF, User.is_active.is_(True))).all()


def _demote_each_other(app, first_id: int, second_id: int) -> list[str]:
    """Two threads, each with its own session: ``first`` demotes ``second`` while ``second`` demotes ``first``."""
    barrier = threading.Barrier(2)
    outcomes = []

    def demote(actor_id, target_id):
        with app.app_context():
            actor = db.session.get(User, actor_id)
            barrier.wait()
            try:
                roles.change_role(target_id, Role.PARTICIPANT, actor=actor)
                outcomes.append("demoted")
            except InvalidInput as error:
                outcomes.append(error.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=demote, args=pair) for pair in ((first_id, second_id), (second_id, first_id))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.parametrize("round_", range(3))
def test_two_staff_demoting_each_other_at_once_leave_one(app, factory, round_):
    first, second = factory.user(Role.STAFF), factory.user(Role.STAFF)

    outcomes = _demote_each_other(app, first.id, second.id)

    assert sorted(outcomes) == sorted(["demoted", roles.LAST_STAFF_MESSAGE]), outcomes
    assert len(_active_staff()) == 1


def test_control_with_a_third_staff_member_both_demotions_pass(app, factory):
    first, second, third = (factory.user(Role.STAFF) for _ in range(3))

    assert _demote_each_other(app, first.id, second.id) == ["demoted", "demoted"]
    assert _active_staff() == [third.id]


def test_the_last_staff_member_cannot_be_demoted(app, factory):
    last = factory.user(Role.STAFF)
    moderator = factory.user(Role.MODERATOR)  # e.g. a script acting on the service directly

    with pytest.raises(InvalidInput) as refused:
        roles.change_role(last.id, Role.MODERATOR, actor=moderator)

    assert refused.value.message == roles.LAST_STAFF_MESSAGE
    assert _active_staff() == [last.id]
    assert db.session.scalars(db.select(AuditEntry.action)).all() == []


def test_the_last_staff_member_cannot_delete_their_account(client, factory, auth):
    last = factory.user(Role.STAFF)
    auth.login(last)

    response = client.post("/mon-compte/supprimer", data={"password": PASSWORD})

    assert response.status_code == 400
    assert "Il doit rester au moins un compte actif de l&#39;équipe CPOF" in response.text
    assert _active_staff() == [last.id]
    assert db.session.get(User, last.id).email == last.email


def test_control_a_staff_member_with_a_colleague_can_delete_their_account(client, factory, auth):
    leaving, colleague = factory.user(Role.STAFF), factory.user(Role.STAFF)
    auth.login(leaving)

    response = client.post("/mon-compte/supprimer", data={"password": PASSWORD})

    assert response.status_code == 302
    assert _active_staff() == [colleague.id]


def test_staff_demotion_through_the_admin_page(client, factory, auth):
    staff, other = factory.user(Role.STAFF), factory.user(Role.STAFF)
    auth.login(staff)

    response = client.post(f"/admin/utilisateurs/{other.id}/role", data={"role": "moderator"}, follow_redirects=True)

    assert "a maintenant le rôle" in response.text
    assert _active_staff() == [staff.id]
