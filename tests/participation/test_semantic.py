"""The semantic layer in the app: stored vectors, suggestions, duplicate review, search (real model)."""

import numpy as np
import pytest

from contrib.duplicates import services as duplicates
from contrib.extensions import db
from contrib.facilitation import imports
from contrib.models import Contribution, DuplicateStatus, Role
from contrib.moderation import hiding
from contrib.participation import contributions, editing, search, similar, vectors
from contrib.participation.contributions import ContributionDraft
from nlp import embeddings
from tests.conftest import poll_with_worker

PREPARATION = (
    "Les financeurs devraient payer le temps de préparation des formateurs, "
    "pas seulement les heures passées devant le groupe."
)
REWORDED = (
    "Les formateurs vacataires sont payés à l'heure de face-à-face ; "
    "le temps passé à concevoir les supports n'est pas financé."
)
OTHERS = [
    "Baisser la TVA sur les produits de première nécessité pour redonner du pouvoir d'achat aux ménages modestes.",
    "Développer les pistes cyclables sécurisées entre les villages pour aller à l'école à vélo.",
    "Créer une plateforme régionale qui recense toutes les offres de formation avec les places disponibles.",
    "Mieux former les tuteurs en entreprise pour accompagner les apprentis pendant leurs premiers mois.",
]
SEMANTIC_LABEL = "Même idée, formulée autrement ? (à vérifier)"


def post(process, user, text, title=None, theme=0):
    draft = ContributionDraft(theme_id=process.themes[theme].id, kind="idea", text=text, title=title)
    return contributions.post_contribution(process.id, draft, author=user)


def stored(contribution_id):
    db.session.expire_all()
    row = db.session.get(Contribution, contribution_id)
    return row.embedding, row.embedding_model


def test_posting_stores_the_vector_of_title_and_text(app, factory):
    process, user = factory.process(), factory.user()
    contribution = post(process, user, PREPARATION, title="Payer la préparation")
    vector, model = stored(contribution.id)
    assert model == embeddings.MODEL_NAME and len(vector) == 1024
    expected = embeddings.embed([f"Payer la préparation {PREPARATION}"])[0]
    assert np.array_equal(embeddings.from_bytes(vector), expected)
    assert stored(factory.contribution(process).id) == (None, None)  # control: rows not posted have none yet
    assert vectors.count_missing(process.id) == 1


def test_a_failing_encoder_stores_no_vector_but_the_post_succeeds(app, factory, monkeypatch):
    def broken(texts, encoder=None):
        raise RuntimeError("model file missing")

    monkeypatch.setattr(embeddings, "embed", broken)
    process = factory.process()
    contribution = post(process, factory.user(), "Un texte jamais vu par le modèle pour ce test.")
    assert stored(contribution.id) == (None, None)
    assert db.session.get(Contribution, contribution.id).text.startswith("Un texte jamais vu")


def test_backfill_fills_missing_and_other_model_vectors_in_batches(app, factory, monkeypatch):
    monkeypatch.setattr(vectors, "BATCH_SIZE", 2)
    process = factory.process()
    rows = [factory.contribution(process, text=text) for text in OTHERS]
    db.session.execute(
        db.update(Contribution)
        .where(Contribution.id == rows[0].id)
        .values(embedding=b"\0" * 1024, embedding_model="old-model")
    )
    db.session.commit()
    progress = []
    assert vectors.backfill(process.id, on_progress=lambda done, total: progress.append((done, total))) == 4
    assert progress == [(2, 4), (4, 4)]
    assert vectors.count_missing(process.id) == 0
    assert np.array_equal(embeddings.from_bytes(stored(rows[0].id)[0]), embeddings.embed([OTHERS[0]])[0])


