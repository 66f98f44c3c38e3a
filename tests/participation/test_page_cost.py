"""The cuts of a listing's and a search's own cost (issue #19) change no page: links built once per page
(``url_for_many``) and comment counts read with the rows give the bytes the former ``url_for`` per link and
second statement gave; PostgreSQL connections start with JIT off; a search keeps the planner's estimate of
its words for a while; the similar index's freshness check reads new rows only when there are some."""

import re

import pytest
import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import joinedload

from contrib.core import routing
from contrib.core.ids import MAX_ID
from contrib.extensions import db
from contrib.models import Contribution
from contrib.participation import comments, contributions, editing, search, similar, supports
from contrib.participation.contributions import ContributionDraft
from tests.participation.test_word_signature import TEXTS

postgresql_only = pytest.mark.postgresql_only
CSRF_VALUE = re.compile(r'name="csrf_token" value="[^"]*"')


@pytest.fixture
def app_config():
    """The shared app with the anonymous page cache off: every request here renders its page."""
    return {"PAGE_CACHE_SECONDS": 0}


def former_url_for_many(endpoint, key, **values):
    """Reference: one ``url_for`` per link, as the page built them before."""
    return lambda id_: url_for(endpoint, **{key: id_}, **values)


def former_comment_counts(items):
    """Reference: the counts read by a second statement, as the page read them before."""
    ids = [item.id for item in items]
    rows = db.session.execute(
        db.select(Contribution.id, Contribution.n_comments).where(Contribution.id.in_(ids), Contribution.n_comments > 0)
    )
    return dict(rows.all())


@pytest.mark.parametrize("script_root", ["", "/sous-dossier"])
@pytest.mark.parametrize(
    ("endpoint", "key", "values"),
    [
        ("participation.contribution", "contribution_id", {}),
        ("participation.contribution", "contribution_id", {"_anchor": "commentaires"}),
        ("participation.support", "contribution_id", {}),
        ("participation.show", "thematique", {"slug": "demarche-1", "_anchor": "resultats"}),
        ("participation.show", "thematique", {"slug": "demarche-1", "q": "données publiques", "tri": "soutenues"}),
        # The marker's digits in the slug too: built with url_for each time.
        ("participation.show", "thematique", {"slug": f"n-{MAX_ID}", "_anchor": "resultats"}),
    ],
)
def test_url_for_many_builds_what_url_for_builds(app, script_root, endpoint, key, values):
    with app.test_request_context("/", base_url=f"http://localhost{script_root}"):
        build = routing.url_for_many(endpoint, key, **values)
        urls = [build(id_) for id_ in (1, 7, 42, 1_000_000, MAX_ID - 1, MAX_ID)]
        expected = [url_for(endpoint, **{key: id_}, **values) for id_ in (1, 7, 42, 1_000_000, MAX_ID - 1, MAX_ID)]
    assert urls == expected
    assert len(set(urls)) == 6 and all(url.startswith(f"{script_root}/") for url in urls)  # control: distinct


@pytest.fixture
def listing(factory):
    """A process with texts in two themes, comments on some rows (hidden ones too), supports by ``reader``."""
    process, author, reader, moderator = factory.process(), factory.user(), factory.user(), factory.user()
    rows = [
        contributions.post_contribution(
            process.id, ContributionDraft(theme_id=process.themes[i % 2].id, kind="idea", text=text), author=author
        )
        for i in range(3)
        for text in TEXTS
    ]
    for n, row in enumerate(rows[::4]):
        for _ in range(n % 3 + 1):
            comments.post_comment(row.id, "Je suis d'accord.", author=reader)
    for row in rows[1::5]:
        supports.support(row.id, user=reader)
    hidden = comments.post_comment(rows[0].id, "Hors sujet.", author=author)
    hidden.hidden_at, hidden.hidden_by_id, hidden.hidden_reason = rows[0].created_at, moderator.id, "Hors sujet"
    db.session.commit()
    similar.forget()
    return process, reader


