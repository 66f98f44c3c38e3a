"""Property-based fuzzing of every form and JSON endpoint: hostile input never gives a 500,
and a refused request changes nothing in the database.

A request is refused when it answers 4xx, or when it redirects with only error messages flashed
(most moderation forms report a refusal that way). "Nothing changes" is checked on the content of
every table of ``db.metadata``, so an UPDATE on refusal is caught as well as an INSERT.
"""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contrib.accounts import links
from contrib.duplicates import services as duplicates
from contrib.extensions import db
from contrib.facilitation import imports
from contrib.models import (
    ActorType,
    AssistantConversation,
    AssistantMessage,
    AuditEntry,
    ContributionKind,
    MessageKind,
    ProposalPriority,
    ProposalStatus,
    Role,
    ScopeKind,
    SessionMode,
    User,
)
from contrib.models.reports import ReportReason
from contrib.moderation import hiding as moderation
from contrib.moderation import reports
from contrib.participation import comments
from contrib.plaidoyer import acts as plaidoyer_acts
from contrib.plaidoyer import placement
from contrib.plaidoyer import versions as plaidoyer_versions
from contrib.prioritisation import cards, plenary, proposal_life
from contrib.proposals import services as proposals
from tests.conftest import PASSWORD, finished_pdf, finished_run
from tests.platform.test_authorization import EXPECTED

FUZZ_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# The later features' forms: many more of them, so fewer examples each (the file stays near a minute).
FEATURE_SETTINGS = settings(FUZZ_SETTINGS, max_examples=25)


def feature_settings(fields: list[str]) -> settings:
    """25 examples, 10 per distinct field below that: a form of one hidden field has little to vary."""
    return settings(FEATURE_SETTINGS, max_examples=min(25, 10 * len(set(fields))))


# The length limits of the app's texts (names, titles, reasons, comments, contributions, proposals,
# plaidoyer): long texts are cut on either side of one, in characters that NFC or the database may
# count differently ("e" + combining accent, an emoji), plus one far beyond any of them.
TEXT_LIMITS = (40, 80, 120, 200, 300, 500, 2_000, 5_000, 10_000, 20_000, 200_000)
long_text = st.builds(
    lambda limit, offset, unit: (unit * (limit + offset))[: limit + offset],
    st.sampled_from(TEXT_LIMITS),
    st.sampled_from((0, 1)),
    st.sampled_from(("é", "e\u0301", "🙂", "a ")),
)
# Text a browser can send (no lone surrogates), biased towards what breaks things.
hostile_text = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "<script>alert(1)</script>",
            "'; DROP TABLE contributions; --",
            '=HYPERLINK("http://x")',
            "\ufffd\ufffd",
            "🙂" * 50,
            "a\u202eb",
            "\r\n\t",
        ]
    ),
    long_text,
    st.binary(max_size=200).map(lambda raw: raw.decode("latin-1")),
)
# What an id, a version or a count may be sent as: "²" and "٣" pass str.isdigit(), only one of them int().
hostile_number = st.one_of(
    st.sampled_from(
        [
            "0",
            "-1",
            "1.5",
            "1e3",
            "²",
            "٣",
            "¹²",
            " 7 ",
            "0x10",
            "1,2",
            "n°1",
            "#1",
            str(2**31),
            str(2**63),
            str(10**30),
            "9" * 400,
        ]
    ),
    st.integers().map(str),
)
field_value = st.one_of(hostile_text, st.lists(hostile_text, min_size=2, max_size=3), st.integers().map(str), st.none())

# Words the forms expect, so that some examples get past validation and reach the services.
FORM_WORDS = sorted(
    {
        *(
            member.value
            for enum in (ProposalPriority, ProposalStatus, SessionMode, Role, ContributionKind, ActorType, ReportReason)
            for member in enum
        ),
        "resumer",
        "question",
        "brouillon",
        "creer",
        "rechercher",
        "haut",
        "bas",
        "1",
        "2",
        "3",
        "c1",
        "c2",
        "c99",
        "csv",
        "json",
    }
)


def _snapshot() -> dict[str, tuple[int, str]]:
    """{table: (row count, digest of its rows)} for every table of the schema, as committed."""
    db.session.remove()  # what a refused request left uncommitted dies with it, as in production
    state = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            rows = sorted(map(repr, connection.exec_driver_sql(f'SELECT * FROM "{table.name}"')))
            state[table.name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16])
    return state


