"""Issue 12's attacks on the ledger: an edited checkpoint column, rows left without a
checkpoint, a consent's history reordered or cut, and two withdrawals at once."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cookieconsent.consents import decisions
from cookieconsent.errors import APIError
from cookieconsent.extensions import db
from cookieconsent.ledger import checkpoints, sealing
from cookieconsent.ledger.proofcheck import canonical
from cookieconsent.models import ConsentEvent, LedgerCheckpoint
from cookieconsent.sites import snapshots

ORIGIN = {"Origin": "https://shop.example.kz"}


@pytest.fixture
def app_config(app_config, tmp_path):
    return app_config | {"LEDGER_KEYS": str(tmp_path / "ledger_keys.json")}


def verify(runner) -> tuple[int, str]:
    result = runner.invoke(args=["ledger", "verify"])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def covered(checkpoint_row) -> list[int]:
    return [i for lo, hi in json.loads(checkpoint_row.payload)["ids"] for i in range(lo, hi + 1)]


# --- 5. An edited checkpoint column ---------------------------------------------------------


def test_an_inflated_to_id_is_named_and_does_not_stop_checkpointing(record, runner, sql):
    record(2)
    checkpoints.checkpoint_all()
    sql("UPDATE ledger_checkpoint SET to_id = 2000000000 WHERE seq = 1")
    later = record(2)

    result = runner.invoke(args=["ledger", "checkpoint"])
    assert result.exit_code == 0, result.output
    assert "Nothing to checkpoint" not in result.output
    newest = db.session.scalars(select(LedgerCheckpoint).where(LedgerCheckpoint.seq == 2)).one()
    assert covered(newest) == later

    code, output = verify(runner)
    assert code == 1
    assert "checkpoint 1: its to_id column says 2000000000, its signed payload" in output


def test_a_row_deleted_after_the_to_id_edit_is_named(record, runner, sql):
    record(2)
    checkpoints.checkpoint_all()
    sql("UPDATE ledger_checkpoint SET to_id = 2000000000 WHERE seq = 1")
    later = record(3)
    assert runner.invoke(args=["ledger", "checkpoint"]).exit_code == 0
    sql("DELETE FROM consent_event WHERE id = :id", id=later[1])
    code, output = verify(runner)
    assert code == 1
    assert f"row {later[1]}: deleted" in output


def test_an_edited_payload_stops_checkpoints_loudly(record, runner, sql):
    record(2)
    checkpoints.checkpoint_all()
    # The forger raises the signed to_id too: the signature no longer holds.
    sql("UPDATE ledger_checkpoint SET payload = replace(payload, :was, :now)",
        was='"to_id":', now='"to_id":9')
    record(1)
    result = runner.invoke(args=["ledger", "checkpoint"])
    assert result.exit_code == 1
    assert "Cannot checkpoint: checkpoint 1: its signature does not verify" in result.output
    code, output = verify(runner)
    assert code == 1 and "checkpoint 1: its signature does not verify" in output


def test_rows_left_past_the_checkpoint_interval_fail_verify(app, site, record, runner):
    app.config["LEDGER_CHECKPOINT_SECONDS"] = 600
    (row,) = record(1)
    # As a worker would have sealed it two hours ago, with no checkpoint since.
    event = db.session.get(ConsentEvent, row)
    event.created_at -= timedelta(hours=2)
    sealing.seal(event, site.key)
    db.session.commit()

    code, output = verify(runner)
    assert code == 1
    assert f"row {row}: waited 2 h without a checkpoint" in output

    assert runner.invoke(args=["ledger", "checkpoint"]).exit_code == 0
    assert verify(runner)[0] == 0


# --- 6. A consent's history -----------------------------------------------------------------


def given_and_withdrawn(client, consent_body) -> tuple[dict, list[int]]:
    given = client.post("/api/v1/consents", json=consent_body(), headers=ORIGIN).get_json()
    withdrawn = client.post(f"/api/v1/consents/{given['consent_id']}/withdraw",
                            json={"receipt": given["receipt"]}, headers=ORIGIN)
    assert withdrawn.status_code == 201, withdrawn.get_json()
    ids = db.session.scalars(
        select(ConsentEvent.id).where(ConsentEvent.consent_id == given["consent_id"])
        .order_by(ConsentEvent.id)
    ).all()
    return given, ids


def test_swapping_given_and_withdrawn_is_named_and_never_checkpointed(
    client, consent_body, runner, sql
):
    given, (first, second) = given_and_withdrawn(client, consent_body)
    # Put the withdrawal first, so that the consent reads as given again.
    sql("UPDATE consent_event SET id = :tmp WHERE id = :a", tmp=-1, a=first)
    sql("UPDATE consent_event SET id = :a WHERE id = :b", a=first, b=second)
    sql("UPDATE consent_event SET id = :b WHERE id = :tmp", b=second, tmp=-1)

    code, output = verify(runner)
    assert code == 1
    assert f"row {first}: out of place in consent {given['consent_id']}" in output
    assert f"row {second}: out of place in consent {given['consent_id']}" in output
    made = checkpoints.checkpoint_all()
    assert all(first not in covered(cp) and second not in covered(cp) for cp in made)

    answer = client.post("/api/v1/receipts/verify", json={"receipt": given["receipt"]}).get_json()
    assert answer["valid"] is False and answer["reason"] == "tampered"


def test_a_removed_event_inside_a_history_is_named(client, consent_body, runner, sql):
    given, (first, second) = given_and_withdrawn(client, consent_body)
    sql("DELETE FROM consent_event WHERE id = :id", id=first)
    code, output = verify(runner)
    assert code == 1
    assert f"row {second}: out of place in consent {given['consent_id']}" in output


def test_rows_sealed_in_the_first_format_still_verify(client, consent_body, runner, site):
    # As the previous release sealed them: no place in the consent's history.
    given, ids = given_and_withdrawn(client, consent_body)
    key = sealing.keyring().current
    for event in db.session.scalars(select(ConsentEvent).where(ConsentEvent.id.in_(ids))):
        event.seal_version, event.previous_event_id = 1, None
        event.seal = sealing._seal_value(key, canonical(sealing.record(event, site.key)))
    db.session.commit()
    code, output = verify(runner)
    assert code == 0 and "Ledger OK" in output, output
    checkpoints.checkpoint_all()
    assert verify(runner)[0] == 0
    answer = client.post("/api/v1/receipts/verify", json={"receipt": given["receipt"]}).get_json()
    assert answer["valid"] is True and answer["withdrawn"] is True


def test_new_rows_are_sealed_with_their_place_in_the_history(client, consent_body):
    _, (first, second) = given_and_withdrawn(client, consent_body)
    rows = db.session.scalars(select(ConsentEvent).order_by(ConsentEvent.id)).all()
    assert [(r.seal_version, r.previous_event_id) for r in rows] == [(2, None), (2, first)]


def test_two_withdrawals_at_once_never_both_follow_the_same_event(app, site, client,
                                                                   consent_body, runner):
    given = client.post("/api/v1/consents", json=consent_body(), headers=ORIGIN).get_json()
    snapshot = snapshots.get(site.key)
    # Both requests read the consent's latest event before either has written.
    stale = decisions.latest_event(snapshot, given["consent_id"])
    db.session.commit()

    def other_request():
        with app.app_context():
            latest = decisions.latest_event(snapshot, given["consent_id"])
            decisions.withdrawal(snapshot, latest, method="banner")
            db.session.commit()

    thread = threading.Thread(target=other_request)
    thread.start()
    thread.join()
    with pytest.raises(APIError) as refused:
        decisions.withdrawal(snapshot, stale, method="banner")
    assert refused.value.status == 409
    assert "consent_id" in refused.value.fields
    count = db.session.scalar(select(func.count()).select_from(ConsentEvent))
    assert count == 2
    code, output = verify(runner)
    assert code == 0, output
