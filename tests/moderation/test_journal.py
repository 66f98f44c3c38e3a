"""The journal in plain French: one sentence per act, readable changes, filters, pages of 50."""

import re
from datetime import timedelta

import pytest
from markupsafe import Markup

from contrib.core import undo
from contrib.extensions import db
from contrib.models import AuditEntry, Role
from contrib.models.base import utcnow
from contrib.moderation import hiding as moderation
from contrib.moderation import journal, sentences
from contrib.proposals import services as proposals
from tests.moderation.test_moderation_undo import _recorded_actions

_ROWS = re.compile(r'<li id="acte-(\d+)"')


def _ids(html: str) -> list[int]:
    return [int(n) for n in _ROWS.findall(html)]


def test_every_action_the_code_records_has_a_french_sentence(app):
    actions = _recorded_actions() | set(undo._registry)
    assert {"proposals:proposal:merge", "reports:comment:keep_hidden", "accounts:user:register"} <= actions
    assert len(actions) >= 60, "the scan finds the actions"
    missing = sorted(action for action in actions if sentences.template_for(action) is None)
    assert missing == [], f"audited acts without a sentence in contrib/moderation/sentences.py: {missing}"
    assert sentences.template_for("proposals:proposal:invented") is None, "control: an unknown act has none"
    assert sentences.template_for("proposals:proposal:merge:undo") == sentences.UNDO_SENTENCE


@pytest.mark.parametrize("action", sorted(sentences.SENTENCES))
def test_each_sentence_reads_even_from_an_entry_with_little_data(app, factory, action):
    """Every placeholder has a way to be filled; old entries with missing keys still give a sentence."""
    moderator = factory.user(Role.MODERATOR, display_name="Sophie")
    entry = AuditEntry(action=action, actor=moderator, target_type="proposal", target_id=7, before={}, after={})
    text = str(sentences.sentence(entry, journal.Names([entry])))
    assert text[0].isupper() and text.endswith((".", ".)")), text
    assert "{" not in text and "None" not in text, text


@pytest.fixture
def scene(factory):
    process = factory.process(title="Rencontre de Pessac")
    other = factory.process(title="Débat en ligne")
    moderator = factory.user(Role.MODERATOR, display_name="Sophie")
    colleague = factory.user(Role.MODERATOR, display_name="Karim")
    contributions = [factory.contribution(process, text=f"Idée numéro {n} sur l'été") for n in range(3)]
    elsewhere = factory.contribution(other)
    return {
        "process": process,
        "other": other,
        "moderator": moderator,
        "colleague": colleague,
        "contributions": contributions,
        "elsewhere": elsewhere,
    }


def test_acts_read_as_sentences_with_readable_differences(client, auth, scene):
    ids = [c.id for c in scene["contributions"]]
    proposal = proposals.create_from_contributions(
        scene["process"].id,
        ids,
        "Été apprenant",
        "Un été pour apprendre.",
        [scene["process"].themes[0].id],
        "high",
        moderator=scene["moderator"],
    )
    proposals.edit_text(proposal.id, "Été apprenant", "Un été entier pour apprendre.", moderator=scene["moderator"])
    moderation.hide(scene["elsewhere"].id, "Propos « hors sujet »", moderator=scene["colleague"])
    auth.login(scene["moderator"])
    html = client.get("/moderation/journal").text
    assert (
        f"Sophie a fusionné les contributions n° {ids[0]}, {ids[1]} et {ids[2]} dans la nouvelle proposition "
        f"n° {proposal.id} «\u00a0Été apprenant\u00a0»." in html
    )
    assert f"Sophie a modifié le texte de la proposition n° {proposal.id} «\u00a0Été apprenant\u00a0»." in html
    assert 'Un été <ins><span class="visually-hidden">[ajouté : </span>entier' in html
    assert f"Karim a masqué la contribution n° {scene['elsewhere'].id}." in html
    assert "Motif du masquage" in html and "Propos « hors sujet »" in html
    # Never JSON, escapes or English names of objects.
    assert "\\u00e9" not in html and '{"' not in html and "&#34;" not in html
    for english in ("proposal", "duplicate_group", "contribution_ids", "hidden_reason"):
        assert not re.search(rf">[^<]*\b{english}\b[^<]*<", html), english