def _changed(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def _fields(names: list[str], values: list) -> dict[str, list[str]]:
    """Form or query fields: a name listed twice is sent twice, a list value is sent repeated."""
    fields: dict[str, list[str]] = {}
    for name, value in zip(names, values):
        if value is not None:
            fields.setdefault(name, []).extend(value if isinstance(value, list) else [value])
    return fields


def _flashed(client) -> list[tuple[str, str]]:
    """The messages a redirect flashed (taken out of the session, as the next page would)."""
    with client.session_transaction() as session:
        return session.pop("_flashes", [])


def _is_refusal(response, flashes) -> bool:
    if 400 <= response.status_code < 500:
        return True
    categories = {category for category, _ in flashes}
    return response.status_code in (302, 303) and categories == {"error"}


class Watch:
    """Checks each response against the database as it was just before the request."""

    def __init__(self, client):
        self.client = client
        _flashed(client)  # the login's greeting is not this test's
        self.state = _snapshot()
        self.statuses: list[int] = []
        self.reached = 0  # requests that got past every refusal to the view's success path

    def check(self, response, what: str) -> None:
        """No 5xx; a refusal leaves every table as it was; a refused HTML page is the French one."""
        raw = response.get_data()  # the whole body: a streamed response runs its generator to the end
        body = raw.decode("utf-8", "replace") if response.mimetype.startswith("text/") else ""
        flashes = _flashed(self.client)
        self.statuses.append(response.status_code)
        self.last = (response.status_code, flashes)
        turned_away = response.status_code in (401, 403) or "/connexion?next=" in response.headers.get("Location", "")
        assert not turned_away, f"{what}: the role was turned away before its input reached the view"
        before, self.state = self.state, _snapshot()
        assert response.status_code < 500, f"{what} -> {response.status_code}\n{body[:800]}"
        changed = _changed(before, self.state)
        if _is_refusal(response, flashes):
            assert not changed, f"{what} was refused ({response.status_code} {flashes}) yet changed {changed}"
            if 400 <= response.status_code < 500 and response.mimetype == "text/html":
                assert 'lang="fr"' in body
        elif _succeeded(response, flashes, changed):
            self.reached += 1

    def assert_exercised(self, min_requests: int = 10, min_reached: int = 1) -> None:
        """Hypothesis really sent that many hostile requests, each checked above, and some got through."""
        assert len(self.statuses) >= min_requests, f"only {len(self.statuses)} requests checked"
        assert self.reached >= min_reached, (
            f"none of {len(self.statuses)} requests reached the view's success "
            f"path (statuses {sorted(set(self.statuses))})"
        )


def _succeeded(response, flashes, changed: list[str]) -> bool:
    """A page shown (GET), or a form that did its work: the database changed, a redirect without an error
    message, or a 200 that is not the form shown again (JSON, a stream read to its end)."""
    if response.request.method == "GET":
        return response.status_code == 200
    errors = any(category == "error" for category, _ in flashes)
    return (
        bool(changed)
        or (response.status_code in (302, 303) and not errors)
        or (response.status_code == 200 and response.mimetype != "text/html")
    )


def fuzz(watch: Watch, url: str, fields: list[str], valid: list | None, strategy, send, settings_) -> None:
    """Send ``valid`` (one request that must succeed: the world lets the view do its work), then the
    hostile examples; every request is checked (the caller asserts ``watch.assert_exercised()``)."""

    def request(values):
        data = _fields(fields, values)
        watch.check(send(data), f"{url} {data!r:.300}")

    if valid is not None and url not in SUCCEED_LAST:
        request(valid)
        assert watch.reached == 1, f"{url}: the valid request {valid!r} was refused: {watch.last}"
    settings_(given(values=st.lists(strategy, min_size=len(fields), max_size=len(fields)))(request))()
    if valid is not None and url in SUCCEED_LAST:
        reached = watch.reached
        request(valid)
        assert watch.reached == reached + 1, f"{url}: the valid request {valid!r} was refused: {watch.last}"


# Forms whose success ends what the others need (the account is deleted): their valid request comes last.
SUCCEED_LAST = {"/mon-compte/supprimer", "/mon-compte/mot-de-passe"}  # they end the session


@pytest.fixture
def fuzz_world(factory, client, auth):
    process = factory.process(slug="pessac")
    contribution = factory.contribution(process, text="Une contribution à commenter.")
    known = factory.user(email="connue@exemple.fr")
    return {
        "process": process,
        "contribution": contribution,
        "client": client,
        "auth": auth,
        "factory": factory,
        "known": known,
    }


# (least role, URL template, form fields)
FORMS = [
    (None, "/inscription", ["display_name", "email", "password", "actor_type", "organisation", "consent"]),
    (None, "/connexion", ["email", "password"]),
    (None, "/mot-de-passe-oublie", ["email"]),
    (Role.PARTICIPANT, "/demarches/pessac/contribuer", ["theme_id", "kind", "title", "text", "similar_checked"]),
    (
        Role.FACILITATOR,
        "/demarches/pessac/saisie-atelier",
        ["theme_id", "kind", "title", "text", "table_label", "n_participants", "actor_type", "author_name"],
    ),
    (Role.PARTICIPANT, "/contributions/{contribution}/commentaires", ["text", "parent_id"]),
    (Role.PARTICIPANT, "/contributions/{contribution}/signaler", ["reason", "details"]),
    (Role.PARTICIPANT, "/contributions/{own}/modifier", ["theme_id", "kind", "title", "text", "version"]),
    (Role.PARTICIPANT, "/mon-compte/adresse", ["adresse-new_email", "adresse-password"]),
    (Role.PARTICIPANT, "/mon-compte/supprimer", ["password"]),
    (Role.PARTICIPANT, "/mon-compte/nom", ["nom-display_name"]),
    (Role.PARTICIPANT, "/mon-compte/mot-de-passe", ["mdp-current_password", "mdp-new_password"]),
    (Role.PARTICIPANT, "/mon-compte/confirmation", ["retour"]),
    (Role.MODERATOR, "/moderation/contributions/{contribution}/masquer", ["reason", "version"]),
    (
        Role.STAFF,
        "/admin/demarches/nouvelle",
        [
            "title",
            "kind",
            "region",
            "place",
            "starts_on",
            "ends_on",
            "description",
            "question",
            "replay_url",
            "is_open",
        ],
    ),
]


def _valid_forms(theme: int, contribution: int) -> dict[str, list]:
    """One request per form of FORMS that succeeds, by URL template."""
    text = "Former les tuteurs en entreprise à l'accueil des apprentis."
    return {
        "/inscription": ["Camille Martin", "camille@exemple.fr", "un-mot-de-passe-solide", "learner", None, "y"],
        "/connexion": ["connue@exemple.fr", PASSWORD],
        "/mot-de-passe-oublie": ["connue@exemple.fr"],
        "/demarches/pessac/contribuer": [str(theme), "idea", None, text, "1"],
        "/demarches/pessac/saisie-atelier": [str(theme), "idea", None, text, "Table 3", "6", "trainer", None],
        "/contributions/{contribution}/commentaires": ["Je suis d'accord.", None],
        "/contributions/{contribution}/signaler": ["spam", None],
        "/contributions/{own}/modifier": [str(theme), "idea", None, "Ma contribution, corrigée.", "1"],
        "/mon-compte/adresse": ["nouvelle@exemple.fr", PASSWORD],
        "/mon-compte/supprimer": [PASSWORD],
        "/mon-compte/nom": ["Camille Dupont"],
        "/mon-compte/mot-de-passe": [PASSWORD, "un-nouveau-mot-de-passe-solide"],
        "/mon-compte/confirmation": ["/mon-compte"],
        "/moderation/contributions/{contribution}/masquer": ["Hors sujet", None],
        "/admin/demarches/nouvelle": [
            "Rencontre de Lyon",
            "event",
            "Auvergne-Rhône-Alpes",
            None,
            None,
            None,
            None,
            None,
            None,
            "y",
        ],
    }


@pytest.mark.parametrize("role, url, fields", FORMS, ids=[url for _, url, _ in FORMS])
def test_hostile_form_input_never_breaks_anything(app, fuzz_world, role, url, fields):
    client = fuzz_world["client"]
    own = None
    if role is not None:
        user = fuzz_world["factory"].user(role)
        fuzz_world["auth"].login(user)
        # The fuzzing user's own contribution, for the forms on one's own object.
        own = fuzz_world["factory"].contribution(fuzz_world["process"], author_id=user.id, text="Ma contribution.")
    valid = _valid_forms(fuzz_world["process"].themes[0].id, fuzz_world["contribution"].id)[url]
    url = url.format(contribution=fuzz_world["contribution"].id, own=own.id if own else 0)
    watch = Watch(client)
    fuzz(watch, url, fields, valid, field_value, lambda data: client.post(url, data=data), FUZZ_SETTINGS)
    watch.assert_exercised()


# --- the later features: proposals, clustering, duplicates, assistant, prioritisation, plaidoyer ----


@pytest.fixture
def world(factory):
    """One of everything the forms act on, built with the services; {name: id or word} for URLs."""
    process = factory.process(slug="pessac")
    factory.process(slug="autre")
    author = factory.user(email="autrice@exemple.fr")
    moderator = factory.user(Role.MODERATOR)
    staff = factory.user(Role.STAFF)
    contribution = factory.contribution(process, text="Former les tuteurs en entreprise.", author_id=author.id)
    loose = factory.contribution(process, text="Financer les transports des apprentis.")
    twins = [factory.contribution(process, text="Le même texte déposé deux fois par deux tables.") for _ in range(2)]
    comment = comments.post_comment(contribution.id, "Un commentaire.", author=author)
    reports.report("comment", comment.id, "spam", None, reporter=factory.user())
    duplicates.detect(process.id, actor=None)
    group_id = duplicates.pending_groups(process.id)[0].id
    facilitator = factory.user(Role.FACILITATOR)  # the one who fuzzes the import forms: the batches are theirs
    batch, confirmed = (
        imports.start_import(
            process.id, f"Thématique;Texte\nMétiers;{text}\n".encode(), "atelier.csv", actor=facilitator
        )
        for text in ("Former", "Accompagner")
    )
    imports.confirm_import(process.id, confirmed.id, actor=facilitator)
    proposal, other = (
        proposals.create_from_contributions(
            process.id,
            [factory.contribution(process, text=text).id, factory.contribution(process).id],
            title,
            "Son texte.",
            [process.themes[0].id],
            "medium",
            moderator=moderator,
        )
        for title, text in (("Une proposition", "Des tuteurs mieux formés."), ("Une autre", "Des bus."))
    )
    sources = [source.id for source in proposals.sources_of(proposal.id)]
    dots = plenary.create_session(process.id, "Plénière", "dots", [proposal.id, other.id], moderator=moderator)
    pairs = plenary.create_session(process.id, "Paires", "pairwise", [proposal.id, other.id], moderator=moderator)
    code = cards.generate(dots.id, 1, actor=staff)[0]
    document = plaidoyer_acts.create("Plaidoyer national", actor=staff)
    section = placement.add_proposal(document.id, proposal.id, actor=staff)
    section2 = plaidoyer_acts.add_section(document.id, "Deuxième partie", actor=staff)
    proposal_life.set_status(other.id, "retained", None, moderator=moderator)  # what a plaidoyer takes in
    reports.report("contribution", contribution.id, "off_topic", None, reporter=factory.user())
    version = plaidoyer_versions.snapshot(document.id, "Première version", actor=staff)
    pdf = finished_pdf(document.id, version.id)
    run = finished_run(process, {"c1": [contribution, *twins], "c2": [loose]})
    proposal_version = proposals.get_proposal(proposal.id).version
    # An assistant answer whose first sentence is shown as verified (what « Cette citation est fausse » flags).
    conversation = AssistantConversation(
        process_id=process.id,
        scope_kind=ScopeKind.SELECTION,
        scope_key=f"selection:{contribution.id}",
        contribution_ids=[contribution.id],
        created_by_id=moderator.id,
    )
    message = AssistantMessage(
        conversation=conversation,
        kind=MessageKind.ANSWER,
        question="Que disent les participants ?",
        content={
            "segments": [
                {"kind": "phrase", "status": "verifiee", "text": contribution.text, "citations": [contribution.id]}
            ]
        },
        engine="embedded",
        created_by_id=moderator.id,
    )
    db.session.add_all([conversation, message])
    db.session.commit()
    # The journal's undo target: the last act, and one that can be undone.
    hidden = factory.contribution(process, text="Hors sujet.")
    moderation.hide(hidden.id, "Hors sujet", moderator=moderator)
    entry = db.session.scalar(db.select(db.func.max(AuditEntry.id)))
    return {
        "slug": process.slug,
        "process": process.id,
        "theme": process.themes[0].id,
        "contribution": contribution.id,
        "loose": loose.id,
        "source": sources[0],
        "comment": comment.id,
        "user": author.id,
        "group": group_id,
        "batch": batch.id,
        "confirmed": confirmed.id,
        "code": code,
        "facilitator": facilitator.id,
        "proposal_version": proposal_version,
        "twin": twins[0].id,
        "twin2": twins[1].id,
        "hidden": hidden.id,
        "section2": section2.id,
        "proposal": proposal.id,
        "other": other.id,
        "dots": dots.id,
        "pairs": pairs.id,
        "plaidoyer": document.id,
        "section": section.id,
        "version": version.id,
        "pdf": pdf.id,
        "run": run.id,
        "entry": entry,
        "message": message.id,
        "token": links.password_reset_token(author),
    }


def plausible(world: dict) -> st.SearchStrategy:
    """Values that mean something in this world (its ids, ``run:key`` scopes, the forms' words)."""
    words = sorted(
        {
            *FORM_WORDS,
            *(str(value) for value in world.values() if isinstance(value, int)),
            f"{world['run']}:c1",
            f"{world['run']}:c2",
            f"{world['source']},{world['loose']}",
        }
    )
    return st.sampled_from(words)


def world_value(world: dict) -> st.SearchStrategy:
    words = plausible(world)
    return st.one_of(field_value, hostile_number, words, st.lists(words, min_size=2, max_size=3))


def query_value(world: dict) -> st.SearchStrategy:
    """As world_value, short: a URL beyond a few kilobytes never reaches the app (gunicorn: 4,094 bytes)."""
    short = st.one_of(
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300),
        st.binary(max_size=200).map(lambda raw: raw.decode("latin-1")),
    )
    return st.one_of(short, hostile_number, plausible(world), st.lists(short, min_size=2, max_size=3), st.none())


