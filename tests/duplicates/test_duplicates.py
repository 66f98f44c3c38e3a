"""Duplicate review: detection on the demo data, confirm, dismiss, supports counted once, undo, pages."""

import csv
import re

import pytest

from contrib.core import undo
from contrib.core.errors import Conflict, InvalidInput, NotAllowed
from contrib.core.text_diff import highlight_differences
from contrib.demo import CONTRIBUTIONS_CSV, DEBATE_SLUG, EVENT_SLUG
from contrib.duplicates import services as duplicates
from contrib.extensions import db
from contrib.models import (
    AuditEntry,
    Contribution,
    DismissedPair,
    DuplicateGroup,
    DuplicateStatus,
    Process,
    Role,
    Support,
)
from contrib.participation import supports

TWIN_TEXT = "Financer le temps de préparation des formateurs vacataires, pas seulement le face-à-face."

# Planted exact copies of contrib/demo/README.md (row numbers count data rows from 1).
PLANTED_EXACT = {
    EVENT_SLUG: [{10, 39, 146}, {1, 106}, {57, 98, 185}, {32, 76, 145}, {30, 70}],
    DEBATE_SLUG: [{190, 218, 231}],
}


# --- helpers -----------------------------------------------------------------------------------


def n_contributions() -> int:
    return db.session.scalar(db.select(db.func.count(Contribution.id)))


def n_entries(action: str) -> int:
    return db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(AuditEntry.action == action))


def pending_member_sets(process_id: int) -> list[frozenset[int]]:
    return [frozenset(m.contribution_id for m in g.members) for g in duplicates.pending_groups(process_id)]


def queue_snapshot(process_id: int) -> list[tuple]:
    return [
        (g.id, g.representative_id, g.score, g.reason, tuple(sorted(m.contribution_id for m in g.members)))
        for g in duplicates.pending_groups(process_id)
    ]


class Invariants:
    """Checked after every moderation act: nothing lost, every act audited, one support per person and idea."""

    def __init__(self):
        self.n_contributions = n_contributions()
        self.n_supports = db.session.scalar(db.select(db.func.count(Support.id)))

    def check(self, action: str | None = None, expected_entries: int | None = None) -> None:
        db.session.expire_all()
        assert n_contributions() >= self.n_contributions, "a contribution disappeared"
        self.n_contributions = n_contributions()
        assert db.session.scalar(db.select(db.func.count(Support.id))) == self.n_supports, "a support was lost"
        if action is not None:
            assert n_entries(action) == expected_entries, f"{action} is not audited"
        for group in db.session.scalars(
            db.select(DuplicateGroup).where(DuplicateGroup.status == DuplicateStatus.CONFIRMED)
        ):
            ids = group.contribution_ids
            people = [
                user_id
                for (user_id,) in db.session.execute(db.select(Support.user_id).where(Support.contribution_id.in_(ids)))
            ]
            assert duplicates.idea_support_count(ids[0]) == len(set(people)) <= len(people)


@pytest.fixture
def scene(factory):
    """Three copies of one text (under three themes), one other text, a moderator, an invariant checker."""
    process = factory.process()
    twins = [
        factory.contribution(process, text=TWIN_TEXT if i != 1 else TWIN_TEXT.upper(), theme_id=process.themes[i].id)
        for i in range(3)
    ]
    other = factory.contribution(process, text="Créer un fonds régional pour les petits organismes de formation.")
    return {
        "process": process,
        "twins": twins,
        "other": other,
        "moderator": factory.user(Role.MODERATOR),
        "invariants": Invariants(),
    }


def detect_one_group(scene) -> DuplicateGroup:
    duplicates.detect(scene["process"].id, actor=scene["moderator"])
    [group] = duplicates.pending_groups(scene["process"].id)
    return group


