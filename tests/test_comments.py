"""Comments under contributions: one reply level, the same bad-input rules."""

import pytest
from markupsafe import escape

from contrib.errors import InvalidInput, NotAllowed, NotFound
from contrib.extensions import db
from contrib.models import Comment
from contrib.models.base import utcnow
from contrib.services import comments


def test_comment_and_reply_form_a_thread(factory, app):
    process = factory.process()
    contribution = factory.contribution(process)
    alice, bob = factory.user(), factory.user()
    first = comments.post_comment(contribution.id, "Et pour les petits OF ?", author=alice)
    reply = comments.post_comment(contribution.id, "Même problème chez nous.", author=bob, parent_id=first.id)
    second = comments.post_comment(contribution.id, "Il faudrait un guichet unique.", author=bob)
    threads = comments.threads_of(contribution.id)
    assert [(t.comment.id, [r.id for r in t.replies]) for t in threads] == [(first.id, [reply.id]), (second.id, [])]


def test_reply_to_a_reply_is_refused(factory, app):
    process = factory.process()
    contribution = factory.contribution(process)
    user = factory.user()
    first = comments.post_comment(contribution.id, "Premier.", author=user)
    reply = comments.post_comment(contribution.id, "Réponse.", author=user, parent_id=first.id)
    with pytest.raises(InvalidInput, match="pas à une réponse"):
        comments.post_comment(contribution.id, "Trop profond.", author=user, parent_id=reply.id)


def test_parent_from_another_contribution_is_refused(factory, app):
    process = factory.process()
    one, two = factory.contribution(process), factory.contribution(process)
    user = factory.user()
    foreign = comments.post_comment(one.id, "Ailleurs.", author=user)
    with pytest.raises(InvalidInput):
        comments.post_comment(two.id, "Ici.", author=user, parent_id=foreign.id)


def test_closed_process_and_hidden_contribution(factory, app):
    user = factory.user()
    closed = factory.contribution(factory.process(is_open=False))
    hidden = factory.contribution(factory.process(), hidden_at=utcnow())
    with pytest.raises(NotAllowed):
        comments.post_comment(closed.id, "Trop tard.", author=user)
    with pytest.raises(NotFound):
        comments.post_comment(hidden.id, "Caché.", author=user)
    assert db.session.execute(db.select(Comment)).first() is None


@pytest.mark.parametrize(("text", "message"), [
    ("   ", "Commentaire : ce champ est obligatoire"),
    ("x" * 2001, "maximum 2000"),
    ("<script>alert(1)</script>", "balises HTML"),
])
def test_bad_comment_is_refused_in_french_and_kept(client, factory, auth, text, message):
    process = factory.process()
    contribution = factory.contribution(process)
    auth.login(factory.user())
    response = client.post(f"/contributions/{contribution.id}/commentaires", data={"text": text})
    assert response.status_code == 400
    assert message in response.text
    if text.strip():
        assert str(escape(text[:100])) in response.text
    assert db.session.execute(db.select(Comment)).first() is None


def test_comment_through_the_page(client, factory, auth):
    process = factory.process()
    contribution = factory.contribution(process)
    auth.login(factory.user(display_name="Nadia B."))
    response = client.post(f"/contributions/{contribution.id}/commentaires", data={"text": "Tout à fait d'accord."})
    assert response.status_code == 302
    html = client.get(f"/contributions/{contribution.id}").text
    assert "Commentaires (1)" in html and "Nadia B." in html and "Tout à fait d&#39;accord." in html


def test_reply_to_a_number_beyond_the_database_is_a_plain_comment(client, factory, auth):
    """A parent id past 2**63 overflowed SQLite's driver (a 500); like any unreadable parent, it is ignored."""
    contribution = factory.contribution(factory.process())
    auth.login(factory.user())
    response = client.post(f"/contributions/{contribution.id}/commentaires",
                           data={"text": "Tout à fait d'accord.", "parent_id": "9223372036854775808"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(Comment.parent_id)) is None
