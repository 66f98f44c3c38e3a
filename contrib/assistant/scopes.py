"""What the assistant reads: a *scope* of visible contributions of one process (a duplicate group, a
proposal's sources, a cluster, a theme, a hand-made selection), its conversation and the moderator's previous
questions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from contrib.assistant.protocol import MAX_HISTORY, Scope, Turn
from contrib.clustering import services as clustering
from contrib.core.errors import InvalidInput, NotFound
from contrib.core.french import french_spacing
from contrib.core.ids import parse_id
from contrib.core.permissions import require_role
from contrib.duplicates import services as duplicates
from contrib.extensions import db
from contrib.models import (
    AssistantConversation,
    AssistantMessage,
    Contribution,
    MessageKind,
    Process,
    Proposal,
    Role,
    ScopeKind,
    User,
)
from contrib.participation import vectors
from contrib.proposals import services as proposals

MAX_SCOPE = 2000


@dataclass(frozen=True)
class ScopeRef:
    """What the page asked for: a kind and its reference, resolved to contribution ids."""

    kind: ScopeKind
    key: str
    ids: tuple[int, ...]
    label: str  # French, shown as the page's subtitle


def check_moderator(user: User | None) -> None:
    """Raise NotAllowed unless ``user`` is a moderator (or staff)."""
    require_role(user, Role.MODERATOR, "Seuls les modérateurs peuvent utiliser l'assistant de synthèse.")


def resolve_scope(process: Process, kind: str | None, ref: str | None) -> ScopeRef:
    """Turn ``?groupe=12`` / ``?proposition=4`` / ``?regroupement=7:c3`` / ``?thematique=5`` / ``?ids=1,2,3``
    into a scope of visible contributions.

    Raises InvalidInput for an unknown kind or an empty selection, NotFound for an unknown group,
    proposal or theme (or one of another process).
    """
    try:
        scope_kind = ScopeKind(kind)
    except ValueError:
        raise InvalidInput(
            "Choisissez ce que l'assistant doit lire : une thématique, un groupe de doublons, une proposition "
            "ou une sélection de contributions."
        ) from None
    if scope_kind is ScopeKind.CLUSTER:
        run_ref, _, cluster_key = (ref or "").partition(":")
        run = clustering.get_run(process.id, _number(run_ref, "calcul"))
        cluster = clustering.get_cluster(run, cluster_key.strip())
        ids = clustering.member_ids(run.id, cluster.id)
        key = f"regroupement:{run.id}:{cluster.key}"
        name = clustering.cluster_names(process.id).get(cluster.key, cluster.label)
        label = f"Regroupement « {name} » (calcul n° {run.id})"
    elif scope_kind is ScopeKind.GROUP:
        number = _number(ref, "groupe")
        group = duplicates.get_group(number, process_id=process.id)
        ids, key, label = group.contribution_ids, f"groupe:{number}", f"Groupe de doublons n° {number}"
    elif scope_kind is ScopeKind.THEME:
        number = _number(ref, "thématique")
        theme = next((theme for theme in process.themes if theme.id == number), None)
        if theme is None:
            raise NotFound("Thématique introuvable dans cette démarche.")
        ids = _theme_ids(process.id, theme.id)
        if len(ids) > MAX_SCOPE:
            raise InvalidInput(
                f"Cette thématique compte plus de {MAX_SCOPE} contributions : ouvrez l'assistant sur un regroupement."
            )
        key, label = f"thematique:{number}", f"Thématique « {theme.name} »"
    elif scope_kind is ScopeKind.PROPOSAL:
        number = _number(ref, "proposition")
        proposal = db.session.get(Proposal, number)
        if proposal is None or proposal.process_id != process.id or proposal.cancelled_at is not None:
            raise NotFound("Proposition introuvable dans cette démarche.")
        ids = [c.id for c in proposals.sources_of(proposal.id)]
        key, label = f"proposition:{number}", f"Sources de la proposition n° {number} « {proposal.title} »"
    else:
        ids = proposals.parse_ids(ref)
        if len(ids) > MAX_SCOPE:
            raise InvalidInput(f"Une sélection compte au plus {MAX_SCOPE} contributions.")
        ids = sorted(ids)
        digest = hashlib.sha1(",".join(map(str, ids)).encode()).hexdigest()[:20]
        key, label = f"selection:{digest}", f"Sélection de {len(ids)} contribution{'s' if len(ids) > 1 else ''}"
    visible = _visible_ids(process.id, ids)
    if not visible:
        raise InvalidInput("Cette sélection ne contient aucune contribution visible de la démarche.")
    return ScopeRef(scope_kind, key, tuple(visible), french_spacing(label))


def _theme_ids(process_id: int, theme_id: int) -> list[int]:
    return list(
        db.session.scalars(
            db.select(Contribution.id).where(
                Contribution.process_id == process_id,
                Contribution.theme_id == theme_id,
                Contribution.hidden_at.is_(None),
            )
        )
    )


def theme_choices(process: Process) -> list[tuple[int, str, int]]:
    """(theme id, name, visible contributions) of each of the process's themes that has some, in their order:
    the assistant opens on one of them without the moderator typing numbers."""
    counts = dict(
        db.session.execute(
            db.select(Contribution.theme_id, db.func.count(Contribution.id))
            .where(Contribution.process_id == process.id, Contribution.hidden_at.is_(None))
            .group_by(Contribution.theme_id)
        ).all()
    )
    themes = sorted(process.themes, key=lambda theme: (theme.position, theme.id))
    return [(theme.id, theme.name, counts[theme.id]) for theme in themes if counts.get(theme.id)]


def _number(ref: str | None, what: str) -> int:
    number = parse_id(ref)
    if number is None:
        raise InvalidInput(f"Numéro de {what} invalide.")
    return number


def _visible_ids(process_id: int, ids) -> list[int]:
    if not ids:
        return []
    return list(
        db.session.scalars(
            db.select(Contribution.id)
            .where(
                Contribution.id.in_(list(ids)), Contribution.process_id == process_id, Contribution.hidden_at.is_(None)
            )
            .order_by(Contribution.id)
        )
    )


def contributions_of(ids) -> dict[int, Contribution]:
    """{id: contribution} for the citations of a page (one query)."""
    ids = list(ids)
    if not ids:
        return {}
    return {c.id: c for c in db.session.scalars(db.select(Contribution).where(Contribution.id.in_(ids)))}


def load_scope(ids) -> Scope:
    """The texts and metadata the engines read, oldest first (so duplicates fold onto originals)."""
    rows = sorted(contributions_of(ids).values(), key=lambda c: c.id)
    stored = [vectors.current(c.embedding, c.embedding_model) for c in rows]
    return Scope(
        ids=[c.id for c in rows],
        texts=[c.text for c in rows],
        actor_types=[c.actor_type.label for c in rows],
        events=[c.table_label for c in rows],
        titles=[c.title for c in rows],
        # Stored vectors spare the encoder (seconds on a large cluster); all or none, for comparable vectors.
        vectors=stored if rows and all(v is not None for v in stored) else None,  # type: ignore[arg-type]
        # A workshop table's sheet is several people under no account (None): the summary counts the people
        # behind the texts that have an account and says how many texts those are.
        authors=[c.author_id for c in rows] if any(c.author_id for c in rows) else None,  # type: ignore[misc]
        duplicate_groups=duplicates.groups_within([c.id for c in rows]) or None,
    )


def conversation_for(process: Process, scope: ScopeRef) -> AssistantConversation | None:
    """The scope's conversation with its messages, or None before the first generation."""
    return db.session.scalar(
        db.select(AssistantConversation).where(
            AssistantConversation.process_id == process.id, AssistantConversation.scope_key == scope.key
        )
    )


def history_of(process: Process, scope: ScopeRef, actor: User) -> list[Turn]:
    """The moderator's previous questions on this scope and the answers shown, oldest first."""
    conversation = conversation_for(process, scope)
    if conversation is None:
        return []
    answers = db.session.scalars(
        db.select(AssistantMessage)
        .where(
            AssistantMessage.conversation_id == conversation.id,
            AssistantMessage.kind == MessageKind.ANSWER,
            AssistantMessage.created_by_id == actor.id,
        )
        .order_by(AssistantMessage.id.desc())
        .limit(MAX_HISTORY)
    ).all()
    return [Turn(message.question or "", message_text(message)) for message in reversed(answers)]


def message_text(message: AssistantMessage) -> str:
    """A stored message as plain text, each sentence with its citations ``[#id]``."""
    return " ".join(
        s["text"] + (f" [{', '.join(f'#{i}' for i in s['citations'])}]" if s["citations"] else "")
        for s in message.content.get("segments", [])
    )