def demo_row_ids() -> dict[int, int]:
    """Row number of contrib/demo/contributions.csv -> contribution id (the loader keeps file order)."""
    with open(CONTRIBUTIONS_CSV, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    mapping = {}
    for slug in (EVENT_SLUG, DEBATE_SLUG):
        process = db.session.execute(db.select(Process).filter_by(slug=slug)).scalar_one()
        ids = db.session.scalars(
            db.select(Contribution.id).filter_by(process_id=process.id).order_by(Contribution.id)
        ).all()
        numbers = [n for n, row in enumerate(rows, start=1) if row["process"] == slug]
        assert len(ids) == len(numbers)
        mapping.update(zip(numbers, ids))
    return mapping


# --- detection ---------------------------------------------------------------------------------


def test_detection_on_the_demo_finds_the_planted_groups_across_themes(app, factory):
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    moderator = factory.user(Role.MODERATOR)
    ids = demo_row_ids()
    invariants = Invariants()
    for slug, planted in PLANTED_EXACT.items():
        process = db.session.execute(db.select(Process).filter_by(slug=slug)).scalar_one()
        result = duplicates.detect(process.id, actor=moderator)
        found = pending_member_sets(process.id)
        for rows in planted:
            assert frozenset(ids[n] for n in rows) in found, f"planted rows {sorted(rows)} not grouped"
        assert result.n_groups == len(found) >= len(planted)
        planted_sets = {frozenset(ids[n] for n in rows) for rows in planted}
        for group in duplicates.pending_groups(process.id):
            members = frozenset(m.contribution_id for m in group.members)
            if members in planted_sets:
                assert len(duplicates.themes_of(group)) >= 2, "the planted copies sit under several themes"
                assert group.reason == "exact" and group.reason_label == "identique"
            else:  # reworded ideas of the demo: proposed for checking, never as copies
                assert group.reason == "semantic"
                assert group.reason_label == "même idée, formulée autrement ? (à vérifier)"
    invariants.check(duplicates.DETECT, 2)


def test_detecting_twice_gives_the_same_queue(app, scene):
    first = duplicates.detect(scene["process"].id, actor=scene["moderator"])
    snapshot = queue_snapshot(scene["process"].id)
    second = duplicates.detect(scene["process"].id, actor=scene["moderator"])
    assert queue_snapshot(scene["process"].id) == snapshot, "same groups, same ids, same scores"
    assert (first.n_new, second.n_new, second.n_kept, second.n_removed) == (1, 0, 1, 0)
    assert [sorted(m.contribution_id for m in g.members) for g in duplicates.pending_groups(scene["process"].id)] == [
        sorted(c.id for c in scene["twins"])
    ]
    db.session.execute(
        db.update(DuplicateGroup).values(score=0.5, reason="near").execution_options(synchronize_session=False)
    )
    db.session.commit()
    duplicates.detect(scene["process"].id, actor=scene["moderator"])
    db.session.expire_all()
    assert queue_snapshot(scene["process"].id) == snapshot, "a kept group gets nlp's current score and reason"
    scene["invariants"].check(duplicates.DETECT, 3)


def test_detection_ignores_hidden_contributions_and_drops_stale_pending_groups(app, scene):
    from contrib.moderation import hiding as moderation

    detect_one_group(scene)
    for twin in scene["twins"][1:]:
        moderation.hide(twin.id, "Hors sujet", moderator=scene["moderator"])
    result = duplicates.detect(scene["process"].id, actor=scene["moderator"])
    assert (result.n_groups, result.n_removed) == (0, 1)
    assert duplicates.pending_groups(scene["process"].id) == []


def test_only_moderators_detect_and_decide(app, scene, factory):
    participant = factory.user()
    with pytest.raises(NotAllowed):
        duplicates.detect(scene["process"].id, actor=participant)
    group = detect_one_group(scene)
    with pytest.raises(NotAllowed):
        duplicates.confirm(group.id, group.representative_id, moderator=participant)
    with pytest.raises(NotAllowed):
        duplicates.dismiss(group.id, moderator=participant)


# --- dismiss -----------------------------------------------------------------------------------


def test_a_dismissed_pair_is_never_proposed_again(app, scene, factory):
    group = detect_one_group(scene)
    a, b, c = (twin.id for twin in scene["twins"])
    duplicates.dismiss(group.id, moderator=scene["moderator"])
    scene["invariants"].check(duplicates.DISMISS, 1)
    assert duplicates.dismissed_pairs(scene["process"].id) == {(a, b), (a, c), (b, c)}
    assert duplicates.detect(scene["process"].id, actor=scene["moderator"]).n_groups == 0

    newcomer = factory.contribution(scene["process"], text=TWIN_TEXT)
    duplicates.detect(scene["process"].id, actor=scene["moderator"])
    groups = pending_member_sets(scene["process"].id)
    assert groups and all(newcomer.id in members for members in groups)
    for members in groups:
        assert len(members & {a, b, c}) <= 1, "two ids of a dismissed pair are never grouped again"
    assert db.session.get(DuplicateGroup, group.id).status == DuplicateStatus.DISMISSED, "decisions are kept"


def test_a_group_is_decided_once(app, scene):
    group = detect_one_group(scene)
    duplicates.dismiss(group.id, moderator=scene["moderator"])
    with pytest.raises(Conflict, match="déjà été écarté"):
        duplicates.confirm(group.id, group.representative_id, moderator=scene["moderator"])


# --- confirm -----------------------------------------------------------------------------------


def test_confirm_with_a_chosen_representative_and_a_member_left_out(app, scene):
    group = detect_one_group(scene)
    a, b, c = (twin.id for twin in scene["twins"])
    duplicates.confirm(group.id, b, member_ids=[a, b], moderator=scene["moderator"])
    scene["invariants"].check(duplicates.CONFIRM, 1)
    group = duplicates.get_group(group.id)
    assert (group.status, group.representative_id, group.contribution_ids) == (DuplicateStatus.CONFIRMED, b, [b, a])
    assert [m.contribution_id for m in group.members if m.is_excluded] == [c]
    assert duplicates.dismissed_pairs(scene["process"].id) == {(a, c), (b, c)}, "left out = not a duplicate of those"
    idea = duplicates.idea_of(a)
    assert (idea.representative_id, idea.contribution_ids) == (b, (b, a))
    assert duplicates.idea_of(c) is None and duplicates.idea_of(scene["other"].id) is None
    assert duplicates.detect(scene["process"].id, actor=scene["moderator"]).n_groups == 0, (
        "a confirmed idea and its left-out member are not proposed again"
    )


@pytest.mark.parametrize(
    "kept, representative, message",
    [
        ("one", "first", "au moins deux"),
        ("two", "third", "référence doit faire partie"),
        ("stranger", "first", "ne fait pas partie"),
    ],
)
def test_confirm_refuses_an_incoherent_choice_and_changes_nothing(app, scene, kept, representative, message):
    group = detect_one_group(scene)
    ids = [twin.id for twin in scene["twins"]]
    member_ids = {"one": ids[:1], "two": ids[:2], "stranger": [ids[0], scene["other"].id]}[kept]
    with pytest.raises(InvalidInput, match=message):
        duplicates.confirm(
            group.id, ids[{"first": 0, "third": 2}[representative]], member_ids=member_ids, moderator=scene["moderator"]
        )
    db.session.expire_all()
    assert db.session.get(DuplicateGroup, group.id).status == DuplicateStatus.PENDING
    assert duplicates.dismissed_pairs(scene["process"].id) == set()
    scene["invariants"].check(duplicates.CONFIRM, 0)


def test_supports_are_counted_once_per_person_across_the_idea(app, scene, factory):
    a, b, c = scene["twins"]
    both, only_a, left_out = factory.user(), factory.user(), factory.user()
    for user, targets in ((both, (a, b)), (only_a, (a,)), (left_out, (c,))):
        for contribution in targets:
            assert supports.support(contribution.id, user=user)
    invariants = Invariants()
    group = detect_one_group(scene)
    duplicates.confirm(group.id, a.id, member_ids=[a.id, b.id], moderator=scene["moderator"])
    invariants.check(duplicates.CONFIRM, 1)
    assert duplicates.idea_supporters(b.id) == {both.id, only_a.id}
    assert duplicates.idea_support_count(a.id) == 2, "a person supporting two members counts once"
    idea = duplicates.idea_of(b.id)
    assert (idea.n_supporters, idea.n_supports) == (2, 3)
    assert duplicates.idea_support_count(c.id) == 1, "the left-out contribution is its own idea"


# --- diff ----------------------------------------------------------------------------------------


def test_differences_are_highlighted_word_by_word_and_escaped():
    html = str(
        highlight_differences(
            "Former les formateurs au numérique.", "Former les formateurs <script>alert('x')</script> au numérique."
        )
    )
    assert "<script>" not in html
    assert '<ins><span class="visually-hidden">[ajouté : </span>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;' in html
    assert html.startswith("Former les formateurs ") and "<del>" not in html
    removed = str(highlight_differences("un deux trois", "un trois"))
    assert re.sub(r"<span class=\"visually-hidden\">[^<]*</span>", "", removed) == "un <del>deux</del> trois"


# --- undo / redo ---------------------------------------------------------------------------------


def _entry(action: str) -> AuditEntry:
    return db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id.desc())
    ).first()