def _pages(client, process) -> dict[str, str]:
    theme_id = process.themes[0].id
    urls = [
        f"/demarches/{process.slug}",
        f"/demarches/{process.slug}?fin=1",
        f"/demarches/{process.slug}?thematique={theme_id}",
        f"/demarches/{process.slug}?tri=commentees",
        f"/demarches/{process.slug}?tri=soutenues&thematique={theme_id}",
        f"/demarches/{process.slug}?q=donnees+publiques",
        f"/demarches/{process.slug}?q=ecoles&tri=commentees",
        f"/demarches/{process.slug}?q=impots&thematique={theme_id}",
    ]
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = CSRF_VALUE.sub("", response.get_data(as_text=True))  # signed with the time
    return pages


@pytest.mark.parametrize("logged_in", [False, True])
def test_listing_pages_are_the_pages_built_link_by_link(app, client, auth, listing, monkeypatch, logged_in):
    process, reader = listing
    app.config["CONTRIBUTIONS_PER_PAGE"] = 12  # several pages, so the pagination links are there too
    if logged_in:
        auth.login(reader)
        client.get("/")  # the login's flash message is shown there
    pages = _pages(client, process)
    with monkeypatch.context() as former:
        former.setitem(app.jinja_env.globals, "url_for_many", former_url_for_many)
        former.setattr(contributions, "comment_counts", former_comment_counts)
        former_pages = _pages(client, process)
    assert pages == former_pages
    shown = "".join(pages.values())
    # Controls: the pages show comment counts and support buttons as the fixture left them.
    assert "3 commentaires" in shown and "1 commentaire<" in shown and "0 commentaire<" in shown
    assert ("Retirer mon soutien" in shown) == logged_in and ("/soutien" in shown) == logged_in
    assert "Page suivante" in shown


def test_a_wrong_count_or_link_would_differ(app, client, listing, monkeypatch):
    """Control for the test above: a comment count off by one, or a link to another row, changes the page."""
    process, _ = listing
    page = client.get(f"/demarches/{process.slug}").get_data(as_text=True)
    with monkeypatch.context() as wrong:
        wrong.setattr(contributions, "comment_counts", lambda items: {item.id: 1 for item in items})
        assert client.get(f"/demarches/{process.slug}").get_data(as_text=True) != page
    with monkeypatch.context() as wrong:
        wrong.setitem(
            app.jinja_env.globals,
            "url_for_many",
            lambda endpoint, key, **values: lambda id_: url_for(endpoint, **{key: id_ + 1}, **values),
        )
        assert client.get(f"/demarches/{process.slug}").get_data(as_text=True) != page


def test_the_freshness_check_reads_new_rows_only_when_there_are_some(app, client, listing, statements):
    process, reader = listing
    page = f"/demarches/{process.slug}?q=hippopotames+savants"
    assert "Aucune contribution" in client.get(page).get_data(as_text=True)  # builds the index
    statements.clear()
    client.get(page)
    new_rows = [s for s in statements if "contributions.embedding" in s and "contributions.id >" in s]
    assert not new_rows  # nothing posted since: the fingerprint said so
    contributions.post_contribution(
        process.id,
        ContributionDraft(theme_id=process.themes[0].id, kind="idea", text="Des hippopotames savants au zoo."),
        author=reader,
    )
    statements.clear()
    html = client.get(page).get_data(as_text=True)
    assert "<mark>hippopotames</mark> <mark>savants</mark>" in html
    assert [s for s in statements if "contributions.embedding" in s and "contributions.id >" in s]


@postgresql_only
def test_postgresql_connections_start_with_jit_off(app):
    import psycopg

    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW jit").scalar() == "off"
        connection.rollback()  # a setting of the session, not of a transaction
        assert connection.exec_driver_sql("SHOW jit").scalar() == "off"
    fresh = sa.create_engine(db.engine.url)  # another engine of the app's kind: a new connection
    with fresh.connect() as connection:
        assert connection.exec_driver_sql("SHOW jit").scalar() == "off"
    fresh.dispose()
    # Control: the server's default, for a connection that does not go through SQLAlchemy.
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url) as connection:
        assert connection.execute("SHOW jit").fetchone()[0] == "on"


