"""Demo data (idempotent) and the volume loader command."""

import csv
from collections import Counter

from contrib.accounts.sessions import authenticate
from contrib.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from contrib.extensions import db
from contrib.models import Contribution, Process, Role, User
from tests.conftest import shared_data


def counts():
    return tuple(
        db.session.execute(db.select(db.func.count()).select_from(model)).scalar()
        for model in (User, Process, Contribution)
    )


def test_seed_demo_is_idempotent(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "participant@demo.contrib.fr" in result.output and DEMO_PASSWORD in result.output
    first = counts()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert counts() == first


def test_demo_content_matches_the_regional_event(app):
    app.test_cli_runner().invoke(args=["seed-demo"])
    event = db.session.execute(db.select(Process).filter_by(slug="pessac-2026")).scalar_one()
    debate = db.session.execute(db.select(Process).filter_by(slug="debat-en-ligne")).scalar_one()
    assert event.place == "Pessac" and event.starts_on.isoformat() == "2026-01-19"
    assert debate.replay_url.startswith("https://")
    assert len(event.themes) == 7
    total = event.n_contributions + debate.n_contributions
    assert 150 <= total <= 300
    assert total == db.session.execute(db.select(db.func.count(Contribution.id))).scalar()
    tables = {c.table_label for c in db.session.execute(db.select(Contribution)).scalars() if c.table_label}
    assert tables == {f"Table {n}" for n in range(1, 10)}
    texts = Counter(c.text.casefold().rstrip(".!") for c in db.session.execute(db.select(Contribution)).scalars())
    repeated = [text for text, n in texts.items() if n > 1]
    assert len(repeated) >= 5, "the demo must hold ideas posted several times word for word"
    for account in DEMO_ACCOUNTS:
        assert authenticate(account.email, DEMO_PASSWORD).role == account.role
    assert {account.role for account in DEMO_ACCOUNTS} == set(Role)


def test_load_csv_loads_consultation_data(app, tmp_path):
    source = shared_data("dev_republique_numerique.csv")
    sample = tmp_path / "sample.csv"
    with open(source, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))[:120]
    with open(sample, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = app.test_cli_runner().invoke(args=["load-csv", str(sample), "--process", "rn"])
    assert result.exit_code == 0, result.output
    process = db.session.execute(db.select(Process).filter_by(slug="rn")).scalar_one()
    n_rows = db.session.execute(db.select(db.func.count(Contribution.id))).scalar()
    assert process.n_contributions == n_rows
    assert f"{n_rows} contributions chargées" in result.output
    assert n_rows + int(result.output.split("« rn », ")[1].split(" ")[0]) == 120
    assert {theme.name for theme in process.themes} == {row["theme"] for row in rows}


def test_load_csv_refuses_a_file_without_text_column(app, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,titre\n1,Bonjour\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["load-csv", str(bad)])
    assert result.exit_code != 0
    assert "Colonnes manquantes" in result.output
    assert db.session.execute(db.select(Contribution)).first() is None


def test_demo_has_supports_and_comments_that_add_up(app):
    from contrib.models import Comment, Support

    app.test_cli_runner().invoke(args=["seed-demo"])
    n_supports = db.session.execute(db.select(db.func.count(Support.id))).scalar()
    assert n_supports > 100
    assert db.session.execute(db.select(db.func.sum(Contribution.n_supports))).scalar() == n_supports
    assert db.session.execute(db.select(db.func.count(Comment.id))).scalar() == 6
