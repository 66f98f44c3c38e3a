"""Templates ask one predicate per rule (can_support, can_report…) instead of comparing roles and ids."""

import re
from pathlib import Path

import pytest

from contrib.core import permissions
from contrib.core.errors import NotAllowed
from contrib.models import Role
from contrib.moderation import reports
from contrib.participation import supports

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_templates_hold_no_role_or_author_rule(app):
    assert "Role" not in app.jinja_env.globals
    offending = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in TEMPLATES.rglob("*.html")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bRole\.|has_role\(|author_id\s*[!=]=\s*current_user", line)
    ]
    assert offending == []
    assert "can_support(contribution)" in (TEMPLATES / "participation" / "show.html").read_text()  # control


def test_can_support_and_can_report_agree_with_the_services(app, factory):
    author, other = factory.user(), factory.user()
    process = factory.process()
    contribution = factory.contribution(process, author_id=author.id)
    assert permissions.can_support(other, contribution)
    assert permissions.can_report(other, contribution)
    assert not permissions.can_support(author, contribution)
    assert not permissions.can_report(author, contribution)
    with pytest.raises(NotAllowed):
        supports.support(contribution.id, user=author)
    with pytest.raises(NotAllowed):
        reports.report("contribution", contribution.id, "spam", None, reporter=author)
    assert supports.support(contribution.id, user=other)
    reports.report("contribution", contribution.id, "spam", None, reporter=other)


def test_support_and_moderation_links_follow_the_predicates(app, factory, client, auth):
    author, other = factory.user(), factory.user()
    moderator = factory.user(Role.MODERATOR)
    process = factory.process()
    contribution = factory.contribution(process, author_id=author.id)
    page = f"/contributions/{contribution.id}"
    support_action = f"/contributions/{contribution.id}/soutien"
    auth.login(author)
    own = client.get(page).get_data(as_text=True)
    assert support_action not in own and "Modération</a>" not in own
    auth.logout()
    auth.login(other)
    assert support_action in client.get(page).get_data(as_text=True)
    auth.logout()
    auth.login(moderator)
    assert "Modération</a>" in client.get(page).get_data(as_text=True)
