"""Contributions: posting, reading, listing with fast pagination."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import joinedload

from contrib.core import audit
from contrib.core.errors import InvalidFields, InvalidInput, NotAllowed, NotFound, on_field
from contrib.core.transaction import transaction
from contrib.core.validation import clean_text
from contrib.extensions import db
from contrib.models import (
    ActorType,
    Comment,
    Contribution,
    ContributionCount,
    ContributionKind,
    ContributionSource,
    Process,
    Role,
    Theme,
    User,
)
from contrib.models.accounts import counted
from contrib.models.contributions import TEXT_MAX_LENGTH, TITLE_MAX_LENGTH
from contrib.participation import search, vectors
from nlp import fold

TABLE_LABEL_MAX_LENGTH = 80
AUTHOR_NAME_MAX_LENGTH = 120
MAX_TABLE_PARTICIPANTS = 50


@dataclass(frozen=True)
class ContributionDraft:
    """What a person fills in to post a contribution."""

    theme_id: int | None
    kind: ContributionKind | str | None
    text: str
    title: str | None = None


@dataclass(frozen=True)
class OnBehalf:
    """Who a facilitator speaks for when typing in a workshop contribution."""

    table_label: str | None = None
    n_participants: int | None = None
    author_name: str | None = None
    actor_type: ActorType | str = ActorType.OTHER
    source: ContributionSource = ContributionSource.FACILITATOR


def validated_fields(process: Process, draft: ContributionDraft) -> dict:
    """The draft's theme, kind, title and text, checked for ``process``.

    Raises InvalidFields naming every field at fault at once (a missing theme and an empty text are
    both shown, not one after the other).
    """
    errors: list[InvalidInput] = []
    theme = db.session.get(Theme, draft.theme_id) if draft.theme_id is not None else None
    if theme is None or theme.process_id != process.id:
        errors.append(InvalidInput("Choisissez une thématique de cette démarche.", field="theme_id"))
    kind = on_field("kind", errors, _kind, draft.kind)
    title = on_field(
        "title",
        errors,
        clean_text,
        draft.title,
        field_label="Titre",
        max_length=TITLE_MAX_LENGTH,
        required=False,
        multiline=False,
    )
    text = on_field("text", errors, clean_text, draft.text, field_label="Contribution", max_length=TEXT_MAX_LENGTH)
    if errors:
        raise InvalidFields(errors)
    return {"theme_id": theme.id, "kind": kind, "title": title, "text": text}


def _kind(value: str | None) -> ContributionKind:
    try:
        return ContributionKind(value)
    except ValueError:
        raise InvalidInput(
            "Choisissez le type de contribution (diagnostic, idée, proposition…).", field="kind"
        ) from None


def _on_behalf_fields(on_behalf: OnBehalf) -> dict:
    n_participants = on_behalf.n_participants
    if n_participants is not None and not 1 <= n_participants <= MAX_TABLE_PARTICIPANTS:
        raise InvalidInput(f"Nombre de personnes : entre 1 et {MAX_TABLE_PARTICIPANTS}.", field="n_participants")
    try:
        actor_type = ActorType(on_behalf.actor_type)
    except ValueError:
        raise InvalidInput("Type d'acteur inconnu.", field="actor_type") from None
    return {
        "table_label": clean_text(
            on_behalf.table_label,
            field_label="Table",
            max_length=TABLE_LABEL_MAX_LENGTH,
            required=False,
            multiline=False,
        ),
        "author_name": clean_text(
            on_behalf.author_name,
            field_label="Nom de l'auteur",
            max_length=AUTHOR_NAME_MAX_LENGTH,
            required=False,
            multiline=False,
        ),
        "n_table_participants": n_participants,
        "actor_type": actor_type,
        "source": on_behalf.source,
    }


def post_contribution(
    process_id: int, draft: ContributionDraft, *, author: User, on_behalf: OnBehalf | None = None
) -> Contribution:
    """Publish a contribution in an open process.

    With ``on_behalf``, ``author`` is the facilitator typing in what a table or a person wrote:
    the contribution records them as ``entered_by`` and has no account author.
    Raises NotFound, NotAllowed (closed process, not a facilitator) or InvalidInput.
    """
    with transaction():
        process = db.session.get(Process, process_id)
        if process is None:
            raise NotFound("Démarche introuvable.")
        if not process.is_open:
            raise NotAllowed("Cette démarche est close : elle ne reçoit plus de contributions.")
        fields = validated_fields(process, draft)
        if on_behalf is None:
            fields.update(author_id=author.id, actor_type=author.actor_type, source=ContributionSource.ONLINE)
        else:
            if not author.has_role(Role.FACILITATOR):
                raise NotAllowed("Seuls les animateurs peuvent saisir une contribution pour le compte d'autrui.")
            fields.update(_on_behalf_fields(on_behalf), entered_by_id=author.id)
        # A few milliseconds; if the encoder fails the contribution is stored without (matched by words).
        vector = vectors.encode([vectors.meaning_text(fields["title"], fields["text"])])
        if vector is not None:
            fields.update(embedding=vector[0], embedding_model=vectors.MODEL_NAME)
        contribution = Contribution(process_id=process.id, **fields)
        db.session.add(contribution)
        process.n_contributions = Process.n_contributions + 1
        db.session.flush()
        audit.record(
            "contributions:contribution:create",
            actor=author,
            target_type="contribution",
            target_id=contribution.id,
            after={
                "process_id": process.id,
                "theme_id": contribution.theme_id,
                "kind": contribution.kind.value,
                "source": contribution.source.value,
            },
        )
    return contribution


def can_see(contribution: Contribution, viewer: User | None) -> bool:
    """Hidden contributions stay visible to their author and to moderators."""
    if not contribution.is_hidden:
        return True
    if viewer is None or not viewer.is_authenticated:
        return False
    return viewer.has_role(Role.MODERATOR) or contribution.author_id == viewer.id


def get_contribution(contribution_id: int, *, viewer: User | None) -> Contribution:
    """Return a contribution the viewer may see; raise NotFound otherwise."""
    contribution = db.session.get(Contribution, contribution_id)
    if contribution is None or not can_see(contribution, viewer):
        raise NotFound("Contribution introuvable.")
    return contribution


@dataclass(frozen=True)
class Page:
    """One page of contributions, newest first, with cursors to its neighbours."""

    items: list[Contribution]
    newer_cursor: int | None
    older_cursor: int | None

    @property
    def is_first(self) -> bool:
        return self.newer_cursor is None


SEARCH_MAX_WORDS = 8


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def visible_contributions(
    process_id: int, *, theme_id: int | None = None, kind: str | None = None, query: str | None = None
):
    """A select of a process's visible contributions, optionally of one theme and kind, and
    containing every word of ``query`` (case and accents ignored).

    An unknown kind raises InvalidInput.
    """
    statement = db.select(Contribution).where(Contribution.process_id == process_id, Contribution.hidden_at.is_(None))
    if theme_id is not None:
        statement = statement.where(Contribution.theme_id == theme_id)
    if kind:
        try:
            statement = statement.where(Contribution.kind == ContributionKind(kind))
        except ValueError:
            raise InvalidInput("Type de contribution inconnu.") from None
    for word in fold(query or "").split()[:SEARCH_MAX_WORDS]:
        statement = statement.where(Contribution.search_text.like(f"%{_escape_like(word)}%", escape="\\"))
    return statement


def list_contributions(
    process_id: int,
    *,
    theme_id: int | None = None,
    kind: str | None = None,
    older_than: int | None = None,
    newer_than: int | None = None,
    last: bool = False,
    per_page: int = 20,
) -> Page:
    """Visible contributions of a process, newest first, by keyset pagination.

    Keyset cursors (ids) keep the last page as fast as the first at any size: no OFFSET, no count.
    ``older_than`` gives the page after a cursor, ``newer_than`` the page before it, ``last`` the
    oldest contributions. An unknown kind raises InvalidInput.
    """
    statement = visible_contributions(process_id, theme_id=theme_id, kind=kind).options(
        joinedload(Contribution.theme), joinedload(Contribution.author)
    )
    ascending = last or newer_than is not None
    if older_than is not None:
        statement = statement.where(Contribution.id < older_than)
    elif newer_than is not None:
        statement = statement.where(Contribution.id > newer_than)
    order = Contribution.id.asc() if ascending else Contribution.id.desc()
    rows = list(db.session.execute(statement.order_by(order).limit(per_page + 1)).scalars())
    has_more = len(rows) > per_page
    rows = rows[:per_page]
    if ascending:
        rows.reverse()
    if not rows:
        return Page(items=[], newer_cursor=None, older_cursor=None)
    if last:
        has_newer, has_older = has_more, False
    elif newer_than is not None:
        has_newer, has_older = has_more, True
    else:
        has_newer, has_older = older_than is not None, has_more
    return Page(
        items=rows,
        newer_cursor=rows[0].id if has_newer else None,
        older_cursor=rows[-1].id if has_older else None,
    )


# The listing's orders (query-string value → label); the first is the default, by keyset pagination.
SORTS = {"recentes": "Les plus récentes", "soutenues": "Les plus soutenues", "commentees": "Les plus commentées"}
DEFAULT_SORT = "recentes"


@dataclass(frozen=True)
class NumberedPage:
    """One numbered page of a sorted listing, with the number of contributions found."""

    items: list[Contribution]
    n_found: int
    number: int
    n_pages: int


def count_contributions(process_id: int, *, theme_id: int | None = None, kind: str | None = None) -> int:
    """How many visible contributions the filters select (what the listing says it found).

    Read from the counts the database keeps per theme and kind (``ContributionCount``): at most 35 rows
    summed for a process of seven themes, where counting the rows took seconds at 1,000,000.
    An unknown kind raises InvalidInput.
    """
    return int(db.session.scalar(_count_statement(process_id, theme_id=theme_id, kind=kind)))


def _count_statement(process_id: int, *, theme_id: int | None, kind: str | None):
    statement = db.select(db.func.coalesce(db.func.sum(ContributionCount.n_visible), 0)).where(
        ContributionCount.process_id == process_id
    )
    if theme_id is not None:
        statement = statement.where(ContributionCount.theme_id == theme_id)
    if kind:
        try:
            statement = statement.where(ContributionCount.kind == ContributionKind(kind))
        except ValueError:
            raise InvalidInput("Type de contribution inconnu.") from None
    return statement


def counted_comments():
    """A subquery (``contribution_id``, ``n``): visible comments by accounts that count, per contribution
    (the same confirmed-accounts rule as supports), counted from the comments themselves.

    What ``Contribution.n_comments`` holds (kept by triggers, migration 0024); the tests recount with it.
    """
    return (
        db.select(Comment.contribution_id, db.func.count().label("n"))
        .where(Comment.hidden_at.is_(None), counted(Comment.author_id))
        .group_by(Comment.contribution_id)
        .subquery()
    )


def sort_key_columns(statement, sort: str):
    """``statement`` (a select of contributions) ordered by ``sort``: most supported or most commented
    first, then newest. An unknown sort raises InvalidInput."""
    if sort == "soutenues":
        return statement.order_by(Contribution.n_supports.desc(), Contribution.id.desc())
    if sort == "commentees":
        return statement.order_by(Contribution.n_comments.desc(), Contribution.id.desc())
    if sort == DEFAULT_SORT:
        return statement.order_by(Contribution.id.desc())
    raise InvalidInput("Ordre de tri inconnu.")


def sorted_contributions(
    process_id: int,
    sort: str,
    *,
    theme_id: int | None = None,
    kind: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> NumberedPage:
    """Visible contributions of a process in the order ``sort`` (see ``SORTS``), by numbered pages.

    One statement: the page's rows, with the number found. Raises InvalidInput for an unknown sort or kind.
    """
    base = visible_contributions(process_id, theme_id=theme_id, kind=kind)
    number = max(page, 1)
    rows = _sorted_page(base, sort, number, per_page, _count_statement(process_id, theme_id=theme_id, kind=kind))
    n_found = rows[0][1] if rows else count_contributions(process_id, theme_id=theme_id, kind=kind)
    n_pages = max(1, -(-n_found // per_page))
    if number > n_pages:  # past the end (or nothing found): the last page, as its number says
        number = n_pages
        rows = _sorted_page(base, sort, number, per_page, _count_statement(process_id, theme_id=theme_id, kind=kind))
        n_found = rows[0][1] if rows else n_found
    return NumberedPage(items=[row[0] for row in rows], n_found=n_found, number=number, n_pages=n_pages)


def _sorted_page(base, sort: str, number: int, per_page: int, count) -> list[tuple[Contribution, int]]:
    """(contribution, number found) for each row of page ``number`` of ``base`` in the order ``sort``.

    The page's ids come from the sort's index alone (visible rows only, migration 0025): the OFFSET skips
    index entries, not rows read and joined to their theme (page 1,000: 73 ms → 2 ms of query on PostgreSQL
    at 1,000,000 contributions); only those rows are then read, and the count is a column of the same
    statement (three statements were three round trips, each a wait for the database on a busy host). The
    ids and the rows are read in one snapshot, so the ids need no second check of the filters."""
    ids = (
        sort_key_columns(base.with_only_columns(Contribution.id), sort).offset((number - 1) * per_page).limit(per_page)
    )
    statement = sort_key_columns(
        db.select(Contribution, count.scalar_subquery())
        .options(joinedload(Contribution.theme), joinedload(Contribution.author))
        .where(Contribution.id.in_(ids)),
        sort,
    )
    return [(contribution, int(n_found)) for contribution, n_found in db.session.execute(statement)]


def comment_counts(items: list[Contribution]) -> dict[int, int]:
    """Visible comments by accounts that count, for each of these contributions (absent: none).

    Their stored ``Contribution.n_comments``, read with the rows: ``items`` are a page the listing or the
    search has just loaded in this request's session, so no older copy of them was there (a second
    statement for the counts cost 0.5–1 ms of a listing's 9–11 ms of CPU).
    """
    return {contribution.id: contribution.n_comments for contribution in items if contribution.n_comments}


def search_contributions(
    process_id: int,
    query: str,
    *,
    theme_id: int | None = None,
    kind: str | None = None,
    sort: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> search.SearchPage:
    """Visible contributions of a process found by the words and the meaning of ``query``, best first
    (see ``contrib.participation.search``), or in the order ``sort`` (see ``SORTS``), optionally of one
    theme and kind. An unknown kind or sort raises InvalidInput."""
    base = visible_contributions(process_id, theme_id=theme_id, kind=kind)
    order = (lambda ids: sort_key_columns(base.where(Contribution.id.in_(ids)), sort)) if sort else None
    kind_value = ContributionKind(kind).value if kind else None  # valid: checked by visible_contributions
    return search.search(
        process_id, query, base, theme_id=theme_id, kind=kind_value, page=page, per_page=per_page, order=order
    )


def contributions_of(user: User, *, limit: int = 200) -> list[Contribution]:
    """The contributions a person posted or typed in, newest first."""
    statement = (
        db.select(Contribution)
        .options(joinedload(Contribution.theme), joinedload(Contribution.process))
        .where(db.or_(Contribution.author_id == user.id, Contribution.entered_by_id == user.id))
        .order_by(Contribution.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(statement).scalars())


def entered_by(facilitator: User, process_id: int, *, limit: int = 10) -> list[Contribution]:
    """The latest contributions a facilitator typed in for a process, newest first."""
    statement = (
        db.select(Contribution)
        .options(joinedload(Contribution.theme))
        .where(Contribution.entered_by_id == facilitator.id, Contribution.process_id == process_id)
        .order_by(Contribution.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(statement).scalars())