def test_filters_by_person_act_date_process_and_object(client, auth, scene):
    first, second = scene["contributions"][:2]
    moderation.hide(first.id, "Doublon", moderator=scene["moderator"])
    moderation.hide(second.id, "Hors sujet", moderator=scene["colleague"])
    moderation.restore(second.id, moderator=scene["colleague"])
    moderation.hide(scene["elsewhere"].id, "Spam", moderator=scene["moderator"])
    old = db.session.scalar(
        db.select(AuditEntry).where(AuditEntry.target_id == first.id, AuditEntry.target_type == "contribution")
    )
    old.created_at = utcnow() - timedelta(days=10)
    db.session.commit()
    entry = {
        (e.target_id, e.action): e.id
        for e in db.session.scalars(db.select(AuditEntry).where(AuditEntry.action.like("moderation:%")))
    }
    hide_first, hide_second = (
        entry[(first.id, "moderation:contribution:hide")],
        entry[(second.id, "moderation:contribution:hide")],
    )
    restore_second = entry[(second.id, "moderation:contribution:restore")]
    hide_elsewhere = entry[(scene["elsewhere"].id, "moderation:contribution:hide")]
    auth.login(scene["moderator"])

    def shown(query: str) -> set[int]:
        response = client.get("/moderation/journal?" + query)
        assert response.status_code == 200, response.text
        return set(_ids(response.text))

    everything = {hide_first, hide_second, restore_second, hide_elsewhere}
    assert shown("") == everything, "control: no filter shows every act"
    assert shown(f"personne={scene['colleague'].id}") == {hide_second, restore_second}
    assert shown("acte=moderation:contribution:hide") == {hide_first, hide_second, hide_elsewhere}
    assert shown(f"acte=moderation:contribution:hide&personne={scene['colleague'].id}") == {hide_second}
    today = utcnow().date()
    assert shown(f"du={(today - timedelta(days=1)).isoformat()}") == everything - {hide_first}
    assert shown(f"au={(today - timedelta(days=5)).isoformat()}") == {hide_first}
    assert shown(f"du={today - timedelta(days=1):%d/%m/%Y}") == everything - {hide_first}, "French form"
    assert shown(f"au={today - timedelta(days=5):%d.%m.%Y}") == {hide_first}
    assert shown(f"du={today.day}/{today.month}/{today.year}") == everything - {hide_first}, "no leading zero"
    assert shown(f"demarche={scene['process'].slug}") == everything - {hide_elsewhere}
    assert shown(f"demarche={scene['other'].slug}") == {hide_elsewhere}
    assert shown(f"objet=contribution&numero={second.id}") == {hide_second, restore_second}
    assert shown(f"contribution={second.id}") == {hide_second, restore_second}, "links from a contribution's page"
    assert shown("objet=proposition") == set()


@pytest.mark.parametrize(
    "query, message",
    [
        ("acte=drop+table", "ce type d&#39;acte n&#39;existe pas"),
        ("personne=abc", "cette personne est introuvable"),
        ("personne=999999", "cette personne est introuvable"),
        ("du=2026-13-45", "n&#39;est pas une date"),
        ("du=31/02/2026", "«\xa031/02/2026\xa0» n&#39;est pas une date ; écrivez le jour, le mois puis l&#39;année"),
        ("au=12/31/2026", "Au : «\xa012/31/2026\xa0» n&#39;est pas une date"),
        ("du=hier", "Du : «\xa0hier\xa0» n&#39;est pas une date"),
        ("du=02/05/2026&au=01/05/2026", "le début de la période est après sa fin"),
        ("du=2026-05-02&au=2026-05-01", "le début de la période est après sa fin"),
        ("demarche=nulle-part", "cette démarche est introuvable"),
        ("objet=utilisateur", "ce type d&#39;objet n&#39;existe pas"),
        ("objet=contribution&numero=12a", "n&#39;est pas un numéro"),
        ("numero=12", "choisissez aussi le type d&#39;objet"),
        ("avant=-3", "ce lien de page n&#39;est pas valable"),
    ],
)
def test_bad_filter_values_give_a_french_message(client, auth, scene, query, message):
    moderation.hide(scene["elsewhere"].id, "Spam", moderator=scene["moderator"])
    auth.login(scene["moderator"])
    response = client.get("/moderation/journal?" + query)
    assert response.status_code == 400
    assert "Filtre non appliqué" in response.text and message in response.text
    assert len(_ids(response.text)) == 1, "the bad filter is dropped, the journal still shows"


def test_a_date_box_keeps_what_was_typed_and_shows_a_good_date_day_first(client, auth, scene):
    auth.login(scene["moderator"])
    html = client.get("/moderation/journal?du=2026-12-03&au=31/02/2026").text
    assert 'name="du" type="text"' in html and 'name="au" type="text"' in html, "not the browser's own date box"
    assert 'value="03/12/2026"' in html, "an old ISO link shows the day in French"
    assert re.search(r'name="au"[^>]*value="31/02/2026" aria-invalid="true"', html), "the bad text stays, marked"
    assert not re.search(r'name="du"[^>]*aria-invalid', html), "control: the good box is not marked"


def test_the_journal_introduction_keeps_its_guillemets_with_their_word(client, auth, scene):
    """On a phone the line broke after « and left it alone at the end of a line."""
    auth.login(scene["moderator"])
    html = client.get("/moderation/journal").text
    assert "«&nbsp;Annuler&nbsp;» inverse l&#39;acte" in html or "«&nbsp;Annuler&nbsp;» inverse l'acte" in html