def test_an_imported_sheet_gets_its_vectors_from_a_real_worker(app, client, factory, auth):
    app.config["IMPORT_BACKGROUND_ROWS"] = 5
    process = factory.process(slug="pessac")
    facilitator = factory.user(Role.FACILITATOR)
    sheet = "\n".join(
        ["Thématique;Texte"] + [f"Métiers/compétences;{text} (table {i})" for i, text in enumerate(OTHERS * 2)]
    ).encode()
    batch = imports.start_import(process.id, sheet, "atelier.csv", actor=facilitator)
    auth.login(facilitator)
    client.post(f"/demarches/pessac/import/{batch.id}/confirmer")
    # The import task then the vectors task it queues, both run by one real consumer.
    poll_with_worker(app, client, f"/demarches/pessac/import/{batch.id}/etat")
    state = poll_until_vectors(app, process.id)
    assert state.status_label == "Terminé" and "8 vecteurs calculés" in state.message
    assert vectors.count_missing(process.id) == 0
    assert (
        db.session.scalar(
            db.select(db.func.count())
            .select_from(Contribution)
            .where(Contribution.embedding_model == embeddings.MODEL_NAME)
        )
        == 8
    )


def poll_until_vectors(app, process_id, timeout=120):
    import time

    from tests.conftest import running_worker

    with running_worker(app):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = vectors.backfill_progress(process_id)
            if state is not None and not state.is_active:
                break
            time.sleep(0.2)
    db.session.expire_all()
    return state


def test_embed_contributions_command_now_and_queued(app, factory):
    process = factory.process(slug="cli-vecteurs")
    for text in OTHERS[:3]:
        factory.contribution(process, text=text)
    runner = app.test_cli_runner()
    queued = runner.invoke(args=["embed-contributions", "--process", "cli-vecteurs"])
    assert queued.exit_code == 0 and "3 vecteurs à calculer : confié à la file de tâches" in queued.output
    assert vectors.backfill_progress(process.id).status_label == "En attente"
    now = runner.invoke(args=["embed-contributions", "--process", "cli-vecteurs", "--now"])
    assert now.exit_code == 0 and "3 vecteurs calculés" in now.output
    assert vectors.count_missing(process.id) == 0
    unknown = runner.invoke(args=["embed-contributions", "--process", "nulle-part"])
    assert unknown.exit_code != 0 and "Démarche introuvable" in unknown.output