MANAGE = "/moderation/demarches/{slug}/propositions/{proposal}"
RUN = "/moderation/demarches/{slug}/regroupements/{run}"
DOCUMENT = "/plaidoyers/{plaidoyer}"
IMPORT = "/demarches/{slug}/import/{batch}"
# Anonymous, holding a ballot card of the dots session (scanned first): how a room votes without accounts.
CARD = "ballot card"
# (least role, URL template, form fields): every POST endpoint not fuzzed above.
FEATURE_FORMS = [
    # accounts, participation, administration
    (None, "/mot-de-passe/{token}", ["password", "confirm"]),
    (Role.PARTICIPANT, "/notifications/lues", ["next"]),
    (Role.PARTICIPANT, "/contributions/{loose}/soutien", ["retirer", "next"]),
    (Role.PARTICIPANT, "/commentaires/{comment}/signaler", ["reason", "details", "next"]),
    (Role.MODERATOR, "/moderation/contributions/{hidden}/retablir", ["version"]),
    (
        Role.STAFF,
        "/admin/demarches/{process}",
        ["title", "kind", "region", "starts_on", "ends_on", "replay_url", "is_open"],
    ),
    (Role.STAFF, "/admin/demarches/{process}/thematiques", ["name"]),
    (Role.STAFF, "/admin/thematiques/{theme}", ["name"]),
    (Role.STAFF, "/admin/utilisateurs/{user}/role", ["role"]),
    # workshop sheets
    (
        Role.FACILITATOR,
        IMPORT + "/correspondance",
        ["colonne_text", "colonne_theme", "colonne_kind", "valeur_theme_0", "theme_0"],
    ),
    (Role.FACILITATOR, IMPORT + "/confirmer", ["confirm"]),
    (Role.FACILITATOR, IMPORT + "/abandonner", ["confirm"]),
    (Role.FACILITATOR, "/demarches/{slug}/import/{confirmed}/annuler", ["confirm"]),
    # moderation: reports queue, journal
    (Role.MODERATOR, "/moderation/signalements/commentaire/{comment}/restaurer", ["confirm"]),
    (Role.MODERATOR, "/moderation/signalements/commentaire/{comment}/masquer", ["confirm"]),
    (Role.MODERATOR, "/moderation/signalements/contribution/{contribution}/masquer", ["confirm"]),
    (Role.MODERATOR, "/moderation/journal/{entry}/annuler", ["retour"]),
    # proposals
    (
        Role.MODERATOR,
        "/moderation/demarches/{slug}/propositions/nouvelle",
        ["action", "ids", "ids", "q", "title", "text", "theme_ids", "priority", "brouillon", "citation_reason"],
    ),
    (Role.MODERATOR, MANAGE + "/ajouter", ["ids", "version"]),
    (Role.MODERATOR, MANAGE + "/retirer/{source}", ["version"]),
    (Role.MODERATOR, MANAGE + "/fusionner", ["into_id", "version"]),
    (Role.MODERATOR, MANAGE + "/scinder", ["ids", "ids", "title", "text", "version", "citation_reason"]),
    (Role.MODERATOR, MANAGE + "/modifier", ["title", "text", "citation_reason", "version"]),
    (Role.MODERATOR, MANAGE + "/priorite", ["priority", "version"]),
    (Role.MODERATOR, MANAGE + "/statut", ["status", "reason", "version"]),
    (Role.PARTICIPANT, "/propositions/{proposal}/soutien", ["retirer"]),
    # clustering
    (Role.MODERATOR, "/moderation/demarches/{slug}/regroupements/lancer", ["n_clusters"]),
    (Role.MODERATOR, RUN + "/groupes/c1/renommer", ["name"]),
    (Role.MODERATOR, RUN + "/groupes/c1/fusionner", ["key"]),
    (Role.MODERATOR, RUN + "/groupes/c1/scinder", ["ids", "ids"]),
    (Role.MODERATOR, RUN + "/contributions/{contribution}/deplacer", ["key", "depuis"]),
    (Role.MODERATOR, RUN + "/contributions/{contribution}/epingler", ["depuis"]),
    (Role.MODERATOR, RUN + "/contributions/{loose}/exclure", ["depuis"]),
    # duplicates
    (Role.MODERATOR, "/moderation/demarches/{slug}/doublons/chercher", ["confirm"]),
    (
        Role.MODERATOR,
        "/moderation/demarches/{slug}/doublons/{group}/confirmer",
        ["representative_id", "member_ids", "member_ids"],
    ),
    (Role.MODERATOR, "/moderation/demarches/{slug}/doublons/{group}/ecarter", ["confirm"]),
    # assistant (embedded engine: no LLM URL in the tests' configuration)
    (
        Role.MODERATOR,
        "/moderation/demarches/{slug}/assistant",
        ["action", "question", "groupe", "proposition", "regroupement", "ids"],
    ),
    (
        Role.MODERATOR,
        "/moderation/demarches/{slug}/assistant/flux",
        ["action", "question", "groupe", "proposition", "regroupement", "ids"],
    ),
    (
        Role.MODERATOR,
        "/moderation/demarches/{slug}/assistant/messages/{message}/phrases/0/fausse",
        ["groupe", "proposition", "regroupement", "ids"],
    ),
    # prioritisation: plenary sessions and their ballots
    (
        Role.MODERATOR,
        "/moderation/demarches/{slug}/plenieres",
        ["title", "mode", "n_points", "proposal_ids", "proposal_ids"],
    ),
    (Role.MODERATOR, "/plenieres/{dots}/cloturer", ["version"]),
    (Role.PARTICIPANT, "/plenieres/{dots}/vote", ["points-{proposal}", "points-{other}", "points-0"]),
    (Role.PARTICIPANT, "/plenieres/{pairs}/vote", ["winner", "loser"]),
    (CARD, "/plenieres/{dots}/vote", ["points-{proposal}", "points-{other}", "points-0"]),
    (None, "/carte", ["code"]),
    (None, "/plenieres/{dots}/oublier-carte", ["confirm"]),
    (Role.STAFF, "/plenieres/{dots}/cartes", ["n_cards"]),
    # plaidoyer
    (Role.STAFF, "/plaidoyers/", ["title"]),
    (Role.STAFF, DOCUMENT + "/texte", ["title", "introduction", "conclusion", "version"]),
    (Role.STAFF, DOCUMENT + "/sections", ["title", "version"]),
    (Role.STAFF, DOCUMENT + "/sections/{section}/renommer", ["title", "version"]),
    (Role.STAFF, DOCUMENT + "/sections/{section}/deplacer", ["direction", "version"]),
    (Role.STAFF, DOCUMENT + "/sections/{section2}/retirer", ["version"]),  # the empty one
    (Role.STAFF, DOCUMENT + "/propositions", ["proposal_id", "section_id", "version"]),
    (Role.STAFF, DOCUMENT + "/propositions/{proposal}/deplacer", ["direction", "section_id", "version"]),
    (Role.STAFF, DOCUMENT + "/propositions/{proposal}/retirer", ["version"]),
    (
        Role.STAFF,
        DOCUMENT + "/propositions/{proposal}/texte",
        ["p{proposal}-title", "p{proposal}-text", "p{proposal}-citation_reason", "p{proposal}-version"],
    ),
    (Role.STAFF, DOCUMENT + "/demarche", ["process_id", "version"]),
    (Role.STAFF, DOCUMENT + "/versions", ["label"]),
    (Role.STAFF, DOCUMENT + "/export.pdf", ["confirm"]),  # queues the current document's PDF
    (Role.STAFF, DOCUMENT + "/versions/{version}/export.pdf", ["confirm"]),  # the version's, made already
]


