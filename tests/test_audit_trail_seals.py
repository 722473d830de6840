"""Issue 19's attacks on the audit trail: an entry edited, deleted, reordered or forged in
SQL is named by ``flask ledger verify``; two writers at once still make one chain."""

from __future__ import annotations

import threading

import pytest
from admin_helpers import PASSWORD, login
from flask_babel import refresh
from sqlalchemy import select, text

from cookieconsent.accounts import audit, users
from cookieconsent.consents import retention
from cookieconsent.extensions import db
from cookieconsent.models import AuditEntry


@pytest.fixture
def app_config(app_config, tmp_path):
    return app_config | {"LEDGER_KEYS": str(tmp_path / "ledger_keys.json")}


@pytest.fixture
def trail(app):
    """Five entries, committed one by one as the console would; their ids."""
    ids = []
    for n in range(5):
        entry = audit.record("site.update", target=f"shop-{n}", details={"name": f"Shop {n}"},
                             actor="admin@example.kz")
        db.session.commit()
        ids.append(entry.id)
    return ids


def sql(statement, **params):
    db.session.execute(text(statement), params)
    db.session.commit()
    db.session.expire_all()


def verify(runner) -> tuple[int, str]:
    result = runner.invoke(args=["ledger", "verify"])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_an_untouched_trail_verifies(trail, runner):
    code, output = verify(runner)
    assert code == 0, output
    assert "Audit trail: 5 entries, 0 from before sealing" in output
    assert f"Latest sealed entry {trail[-1]}" in output


def test_edited_details_are_named(trail, runner):
    sql("UPDATE audit_entry SET details = :d WHERE id = :id", d='{"name": "Other"}', id=trail[2])
    code, output = verify(runner)
    assert code == 1
    assert f"audit entry {trail[2]}: changed since it was sealed" in output
    assert f"Audit trail FAILED: 1 problems, entries: {trail[2]}." in output


def test_an_edited_actor_is_named(trail, runner):
    sql("UPDATE audit_entry SET actor = 'someone@else.kz' WHERE id = :id", id=trail[0])
    code, output = verify(runner)
    assert code == 1
    assert f"audit entry {trail[0]}: changed since it was sealed" in output


def test_an_entry_deleted_from_the_middle_is_named(trail, runner):
    sql("DELETE FROM audit_entry WHERE id = :id", id=trail[2])
    code, output = verify(runner)
    assert code == 1
    assert f"audit entry {trail[3]}: follows entry {trail[2]}, which is missing" in output


def test_two_entries_with_swapped_ids_are_named(trail, runner):
    first, second = trail[1], trail[2]
    sql("UPDATE audit_entry SET id = -1 WHERE id = :a", a=first)
    sql("UPDATE audit_entry SET id = :a WHERE id = :b", a=first, b=second)
    sql("UPDATE audit_entry SET id = :b WHERE id = -1", b=second)
    code, output = verify(runner)
    assert code == 1
    failed = output.split("entries: ")[-1]
    assert str(first) in failed and str(second) in failed


def test_a_forged_entry_is_named(trail, runner):
    # A copy of a real entry's seal does not help: the seal covers the id and the chain.
    real = db.session.get(AuditEntry, trail[4])
    sql(
        "INSERT INTO audit_entry (id, created_at, actor, action, site_key, target, details,"
        " previous_id, seal_key, seal) VALUES (:id, :at, 'admin@example.kz', 'export', NULL,"
        " 'csv', '{}', :prev, :key, :seal)",
        id=trail[4] + 1, at=real.created_at.replace(tzinfo=None), prev=trail[4],
        key=real.seal_key, seal=real.seal,
    )
    code, output = verify(runner)
    assert code == 1
    assert f"audit entry {trail[4] + 1}: changed since it was sealed" in output


def test_an_unsealed_entry_after_sealing_began_is_named(trail, runner):
    sql("INSERT INTO audit_entry (id, created_at, actor, action, details) VALUES"
        " (:id, '2026-01-01 00:00:00', 'admin@example.kz', 'login', '{}')", id=trail[4] + 1)
    code, output = verify(runner)
    assert code == 1
    assert f"audit entry {trail[4] + 1}: not sealed, yet written after sealing began" in output


def test_entries_from_before_sealing_are_counted_and_the_chain_starts_after_them(app, runner):
    for n in (1, 2):
        sql("INSERT INTO audit_entry (id, created_at, actor, action, details) VALUES"
            " (:id, '2025-01-01 00:00:00', 'cli:root', 'login', '{}')", id=n)
    entry = audit.record("login", actor="admin@example.kz")
    db.session.commit()
    assert entry.previous_id is None and entry.seal
    code, output = verify(runner)
    assert code == 0, output
    assert "3 entries, 2 from before sealing (not covered)" in output


def test_two_writers_at_once_make_one_chain(app, runner):
    audit.record("login", actor="first@example.kz")
    db.session.commit()
    start = threading.Barrier(4)
    errors = []

    def writer(n):
        try:
            with app.app_context():
                start.wait()
                for i in range(5):
                    audit.record("export", target=f"{n}-{i}", actor=f"writer{n}@example.kz")
                    db.session.commit()
        except Exception as error:  # shown by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = db.session.execute(select(AuditEntry.id, AuditEntry.previous_id)
                              .order_by(AuditEntry.id)).all()
    assert len(rows) == 21
    assert [r.previous_id for r in rows] == [None] + [r.id for r in rows[:-1]]
    code, output = verify(runner)
    assert code == 0, output


def test_the_console_page_says_whether_the_trail_verifies(trail, client):
    users.create_operator("admin@console.kz", PASSWORD, "admin")
    db.session.commit()
    login(client, "admin@console.kz")
    assert "Журнал проверен: 6 запечатанных записей" in client.get("/admin/audit").get_data(True)
    sql("UPDATE audit_entry SET target = 'nothing' WHERE id = :id", id=trail[1])
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Журнал не прошёл проверку: 1 запись изменена" in page
    assert f"Запись {trail[1]}: изменена после запечатывания" in page
    # What is wrong is said in the console's language, not in the command's English.
    assert "changed since it was sealed" not in page
    refresh()  # the test's app context would keep the first request's language
    page = client.get("/admin/audit?lang=kk").get_data(as_text=True)
    assert f"Жазба: {trail[1]}: мөрленгеннен кейін өзгертілген" in page


def test_a_purge_run_that_failed_is_in_the_trail_too(app, site):
    sql("ALTER TABLE consent_event RENAME TO consent_event_away")
    try:
        with pytest.raises(Exception):  # noqa: B017 - whatever the database says
            retention.purge(trigger="cli")
    finally:
        db.session.rollback()
        sql("ALTER TABLE consent_event_away RENAME TO consent_event")
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "retention.purge"))
    assert entry.details["status"] == "failed"
    assert entry.seal