class TestSuggestions:
    TYPED = "Rémunérer les formateurs qui conçoivent leurs cours"  # no content word shared with PARTNER
    PARTNER = "Financer le temps de préparation des intervenants"
    DISTRACTORS = [
        "Les formateurs doivent être formés à l'accueil des personnes en situation de handicap.",
        "Le temps de trajet des stagiaires en zone rurale devrait être pris en charge.",
        "Payer les stagiaires pendant la formation pour éviter les abandons.",
        "Le face-à-face pédagogique reste indispensable pour les publics fragiles.",
    ]

    def scene(self, factory):
        process, user = factory.process(), factory.user()
        rows = [post(process, user, text) for text in (*self.DISTRACTORS, self.PARTNER)]
        similar.forget()
        return process, rows[-1]

    def test_a_reworded_idea_is_suggested_from_stored_vectors(self, app, factory):
        process, partner = self.scene(factory)
        assert partner.id in [c.id for c, _ in similar.find_similar(process.id, self.TYPED)][:3]
        assert similar._cache[process.id].index.semantic

    def test_without_vectors_the_index_is_words_only_until_they_are_stored(self, app, factory, monkeypatch):
        monkeypatch.setattr(similar, "EMBED_IN_REQUEST", 0)
        process, partner = self.scene(factory)
        db.session.execute(db.update(Contribution).values(embedding=None, embedding_model=None))
        db.session.commit()
        assert partner.id not in [c.id for c, _ in similar.find_similar(process.id, self.TYPED)]
        assert not similar._cache[process.id].index.semantic  # control: words only, nothing embedded
        vectors.backfill(process.id)
        assert partner.id in [c.id for c, _ in similar.find_similar(process.id, self.TYPED)][:3]

    def test_a_large_words_only_index_is_replaced_in_the_background_once_vectors_are_stored(
        self, app, factory, monkeypatch
    ):
        import time

        for name, value in (("ALWAYS_REFIT_BELOW", 3), ("EMBED_IN_BACKGROUND", 2), ("UPGRADE_CHECK_SECONDS", 0)):
            monkeypatch.setattr(similar, name, value)
        process, partner = self.scene(factory)
        db.session.execute(db.update(Contribution).values(embedding=None, embedding_model=None))
        db.session.commit()
        similar.warm_up()
        words_only = similar._cache[process.id].index
        assert not words_only.semantic
        similar.find_similar(process.id, self.TYPED)
        assert similar._cache[process.id].index is words_only  # control: vectors still missing, kept
        vectors.backfill(process.id)
        similar.find_similar(process.id, self.TYPED)  # answers at once from the words, starts the swap
        deadline = time.monotonic() + 30
        while similar._cache[process.id].index is words_only and time.monotonic() < deadline:
            time.sleep(0.05)
        assert similar._cache[process.id].index.semantic
        assert partner.id in [c.id for c, _ in similar.find_similar(process.id, self.TYPED)][:3]

    def test_a_new_post_is_added_with_its_stored_vector(self, app, factory, monkeypatch):
        monkeypatch.setattr(similar, "ALWAYS_REFIT_BELOW", 0)  # what a large process does
        process, _ = self.scene(factory)
        similar.warm_up()
        index = similar._cache[process.id].index
        later = post(process, factory.user(), "Payer les formateurs pour le temps où ils conçoivent leurs cours.")
        assert later.id in [c.id for c, _ in similar.find_similar(process.id, self.TYPED)]
        assert similar._cache[process.id].index is index  # added, not rebuilt

    @pytest.mark.parametrize("large", [True, False])
    def test_an_edited_text_is_suggested_by_its_new_meaning_in_every_worker(self, app, factory, monkeypatch, large):
        """The edit rule leaves the caches alone, as on another host: the index notices the new revision."""
        if large:
            monkeypatch.setattr(similar, "ALWAYS_REFIT_BELOW", 0)  # built apart, before the workers fork
        process, partner = self.scene(factory)
        author = factory.user()
        edited = post(process, author, "Ouvrir les centres de formation le samedi matin.")
        similar.warm_up()  # builds the large one now (else in the background)
        before = [c.id for c, _ in similar.find_similar(process.id, self.TYPED)]
        assert edited.id not in before[:1] and partner.id in before  # control: the old text is not it
        index = similar._cache[process.id].index
        draft = ContributionDraft(
            theme_id=edited.theme_id, kind="idea", text="Rémunérer le temps où les formateurs conçoivent leurs cours."
        )
        editing.edit_contribution(edited.id, draft, author=author, version=edited.version)
        assert next(c.id for c, _ in similar.find_similar(process.id, self.TYPED)) == edited.id
        assert similar._cache[process.id].index is index  # re-indexed in place, not rebuilt
        assert edited.id not in [c.id for c, _ in similar.find_similar(process.id, "centres de formation le samedi")]


@pytest.fixture
def review(factory):
    process = factory.process()
    user, moderator = factory.user(), factory.user(Role.MODERATOR)
    return process, user, moderator


def test_a_reworded_pair_is_proposed_as_meaning_tier_and_stays_pending(app, client, auth, review):
    process, user, moderator = review
    first = post(process, user, PREPARATION)
    for text in OTHERS:
        post(process, user, text)
    second = post(process, user, REWORDED, theme=1)
    auth.login(moderator)
    page = client.post(f"/moderation/demarches/{process.slug}/doublons/chercher", follow_redirects=True)
    [group] = duplicates.pending_groups(process.id)
    assert group.reason == "semantic" and {m.contribution_id for m in group.members} == {first.id, second.id}
    assert f'<span class="tag tag-check">{SEMANTIC_LABEL}</span>' in page.text
    assert SEMANTIC_LABEL in client.get(f"/moderation/demarches/{process.slug}/doublons/{group.id}").text
    client.post(f"/moderation/demarches/{process.slug}/doublons/chercher")  # detecting again decides nothing
    db.session.expire_all()
    assert db.session.get(type(group), group.id).status == DuplicateStatus.PENDING
    response = client.post(
        f"/moderation/demarches/{process.slug}/doublons/{group.id}/confirmer",
        data={"representative_id": str(first.id), "member_ids": [str(first.id), str(second.id)]},
        follow_redirects=True,
    )
    assert "confirmé : ces contributions forment une seule idée" in response.text
    db.session.expire_all()
    assert db.session.get(type(group), group.id).status == DuplicateStatus.CONFIRMED