def _valid_feature_forms(w: dict) -> dict[str, list]:
    """One request per form of FEATURE_FORMS that succeeds (in ``world``), by URL template; None when any
    request does (a form with a confirmation field only)."""
    scope = ["resumer", None, None, None, None, f"{w['contribution']},{w['loose']}"]
    return {
        "/commentaires/{comment}/signaler": ["spam", None, None],
        "/moderation/demarches/{slug}/assistant/messages/{message}/phrases/0/fausse": [None, None, None, None],
        "/admin/demarches/{process}": ["Rencontre de Pessac", "event", "Nouvelle-Aquitaine", None, None, None, "y"],
        "/moderation/demarches/{slug}/propositions/nouvelle": [
            "creer",
            str(w["loose"]),
            str(w["contribution"]),
            None,
            "Des transports pour les apprentis",
            "Financer les transports des apprentis.",
            str(w["theme"]),
            "medium",
            None,
        ],
        MANAGE + "/ajouter": [str(w["loose"]), str(w["proposal_version"])],
        MANAGE + "/scinder": [str(w["source"]), None, "Une partie", "Une partie du texte.", str(w["proposal_version"])],
        "/moderation/demarches/{slug}/doublons/{group}/confirmer": [str(w["twin"]), str(w["twin"]), str(w["twin2"])],
        "/moderation/demarches/{slug}/assistant": scope,
        "/moderation/demarches/{slug}/assistant/flux": scope,
        "/moderation/demarches/{slug}/plenieres": [
            "Plénière du soir",
            "dots",
            "5",
            str(w["proposal"]),
            str(w["other"]),
        ],
        "/plenieres/{pairs}/vote": [str(w["proposal"]), str(w["other"])],
        "/carte": [w["code"]],
        "/plenieres/{dots}/cartes": ["3"],
        "/admin/utilisateurs/{user}/role": ["facilitator"],
        "/moderation/signalements/contribution/{contribution}/masquer": [None],
        MANAGE + "/priorite": ["high", None],
        MANAGE + "/statut": ["retained", None, None],
        RUN + "/groupes/c1/fusionner": ["c2"],
        RUN + "/groupes/c1/scinder": [str(w["twin"]), str(w["twin2"])],
        RUN + "/contributions/{contribution}/deplacer": ["c2", None],
        DOCUMENT + "/sections/{section}/deplacer": ["bas", None],
        DOCUMENT + "/sections/{section2}/retirer": [None],
        DOCUMENT + "/propositions": [str(w["other"]), None, None],
        DOCUMENT + "/propositions/{proposal}/deplacer": [None, str(w["section2"]), None],
        DOCUMENT + "/propositions/{proposal}/texte": [
            "Un titre corrigé",
            "Un texte corrigé.",
            None,
            str(w["proposal_version"]),
        ],
        DOCUMENT + "/demarche": [str(w["process"]), None],
    }