@postgresql_only
@pytest.mark.parametrize("path", ["signatures", "gin"])
def test_a_search_keeps_the_estimate_of_its_words(app, client, listing, monkeypatch, statements, path):
    """The ``EXPLAIN`` runs once per words for ``ESTIMATE_SECONDS``, then again; results unchanged, no ``SET``."""
    monkeypatch.setattr(search, "RARE_MATCHES", -1 if path == "signatures" else 10**9)
    process, _ = listing
    pages = [f"/demarches/{process.slug}?q=donnees+publiques", f"/demarches/{process.slug}?q=impots"]
    client.get(pages[0])  # builds the index
    search._estimates.forget()
    statements.clear()
    first = [client.get(page).get_data(as_text=True) for page in pages]
    again = [client.get(page).get_data(as_text=True) for page in pages]
    assert again == first and "<mark>" in first[0] and "<mark>" in first[1]
    explains = [s for s in statements if s.startswith("EXPLAIN")]
    assert len(explains) == 2  # one per words, not one per search
    walks = [s for s in statements if "word_candidates" in s]
    assert len(walks) == (4 if path == "signatures" else 0)
    assert not [s for s in statements if s.lstrip().upper().startswith("SET")]
    monkeypatch.setattr(search, "ESTIMATE_SECONDS", 0.0)  # every estimate out of date at once
    statements.clear()
    assert [client.get(page).get_data(as_text=True) for page in pages] == first
    assert len([s for s in statements if s.startswith("EXPLAIN")]) == 2


@postgresql_only
def test_the_signature_walk_tests_the_mask_bits_without_parallel_workers(app, client, listing, statements):
    """The bits are the ones ``contrib_word_mask`` sets, read once per prefix; the walk tests them with
    ``get_bit`` and names the ``PARALLEL UNSAFE`` mask function, so it gets no parallel workers."""
    process, _ = listing
    prefixes = ["don", "publiqu", "impot", "ecol", "formateur"]
    bits = search._mask_bits(set(prefixes))
    for prefix in prefixes:
        mask = db.session.execute(sa.text("SELECT contrib_word_mask(:p)::text"), {"p": prefix}).scalar()
        assert bits[prefix] == {n for n, bit in enumerate(mask) if bit == "1"} and 1 <= len(bits[prefix]) <= 3
    statements.clear()
    assert search._mask_bits({"don", "impot"}) == {"don": bits["don"], "impot": bits["impot"]}
    assert not statements  # read before: no statement
    walk = search._signature_candidates([{"don"}, {"publiqu", "publicit"}], process.id, None)
    sql = str(sa.select(walk.c.id).compile(db.engine, compile_kwargs={"literal_binds": True}))
    assert "get_bit(contributions.search_signature, " in sql and "contrib_word_mask('" in sql
    # The function it names forbids parallel workers for the whole statement (PostgreSQL checks every
    # function of a statement before planning it); the 1,000,000-row bench showed the Gather it avoids.
    parallel = db.session.execute(sa.text("SELECT proparallel FROM pg_proc WHERE proname = 'contrib_word_mask'"))
    assert parallel.scalar_one() == "u"
    hits = db.session.scalars(sa.select(walk.c.id)).all()
    assert hits and hits == sorted(hits, reverse=True)  # control: the walk runs and finds rows, newest first


# Round trips (search50e): a sorted listing's page is one statement, and on PostgreSQL a search reads its
# word hits, its meaning hits' filter and the similar index's freshness check in one statement.