def test_opposite_stances_are_never_proposed(app, review):
    process, user, moderator = review
    for text in OTHERS:
        post(process, user, text)
    post(process, user, "Il faut généraliser l'AFEST dans toutes les entreprises de la branche dès l'an prochain.")
    post(
        process, user, "Il ne faut pas généraliser l'AFEST dans toutes les entreprises de la branche dès l'an prochain."
    )
    post(process, user, PREPARATION)
    post(process, user, REWORDED)
    duplicates.detect(process.id, actor=moderator)
    groups = [{m.contribution.text for m in group.members} for group in duplicates.pending_groups(process.id)]
    assert not any(any("AFEST" in text for text in group) for group in groups)
    assert len(groups) == 1  # control: the agreeing rewording still is proposed


class TestSearch:
    TEXTS = [
        ("Reconnaître les formateurs", "Créer un statut reconnu pour les formateurs indépendants des branches."),
        ("Certification", "La certification des compétences prend trop de temps pour les petits organismes."),
        (None, "Baisser la TVA sur les produits de première nécessité pour redonner du pouvoir d'achat."),
        (None, "Développer les pistes cyclables sécurisées entre les villages."),
        (None, "Les financements des OPCO arrivent trop tard pour les entrées en formation."),
    ]

    def scene(self, factory):
        process, user = factory.process(), factory.user()
        rows = [post(process, user, text, title=title) for title, text in self.TEXTS]
        similar.forget()
        return process, rows

    @pytest.mark.parametrize(
        "query, expected",
        [("formatrice", 0), ("formatrices indépendantes", 0), ("certifcation", 1), ("CERTIFICATION", 1), ("opco", 4)],
    )
    def test_words_are_found_whatever_the_form_accent_or_typo(self, app, client, factory, query, expected):
        process, rows = self.scene(factory)
        found = contributions.search_contributions(process.id, query)
        assert found.items[0].id == rows[expected].id
        assert rows[expected].id not in found.by_meaning  # found by its words, not only by meaning
        html = client.get(f"/demarches/{process.slug}", query_string={"q": query}).text
        html = html.replace("<mark>", "").replace("</mark>", "")  # the searched words are highlighted
        assert f"{found.n_found} résultat" in html and html.index(rows[expected].text[:30]) < html.index("n° ")

    def test_a_typo_is_corrected_only_towards_close_words(self, app, factory):
        process, rows = self.scene(factory)
        assert contributions.search_contributions(process.id, "certifcation").items[0].id == rows[1].id
        unrelated = contributions.search_contributions(process.id, "hippopotame")
        assert unrelated.n_found == 0 and unrelated.items == []  # control: no correction, no meaning match

    def test_results_are_ranked_and_counted_and_filters_apply(self, app, client, factory):
        process, rows = self.scene(factory)
        found = contributions.search_contributions(process.id, "formateurs reconnus")
        assert found.items[0].id == rows[0].id and found.n_found == len(found.items)
        themed = contributions.search_contributions(process.id, "formateurs", theme_id=process.themes[1].id)
        assert themed.items == []  # every post above is in the first theme
        db.session.execute(db.update(Contribution).where(Contribution.id == rows[0].id).values(hidden_at=db.func.now()))
        db.session.commit()
        assert rows[0].id not in [c.id for c in contributions.search_contributions(process.id, "formateurs").items]

    def test_the_word_index_follows_edits_of_the_text(self, app, factory):
        process, rows = self.scene(factory)
        db.session.execute(
            db.update(Contribution)
            .where(Contribution.id == rows[3].id)
            .values(search_text="velos electriques en libre service")
        )
        db.session.commit()
        similar.forget()
        found = contributions.search_contributions(process.id, "électriques")
        assert [c.id for c in found.items][:1] == [rows[3].id] and rows[3].id not in found.by_meaning
        cyclables = contributions.search_contributions(process.id, "cyclables")
        assert rows[3].id not in {c.id for c in cyclables.items} - cyclables.by_meaning  # no longer a word hit


