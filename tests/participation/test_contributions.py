"""Posting, reading and listing contributions."""

import pytest

from contrib.core.errors import InvalidInput, NotAllowed
from contrib.extensions import db
from contrib.models import AuditEntry, Contribution, ContributionSource, Process, Role
from contrib.models.base import utcnow
from contrib.participation import contributions
from contrib.participation.contributions import ContributionDraft, OnBehalf


@pytest.fixture
def participant_client(client, factory, auth):
    user = factory.user()
    auth.login(user)
    client.user = user
    return client


def post(client, process, **overrides):
    data = {
        "theme_id": str(process.themes[2].id),
        "kind": "proposal",
        "title": "Reconnaître les formateurs",
        "text": "Créer un statut de formateur reconnu dans toutes les branches.",
    }
    data.update(overrides)
    return client.post(f"/demarches/{process.slug}/contribuer", data=data)


def test_participant_posts_a_contribution(participant_client, factory):
    """Is a posted contribution stored, counted, audited and shown on the process page?"""
    process = factory.process()
    response = post(participant_client, process)
    assert response.status_code == 302
    contribution = db.session.execute(db.select(Contribution)).scalar_one()
    assert response.location == f"/contributions/{contribution.id}"
    assert contribution.author_id == participant_client.user.id
    assert contribution.theme_id == process.themes[2].id
    assert contribution.source == ContributionSource.ONLINE
    assert db.session.get(Process, process.id).n_contributions == 1
    assert db.session.execute(db.select(AuditEntry.action)).scalar_one() == "contributions:contribution:create"
    assert "Créer un statut de formateur" in participant_client.get(f"/demarches/{process.slug}").text


BAD_TEXTS = [
    ("", "Contribution : ce champ est obligatoire"),
    ("   \n\t  ", "Contribution : ce champ est obligatoire"),
    ("x" * 5001, "5001 caractères, c&#39;est trop long (maximum 5000)"),
    ("Bonjour <script>alert(1)</script>", "balises HTML"),
    ('<img src=x onerror="alert(1)">', "balises HTML"),
    ("Texte avec un caractère \x07 invisible", "caractères de contrôle"),
    ("Texte avec \x00 un octet nul", "caractères de contrôle"),
    ("Encodage cassé \ufffd ici", "encodage invalide"),
]


@pytest.mark.parametrize(("text", "message"), BAD_TEXTS)
def test_bad_text_is_refused_and_kept_in_the_form(participant_client, factory, text, message):
    """Is each bad text refused in French, nothing stored, and the title kept for the person?"""
    process = factory.process()
    response = post(participant_client, process, text=text)
    assert response.status_code == 400
    assert message in response.text
    assert 'value="Reconnaître les formateurs"' in response.text
    assert db.session.execute(db.select(Contribution)).first() is None


