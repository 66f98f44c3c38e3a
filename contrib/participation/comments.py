"""Comments under contributions: one reply level, the same text rules as contributions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import joinedload

from contrib.core import audit, permissions
from contrib.core.errors import InvalidInput, NotAllowed, NotFound
from contrib.core.transaction import transaction
from contrib.core.validation import clean_text
from contrib.extensions import db
from contrib.models import Comment, Contribution, User
from contrib.models.comments import COMMENT_MAX_LENGTH
from contrib.notifications import services as notifications


@dataclass(frozen=True)
class Thread:
    """A top-level comment and its replies, oldest first.

    ``placeholder``: the top-level comment is hidden and the viewer may not read it; it only holds
    its place above visible replies ("masqué par la modération", no author, no text).
    """

    comment: Comment
    replies: list[Comment]
    placeholder: bool = False


def post_comment(contribution_id: int, text: str, *, author: User, parent_id: int | None = None) -> Comment:
    """Comment on a visible contribution of an open process, or reply to a top-level comment.

    Raises NotFound, NotAllowed (closed process) or InvalidInput (bad text, reply to a reply).
    """
    with transaction():
        contribution = db.session.get(Contribution, contribution_id)
        if contribution is None or contribution.is_hidden:
            raise NotFound("Contribution introuvable.")
        if not contribution.process.is_open:
            raise NotAllowed("Cette démarche est close : les commentaires ne sont plus possibles.")
        if parent_id is not None:
            parent = db.session.get(Comment, parent_id)
            if parent is None or parent.contribution_id != contribution_id or parent.is_hidden:
                raise InvalidInput("Le commentaire auquel vous répondez n'existe plus.")
            if parent.parent_id is not None:
                raise InvalidInput("On ne peut répondre qu'à un commentaire, pas à une réponse.")
        text = clean_text(text, field_label="Commentaire", max_length=COMMENT_MAX_LENGTH)
        comment = Comment(contribution_id=contribution_id, parent_id=parent_id, author_id=author.id, text=text)
        db.session.add(comment)
        db.session.flush()
        audit.record(
            "comments:comment:create",
            actor=author,
            target_type="comment",
            target_id=comment.id,
            after={"contribution_id": contribution_id, "parent_id": parent_id},
        )
        pending = None
        if contribution.author_id not in (None, author.id):
            pending = notifications.notify(
                contribution.author_id,
                "answered",
                f"{author.display_name} a commenté votre contribution n° {contribution.id}.",
                endpoint="participation.contribution",
                endpoint_args={"contribution_id": contribution.id, "_anchor": f"commentaire-{comment.id}"},
            )
    notifications.deliver([pending])
    return comment


def may_read(comment: Comment, viewer: User | None) -> bool:
    """A hidden comment stays readable by its author (who is told why) and by the moderators."""
    if not comment.is_hidden:
        return True
    return (
        viewer is not None
        and viewer.is_authenticated
        and (comment.author_id == viewer.id or permissions.can_moderate(viewer))
    )


def threads_of(contribution_id: int, viewer: User | None = None) -> list[Thread]:
    """The comments of a contribution as threads, oldest first, as ``viewer`` may see them.

    Hidden comments the viewer may not read are left out, except a hidden top-level comment with
    visible replies, which stays as a placeholder so that the replies keep their context.
    """
    statement = (
        db.select(Comment)
        .options(joinedload(Comment.author))
        .where(Comment.contribution_id == contribution_id)
        .order_by(Comment.id)
    )
    comments = list(db.session.execute(statement).scalars())
    replies: dict[int, list[Comment]] = {}
    for comment in comments:
        if comment.parent_id is not None and may_read(comment, viewer):
            replies.setdefault(comment.parent_id, []).append(comment)
    threads = []
    for comment in comments:
        if comment.parent_id is None:
            readable = may_read(comment, viewer)
            if readable or comment.id in replies:
                threads.append(Thread(comment, replies.get(comment.id, []), placeholder=not readable))
    return threads
