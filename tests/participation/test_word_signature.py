"""PostgreSQL's word signatures (migration 0028): a search reads only the rows whose signature can match, and
finds exactly the rows the full-text match alone finds, newest first; the migration goes down and up."""

import pytest
import sqlalchemy as sa

from contrib.extensions import db
from contrib.models import Contribution
from contrib.models.base import utcnow
from contrib.participation import contributions, search, similar
from contrib.participation.contributions import ContributionDraft, visible_contributions

TEXTS = [
    "Les données publiques doivent être ouvertes et réutilisables par tous.",
    "Publier les données de transport en commun en temps réel.",
    "La publicité dans les transports publics devrait être limitée.",
    "Donner aux communes les moyens de former leurs agents au numérique.",
    "Un impôt plus juste pour les petites entreprises et les artisans.",
    "Les impôts locaux financent les écoles et les crèches.",
    "Former les formateurs, reconnaître les formatrices indépendantes.",
    "Les certifications professionnelles prennent trop de temps.",
    "Certaines écoles n'ont pas de cantine.",
    "Le covid19 a fermé les écoles pendant des mois.",
]
QUERIES = [
    "donnees publiques",
    "donnees",
    "publiques",
    "publicite",
    "impots",
    "impot entreprises",
    "formatrices",
    "certifcation",  # a typo: corrected towards close stems (a group of several prefixes)
    "ecoles",
    "covid19",
    "transport commun",
    "les pour",  # stop words only: no word group
    "hippopotame",
]


def post(process, user, text, theme=0, kind="idea"):
    draft = ContributionDraft(theme_id=process.themes[theme].id, kind=kind, text=text)
    return contributions.post_contribution(process.id, draft, author=user)


@pytest.fixture
def scene(factory):
    process, user, moderator = factory.process(), factory.user(), factory.user()
    other = factory.process()  # the same words in another process are never found
    post(other, user, TEXTS[0])
    rows = [
        post(process, user, text, theme=i % 2, kind="proposal" if i % 3 == 0 else "idea")
        for i in range(3)
        for text in TEXTS
    ]
    for row in rows[5::7]:
        row.hidden_at, row.hidden_by_id, row.hidden_reason = utcnow(), moderator.id, "Hors sujet"
    db.session.commit()
    similar.forget()
    return process, rows


postgresql_only = pytest.mark.postgresql_only  # the signatures are PostgreSQL's (SQLite's FTS5 has prefix indexes)


def word_hits(process, query, theme_id=None, kind=None) -> list[int]:
    base = visible_contributions(process.id, theme_id=theme_id, kind=kind)
    groups = search.prefixes(query, similar.vocabulary(process.id))
    return search._word_hits(base, groups, search.fts_scope(process.id, theme_id, kind), process.id, theme_id)


def reference_hits(process, groups, theme_id=None, kind=None) -> list[int]:
    """The newest rows PostgreSQL's full-text match finds, without the signatures."""
    base = visible_contributions(process.id, theme_id=theme_id, kind=kind).with_only_columns(Contribution.id)
    terms = " & ".join("(" + " | ".join(f"'{prefix}':*" for prefix in sorted(group)) + ")" for group in groups)
    match = sa.text("contributions.search_vector @@ to_tsquery('french', :terms)").bindparams(terms=terms)
    statement = base.where(match).order_by(Contribution.id.desc()).limit(search.WORD_CANDIDATES + 1)
    return list(db.session.scalars(statement))


@postgresql_only
@pytest.mark.parametrize("cap", [1000, 4])
@pytest.mark.parametrize("path", ["signatures", "gin"])
def test_the_word_hits_are_the_full_text_matches_newest_first(app, scene, monkeypatch, statements, cap, path):
    """Through the signatures (words over ``RARE_MATCHES``) or the GIN index (rare words), the same rows."""
    monkeypatch.setattr(search, "WORD_CANDIDATES", cap)
    monkeypatch.setattr(search, "RARE_MATCHES", -1 if path == "signatures" else 10**9)
    process, rows = scene
    theme_ids = [None, process.themes[0].id, process.themes[1].id]
    vocabulary = similar.vocabulary(process.id)
    compared = found = 0
    for query in QUERIES:
        groups = search.prefixes(query, vocabulary)
        if not groups:
            continue
        for theme_id in theme_ids:
            for kind in (None, "proposal"):
                scope = search.fts_scope(process.id, theme_id, kind)
                base = visible_contributions(process.id, theme_id=theme_id, kind=kind)
                hits = search._word_hits(base, groups, scope, process.id, theme_id)
                assert hits == reference_hits(process, groups, theme_id, kind), (query, theme_id, kind)
                compared += 1
                found += len(hits)
    assert compared == 12 * 6 and found > 50  # control: the queries do find rows
    walks = [statement for statement in statements if "word_candidates" in statement]
    assert len(walks) == (compared if path == "signatures" else 0), path
    publicity = set(reference_hits(process, search.prefixes("publicite")))
    assert rows[2].id in publicity and rows[12].hidden_at is not None and rows[12].id not in publicity


@postgresql_only
def test_a_row_passes_the_signature_of_each_of_its_words_and_rarely_of_others(app, scene):
    _, rows = scene
    signature = sa.text(
        "SELECT (search_signature & contrib_word_mask(:prefix)) = contrib_word_mask(:prefix) "
        "FROM contributions WHERE id = :id"
    )

    def passes(row, prefix):
        return db.session.scalar(signature.bindparams(prefix=prefix, id=row.id))

    for row in rows[: len(TEXTS)]:
        words = [prefix for group in search.prefixes(row.text) for prefix in group]
        assert words and all(passes(row, prefix) for prefix in words), row.text
    # Controls: words of other rows, and a prefix cut at 5 and 7 letters tells « publiqu » from « public ».
    assert not passes(rows[0], "hippopotame") and not passes(rows[0], "formateur")
    assert passes(rows[2], "publici") and not passes(rows[2], "publiqu")
    # A stop word or a word shorter than 3 letters requires nothing: every row passes.
    assert passes(rows[4], "pour") and passes(rows[4], "eu")


