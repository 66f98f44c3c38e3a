"""Ballot cards: staff print single-use codes; a card votes without an account, once (a second use changes it)."""

from __future__ import annotations

import hashlib
import re

import pytest

from contrib.core.errors import InvalidInput, NotAllowed, NotFound
from contrib.extensions import db
from contrib.models import AuditEntry, BallotCard, DotAllocation, DotBallot, PairwiseVote, Role
from contrib.prioritisation import cards, plenary, tally, votes
from contrib.proposals import services as proposals
from tests.conftest import make_app

CODE_SHOWN = re.compile(r'<p class="code">([2-9A-Z]{5}-[2-9A-Z]{5})</p>')


@pytest.fixture
def scene(factory):
    process = factory.process(slug="bordeaux")
    moderator = factory.user(Role.MODERATOR)
    ids = [
        proposals.create_from_contributions(
            process.id,
            [factory.contribution(process, text=f"Texte {n}").id],
            title,
            "Texte.",
            [process.themes[0].id],
            "medium",
            moderator=moderator,
        ).id
        for n, title in enumerate(("Financer les formateurs", "Un guichet unique", "Former les tuteurs"))
    ]
    dots = plenary.create_session(process.id, "Plénière par points", "dots", ids, moderator=moderator)
    pairs = plenary.create_session(process.id, "Plénière par paires", "pairwise", ids, moderator=moderator)
    return {"staff": factory.user(Role.STAFF), "moderator": moderator, "ids": ids, "dots": dots, "pairs": pairs}


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_codes_are_typeable_unguessable_and_stored_hashed(app, scene):
    codes = cards.generate(scene["dots"].id, 50, actor=scene["staff"])
    assert len(set(codes)) == 50
    for code in codes:
        assert len(code) == cards.CODE_LENGTH and not set(code) & set("01OIL")
    # About 49 bits of entropy per code: 31 symbols, 10 characters.
    assert len(cards.ALPHABET) ** cards.CODE_LENGTH > 2**48
    stored = set(db.session.scalars(db.select(BallotCard.code_hash)))
    assert stored == {hashlib.sha256(code.encode()).hexdigest() for code in codes}
    assert not stored & set(codes)  # never in clear
    # Typed with spaces, dashes or in lower case, the code is found; a look-alike is not a code.
    assert cards.find(" " + cards.display_code(codes[0]).lower() + " ").id
    with pytest.raises(NotFound, match="aucune carte"):
        cards.find(codes[0][:-1] + "0")
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == cards.GENERATE))
    assert entry.after == {"n_cards": 50}


def test_only_staff_generate_between_1_and_500_on_an_open_session(app, scene):
    with pytest.raises(NotAllowed):
        cards.generate(scene["dots"].id, 5, actor=scene["moderator"])
    for wrong in (0, 501, None):
        with pytest.raises(InvalidInput, match="entre 1 et 500"):
            cards.generate(scene["dots"].id, wrong, actor=scene["staff"])
    plenary.close_session(scene["dots"].id, moderator=scene["moderator"])
    with pytest.raises(NotAllowed, match="clos"):
        cards.generate(scene["dots"].id, 5, actor=scene["staff"])
    assert _count(BallotCard) == 0


def test_a_card_votes_once_a_second_use_changes_the_same_ballot(app, scene):
    a, b, c = scene["ids"]
    session_id = scene["dots"].id
    card = cards.find(cards.generate(session_id, 1, actor=scene["staff"])[0])
    votes.cast_dots(session_id, {a: 6, b: 4}, card=card)
    votes.cast_dots(session_id, {c: 10}, card=card)  # another phone, the same card
    assert _count(DotBallot) == 1
    assert votes.ballot_of(session_id, card=card) == {c: 10}
    ranking = tally.live_ranking(plenary.get_session(session_id))
    assert [(row.proposal_id, row.value) for row in ranking][:1] == [(c, 10.0)]
    assert tally.n_voters(plenary.get_session(session_id)) == 1
    assert cards.usage(session_id) == cards.Usage(n_cards=1, n_used=1)
    # A logged-in participant still votes with their account, beside the card.
    votes.cast_dots(session_id, {a: 3}, user=scene["moderator"])
    assert tally.n_voters(plenary.get_session(session_id)) == 2
    assert cards.usage(session_id).n_used == 1