@pytest.mark.parametrize("role, url, fields", FEATURE_FORMS, ids=[url for _, url, _ in FEATURE_FORMS])
def test_hostile_feature_forms_never_break_anything(app, client, auth, factory, world, role, url, fields):
    if role is Role.FACILITATOR:
        auth.login(db.session.get(User, world["facilitator"]))
    elif role == CARD:
        assert client.get(f"/c/{world['code']}").status_code == 302
    elif role is not None:
        auth.login(factory.user(role))
    valid = _valid_feature_forms(world).get(url)
    url = url.format(**world)
    fields = [field.format(**world) for field in fields]
    watch = Watch(client)
    fuzz(
        watch,
        url,
        fields,
        valid,
        world_value(world),
        lambda data: client.post(url, data=data),
        feature_settings(fields),
    )
    watch.assert_exercised()


# (least role, URL template, query parameters a person can tamper with)
QUERIES = [
    (None, "/connexion", ["next"]),
    (None, "/demarches/{slug}/export.csv", ["thematique", "type"]),
    (None, "/demarches/{slug}/export.json", ["thematique", "type"]),
    (
        Role.FACILITATOR,
        "/demarches/{slug}/saisie-atelier",
        ["theme_id", "kind", "table_label", "n_participants", "actor_type"],
    ),
    (Role.MODERATOR, "/moderation/journal", ["contribution", "avant"]),
    (Role.MODERATOR, "/moderation/demarches/{slug}/propositions/nouvelle", ["ids", "ids", "q", "brouillon"]),
    (Role.MODERATOR, "/moderation/demarches/{slug}/assistant", ["groupe", "proposition", "regroupement", "ids"]),
    (
        Role.MODERATOR,
        "/moderation/demarches/{slug}/assistant/etat",
        ["action", "groupe", "proposition", "regroupement", "ids"],
    ),
    (Role.PARTICIPANT, "/plenieres/{pairs}", ["passer"]),
    (Role.STAFF, "/admin/utilisateurs", ["q"]),
    (Role.STAFF, DOCUMENT + "/comparaison", ["de", "a"]),
]