def test_undo_and_redo_a_confirmation(app, scene):
    group = detect_one_group(scene)
    a, b, c = (twin.id for twin in scene["twins"])
    duplicates.confirm(group.id, c, member_ids=[b, c], moderator=scene["moderator"])
    invariants = scene["invariants"]

    undo_entry = undo.undo_act(_entry(duplicates.CONFIRM).id, actor=scene["moderator"])
    invariants.check(duplicates.CONFIRM + ":undo", 1)
    group = duplicates.get_group(group.id)
    assert (group.status, group.representative_id, group.decided_by_id) == (DuplicateStatus.PENDING, a, None)
    assert not any(m.is_excluded for m in group.members)
    assert duplicates.dismissed_pairs(scene["process"].id) == set()
    assert duplicates.idea_of(b) is None

    undo.undo_act(undo_entry.id, actor=scene["moderator"])  # redo
    invariants.check(duplicates.CONFIRM + ":redo", 1)
    group = duplicates.get_group(group.id)
    assert (group.status, group.representative_id, group.contribution_ids) == (DuplicateStatus.CONFIRMED, c, [c, b])
    assert duplicates.dismissed_pairs(scene["process"].id) == {(a, b), (a, c)}
    assert db.session.get(AuditEntry, _entry(duplicates.CONFIRM).id).undone_at is None