def test_a_card_is_scoped_to_its_session_and_answers_each_pair_once(app, scene):
    a, b, _ = scene["ids"]
    dots_card = cards.find(cards.generate(scene["dots"].id, 1, actor=scene["staff"])[0])
    with pytest.raises(NotAllowed, match="autre séance"):
        votes.vote_pair(scene["pairs"].id, a, b, card=dots_card)
    card = cards.find(cards.generate(scene["pairs"].id, 1, actor=scene["staff"])[0])
    assert votes.vote_pair(scene["pairs"].id, a, b, card=card) is True
    assert votes.vote_pair(scene["pairs"].id, b, a, card=card) is False
    assert _count(PairwiseVote) == 1
    assert votes.n_answered(scene["pairs"].id, card=card) == 1
    assert votes.next_pair(plenary.get_session(scene["pairs"].id), card=card) is not None


def test_the_printable_sheet_shows_each_code_once_with_a_qr_code(app, client, auth, scene):
    auth.login(scene["staff"])
    url = f"/plenieres/{scene['dots'].id}/cartes"
    page = client.get(url).text
    assert "0</strong> carte imprimée" in page
    response = client.post(url, data={"n_cards": "12"})
    assert response.status_code == 200
    shown = CODE_SHOWN.findall(response.text)
    assert len(shown) == 12 and len(set(shown)) == 12
    assert response.text.count('<svg role="img" aria-hidden="true"') == 12
    assert response.text.count('class="card-sheet"') == 2  # 10 cards per A4 sheet
    # Each card's QR code is its own address (the QR of that address, drawn again, is on the sheet).
    for code in shown:
        assert str(cards.qr_svg(f"http://localhost/c/{code.replace('-', '')}")) in response.text
    refused = client.post(url, data={"n_cards": "0"})
    assert refused.status_code == 400 and "entre 1 et 500" in refused.text
    assert _count(BallotCard) == 12
    # Used cards are counted for staff.
    votes.cast_dots(scene["dots"].id, {scene["ids"][0]: 1}, card=cards.find(shown[0]))
    assert "dont <strong>1</strong> déjà utilisée" in client.get(url).text


def test_scanning_a_card_votes_without_an_account(app, client, scene):
    a, b, _ = scene["ids"]
    session_id = scene["dots"].id
    code = cards.generate(session_id, 1, actor=scene["staff"])[0]
    anonymous = client.get(f"/plenieres/{session_id}")
    assert anonymous.status_code == 200 and "Code de votre carte de vote" in anonymous.text
    refused = client.post(f"/plenieres/{session_id}/vote", data={f"points-{a}": "3"})
    assert refused.status_code == 302 and _count(DotBallot) == 0  # control: no card, no vote

    scanned = client.get(f"/c/{code}")
    assert scanned.location == f"/plenieres/{session_id}"
    page = client.get(f"/plenieres/{session_id}").text
    assert "Vous votez avec une carte de vote" in page and "10 points restants sur 10" in page
    client.post(f"/plenieres/{session_id}/vote", data={f"points-{a}": "7", f"points-{b}": "3"})
    assert _count(DotBallot) == 1
    # The same card typed on another phone changes the same ballot.
    other_phone = app.test_client()
    typed = other_phone.post("/carte", data={"code": cards.display_code(code).lower()})
    assert typed.location == f"/plenieres/{session_id}"
    assert "0 point restant sur 10" in other_phone.get(f"/plenieres/{session_id}").text
    other_phone.post(f"/plenieres/{session_id}/vote", data={f"points-{b}": "10"})
    assert _count(DotBallot) == 1
    assert db.session.scalars(db.select(DotAllocation.points)).all() == [10]


