"""Comments under contributions: one reply level, the same bad-input rules."""

import pytest
from markupsafe import escape

from contrib.core.errors import InvalidInput, NotAllowed, NotFound
from contrib.extensions import db
from contrib.models import Comment
from contrib.models.base import utcnow
from contrib.participation import comments


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


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("   ", "Commentaire : ce champ est obligatoire"),
        ("x" * 2001, "maximum 2000"),
        ("<script>alert(1)</script>", "balises HTML"),
    ],
)
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


def _hide(comment: Comment, reason: str) -> None:
    comment.hidden_at, comment.hidden_reason = utcnow(), reason
    db.session.commit()


def test_hidden_comments_as_each_viewer_sees_them(factory, app):
    from contrib.models import Role

    contribution = factory.contribution(factory.process())
    author, other, moderator = factory.user(), factory.user(), factory.user(Role.MODERATOR)
    alone = comments.post_comment(contribution.id, "Propos déplacés sans réponse.", author=author)
    answered = comments.post_comment(contribution.id, "Propos déplacés avec réponse.", author=author)
    reply = comments.post_comment(contribution.id, "Je ne suis pas d'accord.", author=other, parent_id=answered.id)
    hidden_reply = comments.post_comment(contribution.id, "Réponse injurieuse.", author=other, parent_id=answered.id)
    for comment in (alone, answered, hidden_reply):
        _hide(comment, "Propos injurieux")

    def seen_by(viewer):
        return [
            (t.comment.id, t.placeholder, [r.id for r in t.replies])
            for t in comments.threads_of(contribution.id, viewer)
        ]

    # Others: the hidden comment without replies is gone, the answered one holds its place, no text.
    assert seen_by(factory.user()) == seen_by(None) == [(answered.id, True, [reply.id])]
    assert seen_by(author) == [(alone.id, False, []), (answered.id, False, [reply.id])]
    assert seen_by(other) == [(answered.id, True, [reply.id, hidden_reply.id])]
    assert seen_by(moderator) == [(alone.id, False, []), (answered.id, False, [reply.id, hidden_reply.id])]


def test_the_author_reads_why_the_comment_is_hidden_and_others_see_a_placeholder(client, factory, auth):
    process = factory.process()
    contribution = factory.contribution(process)
    author, other = factory.user(), factory.user()
    hidden = comments.post_comment(contribution.id, "Texte qui a été signalé.", author=author)
    comments.post_comment(contribution.id, "Une réponse restée visible.", author=other, parent_id=hidden.id)
    _hide(hidden, "Attaque personnelle <b>répétée</b>")

    auth.login(author)
    page = client.get(f"/contributions/{contribution.id}").get_data(as_text=True)
    assert "Texte qui a été signalé." in page
    assert "Ce commentaire est masqué : Attaque personnelle &lt;b&gt;répétée&lt;/b&gt;" in page
    assert f'name="parent_id" value="{hidden.id}"' not in page  # no reply under a hidden comment
    auth.logout()

    auth.login(other)
    page = client.get(f"/contributions/{contribution.id}").get_data(as_text=True)
    assert "Texte qui a été signalé." not in page and "Attaque personnelle" not in page
    assert "Commentaire masqué par la modération." in page and "Une réponse restée visible." in page
    assert "Commentaires (0)" in page


def test_reply_to_a_number_beyond_the_database_is_a_plain_comment(client, factory, auth):
    """A parent id past 2**63 overflowed SQLite's driver (a 500); like any unreadable parent, it is ignored."""
    contribution = factory.contribution(factory.process())
    auth.login(factory.user())
    response = client.post(
        f"/contributions/{contribution.id}/commentaires",
        data={"text": "Tout à fait d'accord.", "parent_id": "9223372036854775808"},
        follow_redirects=True,
    )
    assert "Votre commentaire est publié." in response.text and "Tout à fait d&#39;accord." in response.text
    assert db.session.scalar(db.select(Comment.parent_id)) is None