def test_undo_and_redo_a_dismissal(app, scene):
    group = detect_one_group(scene)
    duplicates.dismiss(group.id, moderator=scene["moderator"])
    undo_entry = undo.undo_act(_entry(duplicates.DISMISS).id, actor=scene["moderator"])
    scene["invariants"].check(duplicates.DISMISS + ":undo", 1)
    assert duplicates.get_group(group.id).status == DuplicateStatus.PENDING
    assert db.session.scalar(db.select(db.func.count(DismissedPair.id))) == 0, "the pairs may be proposed again"
    duplicates.detect(scene["process"].id, actor=scene["moderator"])
    assert pending_member_sets(scene["process"].id) == [frozenset(t.id for t in scene["twins"])]

    undo.undo_act(undo_entry.id, actor=scene["moderator"])  # redo
    scene["invariants"].check(duplicates.DISMISS + ":redo", 1)
    assert duplicates.get_group(group.id).status == DuplicateStatus.DISMISSED
    assert len(duplicates.dismissed_pairs(scene["process"].id)) == 3


def test_redo_is_refused_when_a_later_decision_depends_on_the_group(app, scene):
    group = detect_one_group(scene)
    duplicates.confirm(group.id, group.representative_id, moderator=scene["moderator"])
    undo_entry = undo.undo_act(_entry(duplicates.CONFIRM).id, actor=scene["moderator"])
    duplicates.dismiss(group.id, moderator=scene["moderator"])
    dismiss_entry = _entry(duplicates.DISMISS)
    with pytest.raises(undo.Blocked, match=f"acte n° {dismiss_entry.id}"):
        undo.undo_act(undo_entry.id, actor=scene["moderator"])
    db.session.expire_all()
    assert duplicates.get_group(group.id).status == DuplicateStatus.DISMISSED, "a refused redo changes nothing"
    undo.undo_act(dismiss_entry.id, actor=scene["moderator"])
    undo.undo_act(undo_entry.id, actor=scene["moderator"])
    assert duplicates.get_group(group.id).status == DuplicateStatus.CONFIRMED
    scene["invariants"].check()


def test_undo_of_a_group_replaced_by_a_new_detection_says_so(app, scene):
    from contrib.moderation import hiding as moderation

    group = detect_one_group(scene)
    duplicates.confirm(group.id, group.representative_id, moderator=scene["moderator"])
    undo_entry = undo.undo_act(_entry(duplicates.CONFIRM).id, actor=scene["moderator"])
    for twin in scene["twins"][1:]:
        moderation.hide(twin.id, "Hors sujet", moderator=scene["moderator"])
    duplicates.detect(scene["process"].id, actor=scene["moderator"])  # the pending group goes
    with pytest.raises(Conflict, match="n'existe plus"):
        undo.undo_act(undo_entry.id, actor=scene["moderator"])
    scene["invariants"].check()


# --- pages ---------------------------------------------------------------------------------------