def test_invalid_utf8_bytes_are_refused(participant_client, factory):
    process = factory.process()
    body = f"theme_id={process.themes[0].id}&kind=idea&text=caf%E9+cr%E8me".encode()
    response = participant_client.post(
        f"/demarches/{process.slug}/contribuer", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "pas en UTF-8" in response.text
    assert db.session.execute(db.select(Contribution)).first() is None


def test_long_text_keeps_what_was_typed(participant_client, factory):
    process = factory.process()
    text = "Une phrase qui revient. " * 300
    response = post(participant_client, process, text=text)
    assert response.status_code == 400
    assert text.strip()[:500] in response.text


def test_sql_looking_text_is_stored_verbatim(participant_client, factory):
    """SQL-shaped text is plain text: stored as typed, shown as typed, tables intact."""
    process = factory.process()
    text = "Robert'); DROP TABLE contributions; -- et aussi ' OR 1=1 --"
    assert post(participant_client, process, text=text).status_code == 302
    stored = db.session.execute(db.select(Contribution)).scalar_one()
    assert stored.text == text
    assert db.session.execute(db.text("SELECT COUNT(*) FROM contributions")).scalar() == 1


@pytest.mark.parametrize("field", ["theme_id", "kind"])
def test_missing_theme_or_kind_is_refused(participant_client, factory, field):
    process = factory.process()
    response = post(participant_client, process, **{field: "0" if field == "theme_id" else "n'importe quoi"})
    assert response.status_code == 400
    assert ("Choisissez une thématique" if field == "theme_id" else "Choisissez le type") in response.text


def test_theme_of_another_process_is_refused(participant_client, factory):
    process, other = factory.process(), factory.process()
    response = post(participant_client, process, theme_id=str(other.themes[0].id))
    assert response.status_code == 400
    assert db.session.execute(db.select(Contribution)).first() is None


def test_closed_process_refuses_contributions(participant_client, factory):
    process = factory.process(is_open=False)
    assert participant_client.get(f"/demarches/{process.slug}/contribuer").status_code == 403
    response = post(participant_client, process)
    assert response.status_code == 403
    assert "close" in response.text


def test_text_is_normalised_not_rewritten(factory, app):
    process = factory.process()
    user = factory.user()
    draft = ContributionDraft(
        theme_id=process.themes[0].id,
        kind="idea",
        text="  Première ligne\r\n\r\n\r\n\r\nSeconde ligne  ",
        title="  Un   titre ",
    )
    contribution = contributions.post_contribution(process.id, draft, author=user)
    assert contribution.text == "Première ligne\n\nSeconde ligne"
    assert contribution.title == "Un titre"


def test_facilitator_enters_on_behalf_of_a_table(factory, app):
    process = factory.process()
    facilitator = factory.user(Role.FACILITATOR)
    draft = ContributionDraft(
        theme_id=process.themes[1].id, kind="diagnostic", text="Trop peu de liens avec les entreprises."
    )
    contribution = contributions.post_contribution(
        process.id,
        draft,
        author=facilitator,
        on_behalf=OnBehalf(table_label="Table 3", n_participants=5, actor_type="training_org"),
    )
    assert contribution.author_id is None
    assert contribution.entered_by_id == facilitator.id
    assert contribution.source == ContributionSource.FACILITATOR
    assert contribution.signature == "Table 3"


def test_participant_cannot_enter_on_behalf(factory, app):
    process = factory.process()
    participant = factory.user()
    draft = ContributionDraft(theme_id=process.themes[1].id, kind="idea", text="Un texte.")
    with pytest.raises(NotAllowed):
        contributions.post_contribution(process.id, draft, author=participant, on_behalf=OnBehalf(table_label="T1"))


def test_on_behalf_headcount_is_checked(factory, app):
    process = factory.process()
    facilitator = factory.user(Role.FACILITATOR)
    draft = ContributionDraft(theme_id=process.themes[1].id, kind="idea", text="Un texte.")
    with pytest.raises(InvalidInput, match="Nombre de personnes"):
        contributions.post_contribution(process.id, draft, author=facilitator, on_behalf=OnBehalf(n_participants=0))


def test_hidden_contribution_is_visible_only_to_author_and_moderators(client, factory, auth):
    process = factory.process()
    author, other, moderator = factory.user(), factory.user(), factory.user(Role.MODERATOR)
    contribution = factory.contribution(process, author_id=author.id, hidden_at=utcnow(), hidden_reason="hors sujet")
    url = f"/contributions/{contribution.id}"
    assert client.get(url).status_code == 404
    assert "hors sujet" not in client.get(f"/demarches/{process.slug}").text
    for user, expected in ((other, 404), (author, 200), (moderator, 200)):
        auth.login(user)
        assert client.get(url).status_code == expected
        auth.logout()


def test_my_contributions_lists_own_and_entered(client, factory, auth):
    process = factory.process()
    me, someone = factory.user(), factory.user()
    factory.contribution(process, author_id=me.id, text="Ma première idée")
    factory.contribution(process, author_id=someone.id, text="L'idée d'un autre")
    factory.contribution(process, author_id=me.id, text="Mon idée masquée", hidden_at=utcnow(), hidden_reason="doublon")
    auth.login(me)
    html = client.get("/mes-contributions").text
    assert "Ma première idée" in html
    assert "L&#39;idée d&#39;un autre" not in html and "L'idée d'un autre" not in html
    assert "Masquée : doublon" in html


class TestPagination:
    """Keyset pagination: every visible contribution exactly once, forwards and backwards."""

    def _walk(self, process_id, **filters):
        seen, page = [], contributions.list_contributions(process_id, per_page=7, **filters)
        seen.extend(c.id for c in page.items)
        while page.older_cursor:
            page = contributions.list_contributions(process_id, per_page=7, older_than=page.older_cursor, **filters)
            seen.extend(c.id for c in page.items)
        return seen, page

    def test_forward_walk_sees_everything_once_newest_first(self, factory, app):
        process = factory.process()
        ids = [factory.contribution(process).id for _ in range(30)]
        factory.contribution(process, hidden_at=utcnow())
        seen, _ = self._walk(process.id)
        assert seen == sorted(ids, reverse=True)

    def test_backward_walk_and_last_page(self, factory, app):
        process = factory.process()
        ids = [factory.contribution(process).id for _ in range(30)]
        last = contributions.list_contributions(process.id, per_page=7, last=True)
        assert [c.id for c in last.items] == sorted(ids[:7], reverse=True)
        assert last.older_cursor is None and last.newer_cursor == ids[6]
        seen, page = list(reversed([c.id for c in last.items])), last
        while page.newer_cursor:
            page = contributions.list_contributions(process.id, per_page=7, newer_than=page.newer_cursor)
            seen.extend(reversed([c.id for c in page.items]))
        assert seen == ids

    def test_filters_by_theme_and_kind(self, factory, app):
        process = factory.process()
        wanted = factory.contribution(process, theme_id=process.themes[3].id, kind="weak_signal")
        factory.contribution(process, theme_id=process.themes[3].id, kind="idea")
        factory.contribution(process, theme_id=process.themes[1].id, kind="weak_signal")
        seen, _ = self._walk(process.id, theme_id=process.themes[3].id, kind="weak_signal")
        assert seen == [wanted.id]

    def test_process_page_links_work(self, client, factory):
        process = factory.process()
        for n in range(45):
            factory.contribution(process, text=f"Idée numéro {n:02d}")
        first = client.get(f"/demarches/{process.slug}").text
        assert "Idée numéro 44" in first and "Idée numéro 24" not in first
        last = client.get(f"/demarches/{process.slug}?fin=1").text
        assert "Idée numéro 00" in last and "Plus anciennes" not in last
        assert client.get(f"/demarches/{process.slug}?avant=abc&type=<script>").status_code == 200


def test_my_contributions_page_title(client, factory, auth):
    auth.login(factory.user())
    html = client.get("/mes-contributions").text
    assert "<title>Mes contributions · Contrib CPOF</title>" in html
    assert html.count("Mes soutiens") == 1


class TestSearch:
    def test_search_ignores_case_and_accents_and_combines_with_filters(self, client, factory):
        process = factory.process()
        hit = factory.contribution(
            process, kind="weak_signal", title="Qualiopi", text="Les AUDITS Qualiopi épuisent les équipes."
        )
        factory.contribution(process, kind="idea", text="Les audits qualiopi coûtent cher.")
        factory.contribution(process, kind="weak_signal", text="Rien à voir avec la qualité.")
        html = client.get(f"/demarches/{process.slug}?q=audit+EPUISENT").text
        assert "2 résultats pour «&nbsp;audit EPUISENT&nbsp;»" in html
        # The text with every word first; the one sharing only "audit" follows, flagged as found by meaning.
        assert html.index("épuisent") < html.index("coûtent") and html.count("Proche par le sens") == 1
        found = contributions.search_contributions(process.id, "qualiopi", kind="weak_signal")
        assert [c.id for c in found.items] == [hit.id]

    def test_search_wildcards_are_literal(self, factory, app):
        process = factory.process()
        factory.contribution(process, text="Cent pour cent des stagiaires")
        percent = factory.contribution(process, text="Un taux de 100% de réussite")
        assert [c.id for c in contributions.search_contributions(process.id, "100%").items] == [percent.id]
        assert contributions.search_contributions(process.id, "_").items == []

    def test_search_covers_bulk_loaded_rows(self, factory, app):
        from contrib.facilitation.bulk import BulkRow, load_rows

        process = factory.process()
        load_rows(process.id, [BulkRow(theme=process.themes[0].name, text="Former à l'ÉCO-conception")])
        assert len(contributions.search_contributions(process.id, "eco-conception").items) == 1

    def test_pagination_keeps_the_search(self, client, factory):
        process = factory.process()
        for n in range(25):
            factory.contribution(process, text=f"Apprentissage numéro {n}")
        html = client.get(f"/demarches/{process.slug}?q=apprentissage").text
        assert "q=apprentissage" in html.split("Page suivante")[0].rsplit("href=", 1)[1]


def test_an_empty_form_names_every_missing_field_at_once_each_under_its_field(participant_client, factory):
    """Does a person who sends the form empty learn both that a theme and a text are missing, each message
    under its own field, rather than one fault per attempt?"""
    process = factory.process()
    response = post(participant_client, process, theme_id="0", title="", text="")
    assert response.status_code == 400
    page = response.text
    theme_error = page.index('id="theme_id-erreur"')
    text_error = page.index('id="text-erreur"')
    assert "Choisissez une thématique de cette démarche." in page[theme_error : theme_error + 200]
    assert "Contribution : ce champ est obligatoire" in page[text_error : text_error + 200]
    assert db.session.execute(db.select(Contribution)).first() is None


def test_a_too_long_text_is_reported_even_when_the_theme_is_missing(participant_client, factory):
    process = factory.process()
    response = post(participant_client, process, theme_id="0", text="x" * 5001)
    assert response.status_code == 400
    assert "Choisissez une thématique" in response.text
    assert "5001 caractères, c&#39;est trop long" in response.text


def test_a_facilitator_entry_names_every_missing_field_at_once(client, factory, auth):
    process = factory.process()
    auth.login(factory.user(Role.FACILITATOR))
    response = client.post(
        f"/demarches/{process.slug}/saisie-atelier",
        data={"theme_id": "0", "kind": "idea", "text": "", "actor_type": "training_org"},
    )
    assert response.status_code == 400
    assert 'id="theme_id-erreur"' in response.text and 'id="text-erreur"' in response.text
    assert db.session.execute(db.select(Contribution)).first() is None


def test_the_author_reads_where_to_follow_their_contribution_and_others_do_not(participant_client, factory, auth):
    """After posting, does the author learn where they will hear what becomes of it?"""
    process = factory.process()
    page = participant_client.get(post(participant_client, process).location).text
    assert "Vous serez prévenu·e dans vos" in page and 'href="/mes-contributions">Mes contributions</a>' in page
    # The control: someone else reading it is not told about "their" contribution.
    contribution_id = db.session.execute(db.select(Contribution.id)).scalar_one()
    auth.logout()
    auth.login(factory.user())
    assert "Vous serez prévenu·e" not in participant_client.get(f"/contributions/{contribution_id}").text


def test_the_author_of_a_contribution_in_a_proposal_is_not_told_it_will_be_integrated(
    participant_client, factory, auth
):
    """Once in a proposal, « … quand elle sera intégrée à une proposition » promised what had already happened."""
    from contrib.proposals import services as proposals

    process = factory.process()
    page = participant_client.get(post(participant_client, process).location).text
    assert "commentée, intégrée à une proposition, masquée ou retenue" in page, "control: before, it may be"
    contribution = db.session.execute(db.select(Contribution)).scalar_one()
    moderator = factory.user(Role.MODERATOR)
    proposals.create_from_contributions(
        process.id, [contribution.id], "Une proposition", "Texte.", [contribution.theme_id], "high", moderator=moderator
    )
    page = participant_client.get(f"/contributions/{contribution.id}").text
    assert "intégrée à une proposition, masquée" not in page
    assert "commentée, quand la proposition qui l'intègre changera de statut, ou si elle est retenue ;" in page


def test_the_form_explains_the_kinds_of_contribution_in_plain_words(participant_client, factory):
    process = factory.process()
    page = participant_client.get(f"/demarches/{process.slug}/contribuer").text
    assert 'aria-describedby="kind-aide"' in page
    assert "Signal faible : un changement qui commence à peine et qu&#39;il faut surveiller." in page