@pytest.mark.parametrize("role, url, params", QUERIES, ids=[url for _, url, _ in QUERIES])
def test_hostile_query_parameters_never_break(app, client, auth, factory, world, role, url, params):
    if role is not None:
        auth.login(factory.user(role))
    url = url.format(**world)
    watch = Watch(client)

    @feature_settings(params)
    @given(values=st.lists(query_value(world), min_size=len(params), max_size=len(params)))
    def check(values):
        query = _fields(params, values)
        watch.check(client.get(url, query_string=query), f"GET {url} {query!r:.300}")

    check()
    watch.assert_exercised()


def test_hostile_export_formats_never_break(app, client, auth, factory, world):
    """Plaidoyer exports take their format from the URL: odd ones are a 404 and no audit row."""
    auth.login(factory.user(Role.STAFF))
    watch = Watch(client)

    @FEATURE_SETTINGS
    @given(
        file_format=st.one_of(
            hostile_text.map(lambda text: text.replace("/", "")),
            st.sampled_from(["pdf", "docx", "odt", "md", "html", "PDF", "pdf.", "pdf%00", "..", "csv", "json", "xlsx"]),
        ),
        version=st.booleans(),
    )
    def check(file_format, version):
        base = DOCUMENT.format(**world) + (f"/versions/{world['version']}" if version else "")
        watch.check(client.get(f"{base}/export.{file_format}"), f"export {file_format!r}")

    check()
    watch.assert_exercised()