def test_review_journey_through_the_pages(app, client, auth, scene, factory):
    slug, (a, b, c) = scene["process"].slug, (twin.id for twin in scene["twins"])
    supporter = factory.user()
    for contribution_id in (a, b):
        supports.support(contribution_id, user=supporter)
    invariants = Invariants()
    auth.login(scene["moderator"])
    assert f"/moderation/demarches/{slug}/doublons/" in client.get("/moderation/").text

    queue = client.get(f"/moderation/demarches/{slug}/doublons/")
    assert "Chercher les doublons" in queue.text and "Aucun groupe en attente" in queue.text
    response = client.post(f"/moderation/demarches/{slug}/doublons/chercher", follow_redirects=True)
    assert re.search(
        r"1 groupe de doublons à examiner parmi 4 contributions \(1 nouveau\), trouvé en \d+,\d s", response.text
    )
    group = duplicates.pending_groups(scene["process"].id)[0]
    assert "identique (100 %)" in response.text and "3 thématiques" in response.text

    page = client.get(f"/moderation/demarches/{slug}/doublons/{group.id}")
    assert page.text.count('<section class="duplicate-column') == 3 and "texte barré" in page.text
    assert page.text.count('name="representative_id"') == 3 and page.text.count('name="member_ids"') == 3
    assert "<del>" in page.text and "<ins>" in page.text, "the upper-case copy differs word by word"

    refused = client.post(
        f"/moderation/demarches/{slug}/doublons/{group.id}/confirmer",
        data={"representative_id": str(a), "member_ids": [str(a)]},
    )
    assert refused.status_code == 400 and "Gardez au moins deux contributions" in refused.text

    response = client.post(
        f"/moderation/demarches/{slug}/doublons/{group.id}/confirmer",
        data={"representative_id": str(b), "member_ids": [str(a), str(b)]},
        follow_redirects=True,
    )
    assert "confirmé : ces contributions forment une seule idée" in response.text
    assert f'href="/moderation/demarches/{slug}/propositions/nouvelle?ids={b},{a}"' in response.text
    assert "Créer une proposition avec ce groupe" in response.text
    assert "1 personne (chacune comptée une fois ; 2 soutiens au total" in response.text

    contribution_page = client.get(f"/contributions/{b}")
    assert f'Même idée que la contribution n° <a href="/contributions/{a}">{a}</a>' in contribution_page.text
    assert "1 personne soutient cette idée" in contribution_page.text
    assert "Même idée" not in client.get(f"/contributions/{c}").text

    queue = client.get(f"/moderation/demarches/{slug}/doublons/")
    entry = _entry(duplicates.CONFIRM)
    assert f"acte n° {entry.id} au journal" in queue.text and "Confirmé : une seule idée" in queue.text
    response = client.post(
        f"/moderation/journal/{entry.id}/annuler",
        data={"retour": f"/moderation/demarches/{slug}/doublons/"},
        follow_redirects=True,
    )
    assert f"Acte n° {entry.id} annulé" in response.text and "Groupe n° " in response.text
    assert duplicates.get_group(group.id).status == DuplicateStatus.PENDING
    assert "Confirmation d&#39;un groupe de doublons" in client.get("/moderation/journal").text

    response = client.post(f"/moderation/demarches/{slug}/doublons/{group.id}/ecarter", follow_redirects=True)
    assert "écarté : ces contributions ne seront plus proposées ensemble" in response.text
    again = client.post(f"/moderation/demarches/{slug}/doublons/{group.id}/ecarter", follow_redirects=True)
    assert "déjà été écarté" in again.text
    invariants.check(duplicates.DISMISS, 1)


def test_group_page_shows_hostile_text_as_text(app, client, auth, factory):
    process = factory.process()
    moderator = factory.user(Role.MODERATOR)
    hostile = "Former les formateurs à l'IA générative <script>alert('x')</script> pour concevoir et évaluer."
    factory.contribution(process, text="Former les formateurs à l'IA générative pour concevoir et évaluer autrement.")
    factory.contribution(process, text=hostile)
    factory.contribution(process, text=hostile, theme_id=process.themes[3].id)
    duplicates.detect(process.id, actor=moderator)
    auth.login(moderator)
    for group in duplicates.pending_groups(process.id):
        page = client.get(f"/moderation/demarches/{process.slug}/doublons/{group.id}")
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page.text


def test_a_group_of_another_process_is_not_found(app, client, auth, scene, factory):
    group = detect_one_group(scene)
    elsewhere = factory.process()
    auth.login(scene["moderator"])
    assert client.get(f"/moderation/demarches/{elsewhere.slug}/doublons/{group.id}").status_code == 404
    response = client.post(f"/moderation/demarches/{elsewhere.slug}/doublons/{group.id}/ecarter", follow_redirects=True)
    assert "Groupe de doublons introuvable" in response.text
    assert (
        client.post(
            f"/moderation/demarches/{elsewhere.slug}/doublons/{group.id}/confirmer",
            data={"representative_id": str(group.representative_id)},
        ).status_code
        == 404
    )
    assert duplicates.get_group(group.id).status == DuplicateStatus.PENDING