def test_edited_and_restored_rows_are_found_by_their_words(app, scene, monkeypatch):
    monkeypatch.setattr(search, "RARE_MATCHES", -1)  # through the signatures (no effect on SQLite)
    process, rows = scene
    db.session.execute(
        db.update(Contribution)
        .where(Contribution.id == rows[0].id)
        .values(search_text="velos electriques en libre service")
    )
    db.session.commit()
    assert word_hits(process, "electriques") == [rows[0].id]
    assert rows[0].id not in word_hits(process, "donnees publiques")  # control: its old words are gone
    assert rows[10].id in word_hits(process, "donnees publiques")
    restored = rows[12]  # « publicité », hidden
    assert restored.id not in word_hits(process, "publicite")
    restored.hidden_at = None
    db.session.commit()
    assert word_hits(process, "publicite") == [rows[22].id, restored.id, rows[2].id]


def test_the_migration_goes_down_and_up_again(app, scene, monkeypatch):
    from flask_migrate import downgrade, upgrade

    process, rows = scene
    before = contributions.search_contributions(process.id, "donnees publiques")
    assert before.items  # control
    db.session.commit()  # the session holds no transaction, nor any lock, while the schema changes
    downgrade(revision="0027_noticed10_one_active_pdf")
    columns = {column["name"] for column in db.inspect(db.engine).get_columns("contributions")}
    assert search.SIGNATURE_COLUMN not in columns
    upgrade()
    monkeypatch.setattr(search, "RARE_MATCHES", -1)  # through the signatures (no effect on SQLite)
    columns = {column["name"] for column in db.inspect(db.engine).get_columns("contributions")}
    indexes = {index["name"] for index in db.inspect(db.engine).get_indexes("contributions")}
    if db.engine.dialect.name == "postgresql":
        assert search.SIGNATURE_COLUMN in columns and set(search.SIGNATURE_INDEXES) <= indexes
    else:
        assert search.SIGNATURE_COLUMN not in columns  # nothing changes on SQLite
    similar.forget()
    after = contributions.search_contributions(process.id, "donnees publiques")
    assert [c.id for c in after.items] == [c.id for c in before.items]  # the rows already there have theirs
    new = post(process, rows[0].author, "Des données publiques sur la qualité de l'air.")
    similar.forget()
    found = contributions.search_contributions(process.id, "donnees publiques")
    assert new.id in {c.id for c in found.items} - found.by_meaning


def vector_storage() -> str:
    return db.session.execute(
        sa.text("SELECT attstorage FROM pg_attribute WHERE attrelid = 'contributions'::regclass AND attname = :column"),
        {"column": search.VECTOR_COLUMN},
    ).scalar_one()


def heap_fetches(process) -> int:
    """Rows the signature index's walk reads from the table (index-only scan forced: a test table is small)."""
    db.session.commit()
    db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    db.session.execute(sa.text("SET LOCAL enable_bitmapscan = off"))
    plan = db.session.scalars(
        sa.text(
            "EXPLAIN (ANALYZE, COSTS OFF) SELECT count(*) FROM contributions "
            "WHERE process_id = :process AND hidden_at IS NULL"
        ),
        {"process": process.id},
    ).all()
    db.session.commit()
    assert any("Index Only Scan" in line for line in plan), plan
    return int(next(line for line in plan if "Heap Fetches" in line).split(":")[1])


@postgresql_only
def test_the_vectors_are_kept_in_their_rows_and_the_migration_goes_down_and_up(app, scene, monkeypatch):
    """Migration 0029: ``search_vector`` is stored MAIN (in the row, compressed if needed), EXTENDED again once
    downgraded; rows written under either, long ones included, are found the same through the signatures."""
    from flask_migrate import downgrade, upgrade

    process, rows = scene
    monkeypatch.setattr(search, "RARE_MATCHES", -1)
    long_text = " ".join(
        f"Les données publiques du quartier {n} et de la commune voisine numéro {n * 7}." for n in range(40)
    )
    assert len(long_text) > 2500  # over the size from which PostgreSQL moves values out of the row
    long_row = post(process, rows[0].author, long_text)
    db.session.commit()
    similar.forget()
    before = word_hits(process, "donnees publiques")
    assert long_row.id in before and vector_storage() == "m"
    db.session.commit()  # no transaction holds a lock on the table while the schema changes
    downgrade(revision="0028_search50b_word_signature")
    assert vector_storage() == "x"  # control: the default storage of a tsvector
    written_extended = post(process, rows[0].author, long_text.replace("quartier", "village"))
    db.session.commit()
    similar.forget()
    assert word_hits(process, "donnees publiques") == [written_extended.id, *before]
    db.session.commit()
    upgrade()  # VACUUM FULL writes every row again under MAIN
    assert vector_storage() == "m"
    # The plain VACUUM after it set the visibility map again: the walk's index-only scan reads no row.
    assert heap_fetches(process) == 0
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM (FULL) contributions")
    assert heap_fetches(process) > 0  # control: VACUUM FULL alone leaves the map empty
    similar.forget()
    assert word_hits(process, "donnees publiques") == [written_extended.id, *before]
    assert word_hits(process, "village") == [written_extended.id]