HOSTILE_PATH_INTEGERS = ("0", str(2**31), str(10**30))
HOSTILE_PATH_STRINGS = ("%00", "%2F%2E%2E", "é" * 300, "%3Cscript%3E")


def _path_variants(rule, world: dict):
    """URLs of ``rule`` with one argument at a time replaced by a hostile value, the others real."""

    def real(name: str, converter: str) -> str:
        if converter.startswith("any("):
            return converter[4:].split(",")[0].strip(" )")
        return {
            "key": "c1",
            "file_format": "csv",
            "filename": "css/site.css",
            "target_type": "contribution",
            "contribution_id": world["contribution"],
            "proposal_id": world["proposal"],
            "session_id": world["dots"],
            "plaidoyer_id": world["plaidoyer"],
            "section_id": world["section"],
            "version_id": world["version"],
            "pdf_id": world["pdf"],
            "run_id": world["run"],
            "group_id": world["group"],
            "batch_id": world["batch"],
            "comment_id": world["comment"],
            "user_id": world["user"],
            "theme_id": world["theme"],
            "process_id": world["process"],
            "entry_id": world["entry"],
            "slug": world["slug"],
            "token": world["token"],
            "target_id": world["contribution"],
            "message_id": world["entry"],
            "index": 0,
            "code": world["code"],
        }[name]

    parts = re.findall(r"<(?:([^:>]+):)?([^>]+)>", rule.rule)
    for converter, name in parts:
        if converter.startswith("any("):
            continue  # werkzeug only routes the listed words
        hostile = HOSTILE_PATH_INTEGERS if converter == "int" else HOSTILE_PATH_STRINGS
        for value in hostile:
            url = rule.rule
            for other_converter, other in parts:
                token = f"<{other_converter}:{other}>" if other_converter else f"<{other}>"
                url = url.replace(token, value if other == name else str(real(other, other_converter)))
            yield url


