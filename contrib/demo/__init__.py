"""Demo data: the Nouvelle-Aquitaine regional event, an online debate, one account per role.

Loading is idempotent: a second run finds the demo processes and changes nothing.
"""

from __future__ import annotations

import csv
import random
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from werkzeug.security import generate_password_hash

from contrib.accounts import registration
from contrib.core.transaction import transaction
from contrib.core.validation import clean_text
from contrib.extensions import db
from contrib.models import (
    ActorType,
    Comment,
    Contribution,
    ContributionKind,
    ContributionSource,
    Process,
    ProcessKind,
    Role,
    Support,
    User,
)
from contrib.models.base import utcnow
from contrib.processes.services import ProcessData, create_process

CONTRIBUTIONS_CSV = Path(__file__).with_name("contributions.csv")
DEMO_PASSWORD = "demo-contrib-2026"  # demo accounts only; printed by `make run`
EVENT_SLUG = "pessac-2026"
DEBATE_SLUG = "debat-en-ligne"
TABLES = tuple(f"Table {n}" for n in range(1, 10))


@dataclass(frozen=True)
class DemoAccount:
    email: str
    display_name: str
    role: Role
    actor_type: ActorType


DEMO_ACCOUNTS = (
    DemoAccount("participant@demo.contrib.fr", "Camille Participante", Role.PARTICIPANT, ActorType.TRAINER),
    DemoAccount("animateur@demo.contrib.fr", "Karim Animateur", Role.FACILITATOR, ActorType.TRAINING_ORG),
    DemoAccount("moderatrice@demo.contrib.fr", "Sophie Modératrice", Role.MODERATOR, ActorType.TRAINING_ORG),
    DemoAccount("equipe@demo.contrib.fr", "Équipe CPOF", Role.STAFF, ActorType.INSTITUTION),
)

EVENT = ProcessData(
    title="Rencontre régionale Nouvelle-Aquitaine",
    kind=ProcessKind.EVENT,
    region="Nouvelle-Aquitaine",
    place="Pessac",
    starts_on=date(2026, 1, 19),
    ends_on=date(2026, 1, 19),
    description=(
        "Première rencontre régionale de la CPOF. Ateliers par tables sur 7 thématiques, "
        "pistes expérimentales, world café et plénière : les contributions alimentent le futur plaidoyer."
    ),
)
DEBATE = ProcessData(
    title="Débat en ligne : financer la formation de demain",
    kind=ProcessKind.ONLINE_DEBATE,
    region="National",
    starts_on=date(2026, 2, 10),
    ends_on=date(2026, 3, 31),
    description="Un débat ouvert à toutes et tous, en ligne, avec le replay de la table ronde d'ouverture.",
    question="Comment financer durablement la formation professionnelle, et que faut-il prioriser ?",
    replay_url="https://www.cpof.fr/replays/financer-la-formation",
)


def load_demo() -> dict[str, int]:
    """Create the demo accounts, processes and contributions unless they exist; return counts."""
    created = {"accounts": 0, "processes": 0, "contributions": 0}
    for account in DEMO_ACCOUNTS:
        if db.session.execute(db.select(User.id).filter_by(email=account.email)).first() is None:
            registration.create_user(
                account.email, account.display_name, DEMO_PASSWORD, role=account.role, actor_type=account.actor_type
            )
            created["accounts"] += 1
    facilitator = db.session.execute(db.select(User).filter_by(email=DEMO_ACCOUNTS[1].email)).scalar_one()
    for slug, data in ((EVENT_SLUG, EVENT), (DEBATE_SLUG, DEBATE)):
        if db.session.execute(db.select(Process.id).filter_by(slug=slug)).first() is None:
            create_process(data, actor=None, slug=slug)
            created["processes"] += 1
            created["contributions"] += _load_contributions(slug, facilitator)
            _add_demo_activity(slug)
    return created


DEMO_COMMENTS = (
    "Même constat dans notre organisme : on y passe un temps fou.",
    "Il faudrait associer l'OPCO dès le départ sur ce point.",
    "D'accord, à condition que les petites structures ne soient pas oubliées.",
)


def _add_demo_activity(slug: str) -> None:
    """Supports and a few comments, deterministic, so the demo shows counts and threads."""
    rng = random.Random(slug)
    with transaction():
        process = db.session.execute(db.select(Process).filter_by(slug=slug)).scalar_one()
        people = list(db.session.execute(db.select(User).where(User.email.like("%@demo.contrib.fr"))).scalars())
        contributions = list(
            db.session.execute(
                db.select(Contribution).filter_by(process_id=process.id).order_by(Contribution.id)
            ).scalars()
        )
        for contribution in contributions:
            supporters = [p for p in rng.sample(people, rng.randint(0, 6)) if p.id != contribution.author_id]
            db.session.add_all(Support(user_id=p.id, contribution_id=contribution.id) for p in supporters)
            contribution.n_supports = len(supporters)
        for contribution, text in zip(rng.sample(contributions, len(DEMO_COMMENTS)), DEMO_COMMENTS):
            commenter = next(p for p in people if p.id != contribution.author_id)
            db.session.add(Comment(contribution_id=contribution.id, author_id=commenter.id, text=text))


def _demo_author(name: str, actor_type: ActorType, password_hash: str) -> User:
    local_part = "".join(ch for ch in name.lower() if ch.isalnum()) or "auteur"
    email = f"{local_part}@demo.contrib.fr"
    user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()
    if user is None:
        user = User(
            email=email,
            display_name=name,
            password_hash=password_hash,
            role=Role.PARTICIPANT,
            actor_type=actor_type,
            email_confirmed_at=utcnow(),
        )
        db.session.add(user)
        db.session.flush()
    return user


def _load_contributions(slug: str, facilitator: User) -> int:
    with open(CONTRIBUTIONS_CSV, encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["process"] == slug]
    # Demo authors can't log in: their password is random and never shown.
    unusable_hash = generate_password_hash(secrets.token_hex(16))
    with transaction():
        process = db.session.execute(db.select(Process).filter_by(slug=slug)).scalar_one()
        themes = {theme.name: theme for theme in process.themes}
        start = datetime.combine(process.starts_on, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
        for index, row in enumerate(rows):
            actor_type = ActorType(row["actor_type"])
            contribution = Contribution(
                process_id=process.id,
                theme_id=themes[row["theme"]].id,
                kind=ContributionKind(row["kind"]),
                title=clean_text(row["title"], field_label="Titre", max_length=200, required=False, multiline=False),
                text=row["text"].strip(),
                actor_type=actor_type,
                created_at=start + timedelta(minutes=7 * index),
            )
            if row["table"]:
                contribution.table_label = row["table"]
                contribution.entered_by_id = facilitator.id
                contribution.source = ContributionSource.FACILITATOR
                contribution.author_name = row["author"] or None
            elif row["author"]:
                contribution.author_id = _demo_author(row["author"], actor_type, unusable_hash).id
            db.session.add(contribution)
        process.n_contributions = len(rows)
    return len(rows)
