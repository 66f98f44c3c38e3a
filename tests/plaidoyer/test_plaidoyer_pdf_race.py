"""Two staff members ask for the same PDF at the same instant: the database lets one job through and the
second request joins it (migration 0027). The interleaving that made two layouts is forced, not hoped for:
the first request is held just before its INSERT while the second runs whole, in another thread."""

from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa

from contrib import tasks
from contrib.extensions import db
from contrib.models import PlaidoyerPdf, Role
from contrib.plaidoyer import versions as plaidoyer_versions
from tests.conftest import AuthActions, poll_with_worker


def _rows() -> list[tuple[int, str, int | None]]:
    db.session.expire_all()
    return [
        (row.id, row.status.value, row.version_id)
        for row in db.session.scalars(db.select(PlaidoyerPdf).order_by(PlaidoyerPdf.id))
    ]


def _pdf_id(response) -> int:
    assert response.status_code == 303, response.text
    return int(re.search(r"/pdf/(\d+)$", response.location)[1])


def at_the_same_instant(first, second, url: str, table: str = "plaidoyer_pdfs", data: dict | None = None):
    """``first`` posts ``url``; when its request is about to insert into ``table``, ``second`` posts the same
    ``url`` from another thread and finishes before ``first`` goes on. Returns both responses."""
    responses, held = {}, threading.Event()
    first_thread = threading.get_ident()

    def second_request():
        responses["second"] = second.post(url, data=data)

    def hold_first(connection, cursor, statement, parameters, context, executemany):
        mine = threading.get_ident() == first_thread and statement.startswith(f"INSERT INTO {table} ")
        if mine and not held.is_set():
            held.set()
            thread = threading.Thread(target=second_request)
            thread.start()
            thread.join()

    sa.event.listen(db.engine, "before_cursor_execute", hold_first)
    try:
        responses["first"] = first.post(url, data=data)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", hold_first)
    assert held.is_set(), "the first request reached its INSERT"
    return responses["first"], responses["second"]


def _two_staff_clients(app, factory, world):
    clients = []
    for user in (world.staff, factory.user(Role.STAFF)):
        client = app.test_client()
        AuthActions(client).login(user)
        clients.append(client)
    return clients


@pytest.mark.parametrize("of_version", [False, True], ids=["current-document", "version"])
def test_two_first_requests_at_the_same_instant_make_one_pdf(app, factory, world, document_id, of_version):
    """One row, one task queued; both staff members are sent to the same progress page, then the same file."""
    base = f"/plaidoyers/{document_id}"
    version_id = plaidoyer_versions.snapshot(document_id, "Après Pessac", actor=world.staff).id if of_version else None
    url = f"{base}/versions/{version_id}/export.pdf" if of_version else f"{base}/export.pdf"
    first, second = _two_staff_clients(app, factory, world)

    one, other = at_the_same_instant(first, second, url)
    pdf_id = _pdf_id(one)
    assert _pdf_id(other) == pdf_id and other.location == one.location
    assert _rows() == [(pdf_id, "queued", version_id)] and tasks.queue(app).pending_count() == 1
    for client in (first, second):
        page = client.get(f"{base}/pdf/{pdf_id}").text
        assert "Préparation du PDF…" in page and f"{base}/pdf/{pdf_id}/etat" in page

    assert poll_with_worker(app, first, f"{base}/pdf/{pdf_id}/etat")["status"] == "done"
    for client in (first, second):
        response = client.get(f"{base}/pdf/{pdf_id}/fichier")
        assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert _rows() == [(pdf_id, "done", version_id)]


def test_without_the_0027_indexes_the_race_made_two_layouts_and_the_migration_fixes_them(
    app, factory, world, document_id
):
    """The control for the test above (the same interleaving once made two jobs), the migration's upgrade
    on a database the race already doubled, and its downgrade."""
    from flask_migrate import downgrade, upgrade

    def indexes() -> set[str]:
        return {index["name"] for index in sa.inspect(db.engine).get_indexes("plaidoyer_pdfs")}

    base = f"/plaidoyers/{document_id}"
    first, second = _two_staff_clients(app, factory, world)
    db.session.commit()
    downgrade(revision="0026_pdfqueue_plaidoyer_pdfs")
    try:
        assert not indexes() & {"uq_plaidoyer_pdfs_active_document", "uq_plaidoyer_pdfs_active_version"}
        one, other = at_the_same_instant(first, second, f"{base}/export.pdf")
        assert _pdf_id(one) != _pdf_id(other)
        assert [status for _, status, _ in _rows()] == ["queued", "queued"]  # two layouts for one document
    finally:
        db.session.remove()
        upgrade()
    assert {"uq_plaidoyer_pdfs_active_document", "uq_plaidoyer_pdfs_active_version"} <= indexes()
    kept, dropped = _rows()
    assert kept[1] == "queued" and dropped[1] == "failed"  # the older job kept, the double failed
    assert "Demandez à nouveau le PDF" in db.session.get(PlaidoyerPdf, dropped[0]).progress_message

    # After the upgrade, a third request joins the job that was kept.
    assert _pdf_id(second.post(f"{base}/export.pdf")) == kept[0]
    # and the database itself refuses a second active row
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.add(PlaidoyerPdf(plaidoyer_id=document_id, progress_message=""))
    db.session.rollback()