def test_over_the_budget_is_refused_in_french_and_keeps_what_was_typed(app, client, auth, scene):
    a, b, c = scene["ids"]
    session_id = scene["dots"].id
    auth.login(scene["moderator"])
    response = client.post(f"/plenieres/{session_id}/vote", data={f"points-{a}": "8", f"points-{b}": "5"})
    assert response.status_code == 400
    assert "Vous avez donné 13 points : vous en avez 10 au plus." in response.text
    assert f'name="points-{a}" value="8"' in response.text and f'name="points-{b}" value="5"' in response.text
    assert "3 points de trop" in response.text
    assert _count(DotBallot) == 0
    ok = client.post(f"/plenieres/{session_id}/vote", data={f"points-{a}": "8", f"points-{c}": "2"})
    assert ok.status_code == 302 and _count(DotBallot) == 1


@pytest.mark.parametrize(
    ("typed", "field_at_fault"),
    [({}, None), ({"b": "-2"}, "b"), ({"b": "deux"}, "b")],
    ids=["no point", "negative", "not a number"],
)
def test_a_refused_ballot_is_said_beside_the_points_not_only_at_the_top(client, auth, scene, typed, field_at_fault):
    """No point given: the message sits under the counter of points, which every field points to; a
    wrong number: under that proposal's field only. The summary at the top links to it; no flash."""
    a, b, _ = scene["ids"]
    auth.login(scene["moderator"])
    data = {f"points-{a}": "0"} | {f"points-{b}": value for value in typed.values()}
    response = client.post(f"/plenieres/{scene['dots'].id}/vote", data=data)
    assert response.status_code == 400 and _count(DotBallot) == 0
    page = response.text
    message = "Donnez au moins un point." if field_at_fault is None else "Les points sont des nombres entiers positifs."
    error_id = "points-erreur" if field_at_fault is None else f"points-{b}-erreur"
    form = page[page.index('<form method="post" action="/plenieres/') :]
    assert f'<p class="field-error" id="{error_id}">{message}</p>' in form
    assert page.count(message) == 2  # beside the field, and in the summary at the top
    assert "flash-error" not in page
    inputs = re.findall(r"<input type=\"number\"[^>]*>", page)
    described = [field for field in inputs if error_id in field and 'aria-invalid="true"' in field]
    assert len(described) == (3 if field_at_fault is None else 1), inputs
    if field_at_fault:
        assert f'id="points-{b}"' in described[0]


def test_wrong_codes_are_refused_and_rate_limited_per_address(migrated_database, scene):
    limited = make_app(migrated_database, RATELIMIT_ENABLED=True)
    code = cards.generate(scene["dots"].id, 1, actor=scene["staff"])[0]
    client = limited.test_client()
    statuses = [client.post("/carte", data={"code": "AAAAA-BBBB" + str(n % 8 + 2)}).status_code for n in range(100)]
    assert statuses == [400] * 100
    locked = client.post("/carte", data={"code": code})
    assert locked.status_code == 429 and "Trop de codes erronés" in locked.text
    # Right codes are not counted: a room of 100 scanning cards from one address is never locked out.
    room = make_app(migrated_database, RATELIMIT_ENABLED=True)
    room_codes = cards.generate(scene["dots"].id, 120, actor=scene["staff"])
    assert {room.test_client().get(f"/c/{c}").status_code for c in room_codes} == {302}


def test_projector_shows_a_qr_code_and_a_short_address(app, client, scene):
    session_id = scene["dots"].id
    page = client.get(f"/plenieres/{session_id}/projection").text
    assert f"localhost/v/{session_id}</strong>" in page
    assert '<svg role="img" aria-hidden="true" focusable="false"' in page
    assert client.get(f"/v/{session_id}").location == f"/plenieres/{session_id}"
    # The chart's data table stays for screen readers only.
    assert '<div class="chart-data-wrap visually-hidden">' in page
    plenary.close_session(session_id, moderator=scene["moderator"])
    assert "/v/" not in client.get(f"/plenieres/{session_id}/projection").text