def test_pages_of_fifty_with_navigation(client, auth, factory, scene):
    many = [factory.contribution(scene["process"]) for _ in range(60)]
    for contribution in many:
        moderation.hide(contribution.id, "Doublon", moderator=scene["moderator"])
        moderation.restore(contribution.id, moderator=scene["moderator"])
    all_ids = db.session.scalars(
        db.select(AuditEntry.id).where(AuditEntry.action.like("moderation:%")).order_by(AuditEntry.id.desc())
    ).all()
    assert len(all_ids) == 120
    auth.login(scene["moderator"])
    first = client.get("/moderation/journal").text
    assert _ids(first) == all_ids[:50]
    assert "120 actes · 1 à 50 affichés" in first and "Page 1 sur 3" in first
    older = re.search(r'href="([^"]*avant=\d+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = client.get(older).text
    assert _ids(second) == all_ids[50:100] and "Page 2 sur 3" in second
    last = client.get("/moderation/journal?apres=0").text
    assert _ids(last) == all_ids[100:] and "Page 3 sur 3" in last and "101 à 120" in last
    newer = re.search(r'href="([^"]*apres=\d+)" rel="prev"', last).group(1).replace("&amp;", "&")
    assert _ids(client.get(newer).text) == all_ids[50:100], "back to page 2"
    # Filters are kept while paging.
    filtered = client.get("/moderation/journal?acte=moderation:contribution:hide").text
    assert "60 actes pour ces filtres" in filtered and "acte=moderation:contribution:hide&amp;avant=" in filtered


def test_undo_from_a_filtered_page_comes_back_to_it(client, auth, scene):
    moderation.hide(scene["elsewhere"].id, "Spam", moderator=scene["moderator"])
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "moderation:contribution:hide"))
    auth.login(scene["moderator"])
    path = f"/moderation/journal?personne={scene['moderator'].id}"
    page = client.get(path).text
    assert f'name="retour" value="{path}"' in page
    response = client.post(f"/moderation/journal/{entry.id}/annuler", data={"retour": path})
    assert response.headers["Location"] == path
    html = client.get("/moderation/journal").text
    assert "Sophie a annulé l'acte n°" in html


def test_changes_are_never_raw_state(app):
    entry = AuditEntry(
        action="prioritisation:proposal:status",
        target_type="proposal",
        target_id=1,
        before={"priority": "high", "status": "under_review", "status_reason": None},
        after={"priority": "high", "status": "retained", "status_reason": "Adoptée en plénière"},
    )
    shown = {change.label: str(change.shown) for change in sentences.changes(entry)}
    assert shown == {"Statut": "À l&#39;étude → Retenue", "Motif public du statut": "— → Adoptée en plénière"}
    assert isinstance(sentences.changes(entry)[0].shown, Markup)


def test_a_value_the_sentence_quotes_is_not_repeated_under_it(app):
    asked = AuditEntry(
        action="assistant:answer:generate",
        target_type="process",
        target_id=1,
        before={},
        after={"question": "Comment financer les formations ?"},
    )
    assert sentences.changes(asked) == [], "the sentence already says « la question « Comment financer… » »"
    renamed = AuditEntry(
        action="processes:theme:rename",
        target_type="process",
        target_id=1,
        before={"name": "Financement"},
        after={"name": "Financements"},
    )
    assert [change.label for change in sentences.changes(renamed)] == ["Nom"], "control: a change is still shown"


def test_every_journal_sentence_keeps_its_guillemets_with_their_words(app, factory):
    """Names come quoted (« Rencontre de Pessac », n° 7 « Financer l'AFEST »): never a plain space inside « »,
    so on a phone a guillemet never ends or starts a line alone. Scans the sentence of every act."""
    process = factory.process(title="Rencontre de Pessac")
    moderator = factory.user(Role.MODERATOR, display_name="Sophie")
    contribution = factory.contribution(process)
    proposal = proposals.create_from_contributions(
        process.id,
        [contribution.id],
        "Financer l'AFEST",
        "Texte.",
        [process.themes[0].id],
        "medium",
        moderator=moderator,
    )
    built = []
    for action in sorted(sentences.SENTENCES):
        for target_type in ("proposal", "process"):
            entry = AuditEntry(
                action=action,
                actor=moderator,
                target_type=target_type,
                target_id=proposal.id if target_type == "proposal" else process.id,
                before={},
                after={
                    "process_id": process.id,
                    "merged_into_id": proposal.id,
                    "new_proposal": {"id": proposal.id},
                    "question": "Et les financeurs ?",
                },
            )
            built.append(str(sentences.sentence(entry, journal.Names([entry]))))
    quoted = [text for text in built if "«" in text]
    assert len(quoted) >= 20, "control: many sentences name something in guillemets"
    assert [text for text in built if "« " in text or " »" in text] == []
    assert any("«\u00a0Rencontre de Pessac\u00a0»" in text for text in quoted)
