"""Ballot cards: printed single-use codes that let someone vote in a plenary session without an account.

Staff generate N cards for a session; each card carries a QR code (the card's address) and the
same code to type. A code is 10 characters from an alphabet without look-alikes (no 0/O, 1/I/L),
about 49 bits: guessing one of 500 cards takes some 10^12 tries, and wrong codes are rate-limited
per address. Only the SHA-256 of each code is stored, so the printed sheet is shown once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from io import BytesIO

import segno
from markupsafe import Markup

from contrib.core import audit, undo
from contrib.core.errors import InvalidInput, NotAllowed, NotFound
from contrib.core.permissions import require_role
from contrib.core.transaction import transaction
from contrib.extensions import db
from contrib.models import BallotCard, DotBallot, PairwiseVote, Role, User
from contrib.prioritisation.plenary import get_session

GENERATE = "prioritisation:cards:generate"
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
CODE_LENGTH = 10
MAX_CARDS = 500
CARDS_PER_PAGE = 10  # one A4 sheet: 2 columns of 5 cards


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def display_code(code: str) -> str:
    """The code as printed: two groups of five ("K7PMQ-3XRT9")."""
    return f"{code[:5]}-{code[5:]}"


def normalise(typed: str | None) -> str | None:
    """The code someone typed, upper-cased without spaces or dashes; None when it cannot be a code."""
    code = "".join((typed or "")[:40].split()).replace("-", "").upper()
    if len(code) != CODE_LENGTH or any(character not in ALPHABET for character in code):
        return None
    return code


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def qr_svg(address: str) -> Markup:
    """An inline SVG QR code of ``address`` (segno: pure Python; drawn with attributes, no inline style)."""
    out = BytesIO()
    segno.make(address, error="m").save(
        out, kind="svg", xmldecl=False, svgns=True, nl=False, omitsize=True, border=2, svgclass="qr", lineclass=None
    )
    svg = out.getvalue().decode("ascii")
    return Markup(svg.replace("<svg ", '<svg role="img" aria-hidden="true" focusable="false" ', 1))


def generate(session_id: int, n_cards: int | None, *, actor: User) -> list[str]:
    """Create ``n_cards`` cards for an open session and return their codes (never stored in clear).

    Raises NotAllowed (not staff, session closed), NotFound, InvalidInput (count out of 1..500).
    """
    require_role(actor, Role.STAFF, "Seule l'équipe peut imprimer des cartes de vote.")
    if not isinstance(n_cards, int) or not 1 <= n_cards <= MAX_CARDS:
        raise InvalidInput(f"Indiquez un nombre de cartes entre 1 et {MAX_CARDS}.", field="n_cards")
    codes = [new_code() for _ in range(n_cards)]
    with transaction():
        session = get_session(session_id)
        if not session.is_open:
            raise NotAllowed("Le vote de cette séance est clos : il n'y a plus de cartes à imprimer.")
        db.session.add_all(
            BallotCard(session_id=session.id, code_hash=_hash(code), created_by_id=actor.id) for code in codes
        )
        db.session.flush()
        audit.record(
            GENERATE,
            actor=actor,
            target_type="prioritisation_session",
            target_id=session.id,
            before=None,
            after={"n_cards": n_cards},
        )
    return codes


def find(typed: str | None) -> BallotCard:
    """The card a typed or scanned code names. Raises NotFound (unknown code, cancelled session)."""
    code = normalise(typed)
    card = db.session.scalar(db.select(BallotCard).where(BallotCard.code_hash == _hash(code))) if code else None
    if card is None:
        raise NotFound("Ce code ne correspond à aucune carte de vote. Vérifiez-le (10 caractères, sans 0, 1, I ni O).")
    get_session(card.session_id)  # NotFound once the session is cancelled
    return card


def card_of(card_id: int | None, session_id: int) -> BallotCard | None:
    """The card kept in a phone's browser session, if it belongs to this session."""
    card = db.session.get(BallotCard, card_id) if card_id else None
    return card if card is not None and card.session_id == session_id else None


@dataclass(frozen=True)
class Usage:
    n_cards: int
    n_used: int  # cards that have voted


def usage(session_id: int) -> Usage:
    n_cards = db.session.scalar(db.select(db.func.count(BallotCard.id)).where(BallotCard.session_id == session_id))
    used: set[int] = set()
    for model in (DotBallot, PairwiseVote):
        used.update(
            db.session.scalars(
                db.select(model.card_id).distinct().where(model.session_id == session_id, model.card_id.is_not(None))
            )
        )
    return Usage(n_cards=n_cards, n_used=len(used))


def register_undo() -> None:
    """Label card generation in the journal; it is not undone (the printed cards would still be in hands)."""
    undo.describe(GENERATE, label="Impression de cartes de vote")
