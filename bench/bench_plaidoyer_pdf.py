"""The plaidoyer PDF's cost for a web request: laid out in the request (as before the task queue) against
queued (the request that starts it, the page that follows it), on a large document, then the worker's layout.

Builds on SQLite a document of 42 proposals quoting 30 contributions each (1,260), the size the README's
"Limits" paragraph names, and prints CPU seconds of this thread and wall seconds.

    .venv/bin/python bench/bench_plaidoyer_pdf.py
"""

from __future__ import annotations

import gc
import io
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from contrib import create_app  # noqa: E402
from contrib.extensions import db  # noqa: E402
from contrib.models import DEFAULT_THEMES, Contribution, ContributionKind, Process, ProposalStatus, Role, Theme, User  # noqa: E402
from contrib.plaidoyer import acts as plaidoyer_acts  # noqa: E402
from contrib.plaidoyer import document as documents  # noqa: E402
from contrib.plaidoyer import exports as plaidoyer_exports  # noqa: E402
from contrib.plaidoyer import pdf_jobs, placement  # noqa: E402
from contrib.proposals import services as proposals  # noqa: E402

N_PROPOSALS, N_SOURCES = 42, 30
WORDS = (
    "formation",
    "apprenants",
    "financement",
    "région",
    "qualité",
    "parcours",
    "métiers",
    "compétences",
    "alternance",
    "accompagnement",
    "organisme",
    "certification",
    "entreprise",
    "tuteur",
    "insertion",
    "handicap",
    "numérique",
    "territoire",
)
PASSWORD = "mot-de-passe-du-banc"


def timed(call):
    gc.collect()
    cpu, wall = time.thread_time(), time.perf_counter()
    result = call()
    return result, time.thread_time() - cpu, time.perf_counter() - wall


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def build(rng: random.Random) -> tuple[int, User]:
    staff = User(
        email="equipe@exemple.fr",
        display_name="Équipe",
        password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1"),
        role=Role.STAFF,
    )
    moderator = User(email="moderation@exemple.fr", display_name="Modération", password_hash="-", role=Role.MODERATOR)
    process = Process(slug="banc", title="Rencontre du banc", region="Bretagne", is_open=True)
    process.themes = [Theme(name=name, position=i) for i, name in enumerate(DEFAULT_THEMES)]
    db.session.add_all([staff, moderator, process])
    db.session.commit()
    for n in range(N_PROPOSALS):
        sources = [
            Contribution(
                process_id=process.id,
                theme_id=process.themes[n % 5].id,
                kind=ContributionKind.IDEA,
                text=sentence(rng, 60),
            )
            for _ in range(N_SOURCES)
        ]
        db.session.add_all(sources)
        process.n_contributions += N_SOURCES
        db.session.commit()
        proposal = proposals.create_from_contributions(
            process.id,
            [source.id for source in sources],
            f"Proposition {n + 1}",
            sentence(rng, 120),
            [process.themes[n % 5].id],
            "high",
            moderator=moderator,
        )
        proposal.status = ProposalStatus.RETAINED
        db.session.commit()
    document = plaidoyer_acts.create("Plaidoyer du banc", actor=staff)
    placement.add_from_process(document.id, process.id, actor=staff)
    return document.id, staff


def main() -> None:
    from flask_migrate import upgrade

    with tempfile.TemporaryDirectory() as directory:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory}/bench.sqlite3",
                "TASK_QUEUE": f"sqlite:///{directory}/tasks.sqlite3",
                "SECRET_KEY": "bench",
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            upgrade()
            document_id, staff = build(random.Random(1))
            content = documents.document(documents.get(document_id))
            base = app.config["PUBLIC_URL"]
            export, cpu, wall = timed(
                lambda: plaidoyer_exports.render(content, "pdf", meta=None, base_url=base, stem="x")
            )
            n_pages = len(PdfReader(io.BytesIO(export.content)).pages)
            print(f"{N_PROPOSALS} proposals, {N_PROPOSALS * N_SOURCES} contributions: {n_pages} pages")
            print(f"  before: the request lays the PDF out       {cpu:6.2f} s CPU  {wall:6.2f} s wall")
            client = app.test_client()
            client.post("/connexion", data={"email": staff.email, "password": PASSWORD})
            response, cpu, wall = timed(lambda: client.post(f"/plaidoyers/{document_id}/export.pdf"))
            assert response.status_code == 303, response.status_code
            print(f"  after:  the request that queues it         {cpu:6.3f} s CPU  {wall:6.3f} s wall")
            page, cpu, wall = timed(lambda: client.get(response.location))
            assert "Préparation du PDF" in page.text
            print(f"          « Préparation du PDF… » page       {cpu:6.3f} s CPU  {wall:6.3f} s wall")
            pdf_id = int(response.location.rsplit("/", 1)[1])
            _, cpu, wall = timed(lambda: pdf_jobs.make_pdf(pdf_id))  # what the worker runs
            print(f"          the worker's task                  {cpu:6.2f} s CPU  {wall:6.2f} s wall")
            download, cpu, wall = timed(lambda: client.get(f"/plaidoyers/{document_id}/pdf/{pdf_id}/fichier"))
            assert download.data.startswith(b"%PDF-")
            print(
                f"          the download ({len(download.data) / 1e6:.1f} MB)"
                f"              {cpu:6.3f} s CPU  {wall:6.3f} s wall"
            )
            db.engine.dispose()


if __name__ == "__main__":
    main()