class TestWordSearchFollowsTheRows:
    """The word index (SQLite FTS5 with its scope tokens, PostgreSQL's stored tsvector) follows every change
    of a row through the app's own services, with the same results on both databases."""

    def word_hits(self, process, query, **filters):
        found = contributions.search_contributions(process.id, query, **filters)
        return {c.id for c in found.items} - found.by_meaning

    def test_an_edited_contribution_is_found_by_its_new_words_and_theme_not_its_old_ones(self, app, factory):
        process, author = factory.process(), factory.user()
        edited = post(process, author, "Ouvrir les centres de formation le samedi matin.")
        other = post(process, author, "Des centres de formation ouverts en soirée.")
        new_theme = process.themes[1].id
        draft = ContributionDraft(theme_id=new_theme, kind="proposal", text="Des navettes gratuites vers les lycées.")
        editing.edit_contribution(edited.id, draft, author=author, version=edited.version)
        similar.forget()
        assert self.word_hits(process, "navettes") == {edited.id}
        assert self.word_hits(process, "navettes", theme_id=new_theme, kind="proposal") == {edited.id}
        assert self.word_hits(process, "navettes", theme_id=process.themes[0].id) == set()
        assert self.word_hits(process, "navettes", kind="idea") == set()
        assert self.word_hits(process, "samedi") == set()
        assert self.word_hits(process, "centres formation") == {other.id}  # control: the other row still found

    def test_theme_and_kind_filters_keep_only_their_rows(self, app, factory):
        process, user = factory.process(), factory.user()
        first, second = process.themes[0].id, process.themes[1].id
        rows = {
            (first, "idea"): post(process, user, "Un formateur pour chaque apprenti.", theme=0),
            (second, "idea"): post(process, user, "Former les formateurs au numérique.", theme=1),
        }
        proposal = ContributionDraft(theme_id=second, kind="proposal", text="Payer les formateurs à la journée.")
        rows[(second, "proposal")] = contributions.post_contribution(process.id, proposal, author=user)
        elsewhere = factory.process()  # the same words in another process are never found
        post(elsewhere, user, "Les formateurs de l'autre démarche.")
        similar.forget()
        ids = {key: row.id for key, row in rows.items()}
        assert self.word_hits(process, "formatrices") == set(ids.values())  # stems and feminine forms
        assert self.word_hits(process, "formateurs", theme_id=first) == {ids[(first, "idea")]}
        assert self.word_hits(process, "formateurs", theme_id=second) == {
            ids[(second, "idea")],
            ids[(second, "proposal")],
        }
        assert self.word_hits(process, "formateurs", theme_id=second, kind="proposal") == {ids[(second, "proposal")]}
        assert self.word_hits(process, "formateurs", kind="diagnostic") == set()

    def test_hidden_contributions_are_not_found_until_restored(self, app, factory):
        process, user, moderator = factory.process(), factory.user(), factory.user(Role.MODERATOR)
        hidden = post(process, user, "Des cours de langue des signes pour les formateurs.")
        kept = post(process, user, "Former les formateurs à la langue des signes.")
        hiding.hide(hidden.id, "Hors sujet", moderator=moderator)
        similar.forget()
        assert self.word_hits(process, "langue signes") == {kept.id}
        assert hidden.id not in {c.id for c in contributions.search_contributions(process.id, "langue signes").items}
        hiding.restore(hidden.id, moderator=moderator)
        assert self.word_hits(process, "langue signes") == {hidden.id, kept.id}

    def test_beyond_the_cap_the_newest_word_hits_are_ranked(self, app, factory, monkeypatch):
        """Over ``WORD_CANDIDATES`` matches, both databases rank the newest ones and say "more"."""
        monkeypatch.setattr(search, "WORD_CANDIDATES", 3)
        process, user = factory.process(), factory.user()
        rows = [post(process, user, f"Un atelier de couture numéro {i} pour les apprentis.") for i in range(5)]
        similar.forget()
        found = contributions.search_contributions(process.id, "couture")
        assert found.more
        assert {c.id for c in found.items} - found.by_meaning == {row.id for row in rows[-3:]}
        monkeypatch.setattr(search, "WORD_CANDIDATES", 5)
        assert not contributions.search_contributions(process.id, "couture").more  # control