def former_sorted_contributions(process_id, sort, *, theme_id=None, kind=None, page=1, per_page=20):
    """Reference: the count, the page's ids, then their rows (three statements), as before."""
    n_found = contributions.count_contributions(process_id, theme_id=theme_id, kind=kind)
    n_pages = max(1, -(-n_found // per_page))
    number = min(max(page, 1), n_pages)
    base = contributions.visible_contributions(process_id, theme_id=theme_id, kind=kind)
    ids = list(
        db.session.scalars(
            contributions.sort_key_columns(base.with_only_columns(Contribution.id), sort)
            .offset((number - 1) * per_page)
            .limit(per_page)
        )
    )
    found = {
        contribution.id: contribution
        for contribution in db.session.scalars(
            base.options(joinedload(Contribution.theme), joinedload(Contribution.author)).where(
                Contribution.id.in_(ids)
            )
        )
    }
    items = [found[id_] for id_ in ids if id_ in found]
    return contributions.NumberedPage(items=items, n_found=n_found, number=number, n_pages=n_pages)


def _sorted_pages(client, process, statements) -> dict[str, tuple[str, int]]:
    """Each page's text and the statements it ran."""
    theme_id = process.themes[0].id
    urls = [
        f"/demarches/{process.slug}?tri={sort}{extra}&page={page}"
        for sort in ("soutenues", "commentees")
        for extra in ("", f"&thematique={theme_id}", "&type=idea", "&type=proposal")  # no proposal: empty
        for page in (1, 2, 3, 99)  # 99: past the end, the last page
    ]
    pages = {}
    for url in urls:
        statements.clear()
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = (CSRF_VALUE.sub("", response.get_data(as_text=True)), len(statements))
    return pages


def test_a_sorted_page_is_one_statement_and_the_page_read_in_three(app, client, listing, monkeypatch, statements):
    process, _ = listing
    app.config["CONTRIBUTIONS_PER_PAGE"] = 7  # 30 rows (15 in a theme): 5 pages, the last one partly filled
    pages = _sorted_pages(client, process, statements)
    with monkeypatch.context() as former:
        former.setattr(contributions, "sorted_contributions", former_sorted_contributions)
        former_pages = _sorted_pages(client, process, statements)
    assert {url: html for url, (html, _) in pages.items()} == {url: html for url, (html, _) in former_pages.items()}
    fewer = {url: former_pages[url][1] - n for url, (_, n) in pages.items()}
    # A page in range: one statement instead of three. Past the end: the count and the last page read again.
    # No row at all: the page (empty), then the count (and then past the end as above).
    expected = {
        url: 1 if url.endswith("proposal&page=1") else 0 if "proposal" in url or url.endswith("page=99") else 2
        for url in pages
    }
    assert fewer == expected and list(expected.values()).count(2) == 18
    shown = "".join(html for html, _ in pages.values())
    assert "Page suivante" in shown and "3 commentaires" in shown  # control: full pages, counts shown
    for sort in ("soutenues", "commentees"):  # control: the pages differ, in the expected order
        page = contributions.sorted_contributions(process.id, sort, per_page=30)
        key = (lambda c: c.n_supports) if sort == "soutenues" else (lambda c: c.n_comments)
        assert [c.id for c in page.items] == [c.id for c in sorted(page.items, key=lambda c: (-key(c), -c.id))]
        assert len({key(c) for c in page.items}) > 1 and page.n_found == 30


def test_a_sorted_page_of_nothing_or_past_the_end(app, listing):
    process, _ = listing
    empty = contributions.sorted_contributions(process.id, "soutenues", kind="weak_signal", page=3, per_page=7)
    assert (empty.items, empty.n_found, empty.number, empty.n_pages) == ([], 0, 1, 1)
    last = contributions.sorted_contributions(process.id, "commentees", page=99, per_page=7)
    former = former_sorted_contributions(process.id, "commentees", page=99, per_page=7)
    assert (last.number, last.n_pages, last.n_found, len(last.items)) == (5, 5, 30, 2)
    assert [c.id for c in last.items] == [c.id for c in former.items]


SEARCHES = [
    "donnees publiques",
    "impots",
    "ecoles&tri=commentees",
    "formatrices",
    "certifcation",  # a typo: corrected towards the index's stems
    "les pour",  # stop words only: meaning alone
    "hippopotames savants",  # nothing
    "transport commun&type=idea",
]


def _search_pages(client, process) -> dict[str, str]:
    theme_id = process.themes[0].id
    urls = [f"/demarches/{process.slug}?q={query}" for query in SEARCHES]
    urls += [f"/demarches/{process.slug}?q={query}&thematique={theme_id}" for query in SEARCHES[:3]]
    urls.append(f"/demarches/{process.slug}?q=donnees+publiques&page=2")
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = CSRF_VALUE.sub("", response.get_data(as_text=True))
    return pages


def _checks_and_word_statements(statements) -> tuple[int, int, int]:
    """(the similar index's freshness checks, the statements matching words, those doing both)."""
    checks = {n for n, s in enumerate(statements) if "sum(contribution_counts.n_total)" in s}
    words = {n for n, s in enumerate(statements) if "search_vector @@" in s and not s.startswith("EXPLAIN")}
    return len(checks), len(words), len(checks & words)


@postgresql_only
@pytest.mark.parametrize("path", ["signatures", "gin"])
@pytest.mark.parametrize("logged_in", [False, True])
def test_a_search_in_one_statement_shows_the_pages_of_three(
    app, client, auth, listing, monkeypatch, statements, path, logged_in
):
    monkeypatch.setattr(search, "RARE_MATCHES", -1 if path == "signatures" else 10**9)
    process, reader = listing
    app.config["CONTRIBUTIONS_PER_PAGE"] = 5
    if logged_in:
        auth.login(reader)
        client.get("/")
    _search_pages(client, process)  # builds the index, reads the masks and the estimates of the words
    statements.clear()
    pages = _search_pages(client, process)
    assert _checks_and_word_statements(statements) == (12, 11, 11)  # every search but « les pour » has words
    n_statements = len(statements)
    with monkeypatch.context() as former:
        former.setattr(search, "_one_statement", lambda: False)
        statements.clear()
        former_pages = _search_pages(client, process)
        assert _checks_and_word_statements(statements) == (12, 11, 0)  # control: the former path ran
        n_former = len(statements)
    assert pages == former_pages
    # Fewer statements: the words' and, where some were found by meaning, the meaning hits' filter.
    assert n_statements <= n_former - 11
    shown = "".join(pages.values())
    assert "<mark>données</mark> <mark>publiques</mark>" in shown and "Aucune contribution" in shown
    assert "Page suivante" in shown and ("Retirer mon soutien" in shown) == logged_in


@postgresql_only
def test_a_search_after_a_post_or_an_edit_reads_the_new_rows(app, client, listing, statements):
    """The freshness check read with the words fails after a post or an edit: the search ranks again on the
    index brought up to date, and finds the new words (control: not found before)."""
    process, reader = listing
    page = f"/demarches/{process.slug}?q=hippopotames+savants"
    assert "Aucune contribution" in client.get(page).get_data(as_text=True)  # builds the index
    statements.clear()
    assert "Aucune contribution" in client.get(page).get_data(as_text=True)
    assert _checks_and_word_statements(statements) == (1, 1, 1)
    posted = contributions.post_contribution(
        process.id,
        ContributionDraft(theme_id=process.themes[0].id, kind="idea", text="Des hippopotames savants au zoo."),
        author=reader,
    )
    statements.clear()
    html = client.get(page).get_data(as_text=True)
    assert "<mark>hippopotames</mark> <mark>savants</mark>" in html
    assert _checks_and_word_statements(statements) == (2, 2, 1)  # the check failed: checked again, the new row read
    assert [s for s in statements if "contributions.embedding" in s and "contributions.id >" in s]
    statements.clear()
    assert "<mark>hippopotames</mark>" in client.get(page).get_data(as_text=True)
    assert _checks_and_word_statements(statements) == (1, 1, 1)  # up to date again
    edited = f"/demarches/{process.slug}?q=girafes+musiciennes"
    assert "Aucune contribution" in client.get(edited).get_data(as_text=True)
    editing.edit_contribution(
        posted.id,
        ContributionDraft(theme_id=process.themes[0].id, kind="idea", text="Des girafes musiciennes au zoo."),
        author=reader,
        version=posted.version,
    )
    statements.clear()
    html = client.get(edited).get_data(as_text=True)
    assert "<mark>girafes</mark> <mark>musiciennes</mark>" in html
    assert _checks_and_word_statements(statements) == (2, 2, 1)
