"""Property-based fuzzing of every form and JSON endpoint: hostile input never gives a 500,
and a refused request (400) changes nothing in the database."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contrib.extensions import db
from contrib.models import AuditEntry, Comment, Contribution, ImportBatch, Process, Report, Role, Theme, User

FUZZ_SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                         suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Text a browser can send (no lone surrogates), biased towards what breaks things.
hostile_text = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300),
    st.sampled_from(["", " ", "\x00", "<script>alert(1)</script>", "'; DROP TABLE contributions; --",
                     "=HYPERLINK(\"http://x\")", "\ufffd\ufffd", "🙂" * 50, "a\u202eb", "\r\n\t"]),
    st.integers(min_value=1_000, max_value=200_000).map(lambda n: "é" * n),
    st.binary(max_size=200).map(lambda raw: raw.decode("latin-1")),
)
field_value = st.one_of(hostile_text, st.lists(hostile_text, min_size=2, max_size=3),
                        st.integers().map(str), st.none())

TABLES = (Contribution, Comment, Report, User, Process, Theme, ImportBatch)


def _counts() -> dict[str, int]:
    db.session.expire_all()
    return {model.__tablename__: db.session.scalar(db.select(db.func.count()).select_from(model)) for model in TABLES}


def _form(fields: list[str], values: list) -> dict:
    return {name: value for name, value in zip(fields, values) if value is not None}


@pytest.fixture
def fuzz_world(factory, client, auth):
    process = factory.process(slug="pessac")
    contribution = factory.contribution(process, text="Une contribution à commenter.")
    return {"process": process, "contribution": contribution, "client": client, "auth": auth, "factory": factory}


# (least role, URL template, form fields)
FORMS = [
    (None, "/inscription", ["display_name", "email", "password", "actor_type", "organisation"]),
    (None, "/connexion", ["email", "password"]),
    (None, "/mot-de-passe-oublie", ["email"]),
    (Role.PARTICIPANT, "/demarches/pessac/contribuer", ["theme_id", "kind", "title", "text", "similar_checked"]),
    (Role.FACILITATOR, "/demarches/pessac/saisie-atelier",
     ["theme_id", "kind", "title", "text", "table_label", "n_participants", "actor_type", "author_name"]),
    (Role.PARTICIPANT, "/contributions/{contribution}/commentaires", ["text", "parent_id"]),
    (Role.PARTICIPANT, "/contributions/{contribution}/signaler", ["reason", "details"]),
    (Role.PARTICIPANT, "/mon-compte/supprimer", ["password"]),
    (Role.MODERATOR, "/moderation/contributions/{contribution}/masquer", ["reason", "version"]),
    (Role.STAFF, "/admin/demarches/nouvelle", ["title", "kind", "region", "place", "starts_on", "ends_on",
                                               "description", "question", "replay_url", "is_open"]),
]


@pytest.mark.parametrize("role, url, fields", FORMS, ids=[url for _, url, _ in FORMS])
def test_hostile_form_input_never_breaks_anything(app, fuzz_world, role, url, fields):
    client = fuzz_world["client"]
    if role is not None:
        fuzz_world["auth"].login(fuzz_world["factory"].user(role))
    url = url.format(contribution=fuzz_world["contribution"].id)

    @FUZZ_SETTINGS
    @given(values=st.lists(field_value, min_size=len(fields), max_size=len(fields)))
    def check(values):
        before = _counts()
        response = client.post(url, data=_form(fields, values))
        assert response.status_code < 500, response.text[:500]
        if response.status_code == 400:
            assert _counts() == before, "a refused form must not change the database"
            assert 'lang="fr"' in response.text

    check()


def test_hostile_json_queries_never_break(app, fuzz_world):
    fuzz_world["auth"].login(fuzz_world["factory"].user())
    client = fuzz_world["client"]

    @FUZZ_SETTINGS
    @given(text=hostile_text, page=hostile_text)
    def check(text, page):
        response = client.get("/demarches/pessac/similaires", query_string={"texte": text},
                              headers={"Accept": "application/json"})
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
        before = _counts()
        response = client.post("/demarches/pessac/import", data={"file": (io.BytesIO(content), name)},
                               content_type="multipart/form-data")
        assert response.status_code < 500, response.text[:500]
        after = _counts()
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