def test_hostile_path_values_never_break(app, client, auth, factory, world):
    """Every route, each of its URL arguments in turn huge, zero or odd: a 404, never a 500."""
    auth.login(factory.user(Role.STAFF))
    watch = Watch(client)
    failures = []
    for rule in app.url_map.iter_rules():
        for url in _path_variants(rule, world):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                try:
                    watch.check(client.open(url, method=method), f"{method} {url}")
                except Exception as error:  # collect them all: TESTING propagates the app's exceptions
                    failures.append(f"{method} {url}: {type(error).__name__}: {str(error).splitlines()[0]:.200}")
                    watch.state = _snapshot()
    assert not failures, "\n".join(failures)


def test_every_post_endpoint_is_fuzzed_with_its_least_role(app, world):
    """A new POST route fails here until it is in FORMS or FEATURE_FORMS, with the role it needs."""
    adapter = app.url_map.bind("localhost")
    fuzzed = {}
    for role, url, _ in FORMS + FEATURE_FORMS:
        endpoint, _ = adapter.match(url.format(**world, own=world["contribution"]), method="POST")
        fuzzed[endpoint] = None if role == CARD else role
    fuzzed["facilitation.new_import"] = Role.FACILITATOR  # test_hostile_uploads_are_refused_and_write_nothing
    posts = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods} - {"accounts.logout"}
    assert posts - set(fuzzed) == set(), "POST endpoints nobody fuzzes"
    assert {endpoint: role for endpoint, role in fuzzed.items() if EXPECTED[endpoint] != role} == {}


def test_hostile_json_queries_never_break(app, fuzz_world):
    fuzz_world["auth"].login(fuzz_world["factory"].user())
    client = fuzz_world["client"]

    @FUZZ_SETTINGS
    @given(text=hostile_text, page=hostile_text)
    def check(text, page):
        response = client.get(
            "/demarches/pessac/similaires", query_string={"texte": text}, headers={"Accept": "application/json"}
        )
        assert response.status_code == 200 and isinstance(response.json["results"], list)
        listing = client.get("/demarches/pessac", query_string={"q": text, "apres": page, "thematique": page})
        assert listing.status_code < 500

    check()


def test_hostile_uploads_are_refused_and_write_nothing(app, fuzz_world):
    fuzz_world["auth"].login(fuzz_world["factory"].user(Role.FACILITATOR))
    client = fuzz_world["client"]

    @FUZZ_SETTINGS
    @given(content=st.binary(max_size=4_000), name=st.sampled_from(["atelier.csv", "atelier.xlsx", "a.txt", ""]))
    def check(content, name):
        before = _snapshot()
        response = client.post(
            "/demarches/pessac/import", data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data"
        )
        assert response.status_code < 500, response.text[:500]
        after = _snapshot()
        # An upload only ever creates a preview batch; contributions appear at confirmation.
        assert after["contributions"] == before["contributions"]

    check()


def test_audit_is_not_written_on_refusal(app, fuzz_world):
    """A sample refusal end to end: nothing in the audit log either."""
    fuzz_world["auth"].login(fuzz_world["factory"].user())
    before = db.session.scalar(db.select(db.func.count(AuditEntry.id)))
    response = fuzz_world["client"].post("/demarches/pessac/contribuer", data={"text": "\x00", "kind": "idea"})
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id))) == before
