"""The ledger: a changed, deleted or forged row is named; erasure and key rotation are not."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from cookieconsent.consents import retention
from cookieconsent.extensions import db
from cookieconsent.ledger import audit, checkpoints, merkle, proofcheck
from cookieconsent.models import ConsentEvent, LedgerCheckpoint


@pytest.fixture
def app_config(app_config, tmp_path):
    return app_config | {"LEDGER_KEYS": str(tmp_path / "ledger_keys.json")}


def failing(runner) -> tuple[int, str]:
    result = runner.invoke(args=["ledger", "verify"])
    return result.exit_code, result.output


def test_an_untouched_log_verifies(record, runner):
    record(5)
    checkpoints.checkpoint_all()
    record(2)  # not yet in a checkpoint: checked by seal alone
    code, output = failing(runner)
    assert code == 0, output
    assert "7 rows" in output and "Ledger OK" in output


@pytest.mark.parametrize(
    "column, value",
    [
        ("choices", '{"essential": true, "functional": true, "analytics": true}'),
        ("action", "accept_all"),
        ("created_at", "2020-01-01 00:00:00.000000"),
        ("revision", "7"),
        ("ip", "198.51.100.0"),
        ("user_agent", "Forged/1.0"),
        ("url", "https://elsewhere.example/"),
    ],
)
@pytest.mark.parametrize("checkpointed", [True, False], ids=["checkpointed", "tail"])
def test_one_changed_field_names_its_row(record, runner, sql, column, value, checkpointed):
    ids = record(4)
    if checkpointed:
        checkpoints.checkpoint_all()
    if column == "created_at" and db.engine.dialect.name == "postgresql":
        value = "2020-01-01 00:00:00+00"
    sql(f"UPDATE consent_event SET {column} = :value WHERE id = :id", value=value, id=ids[2])
    code, output = failing(runner)
    assert code == 1
    assert f"row {ids[2]}:" in output
    assert all(f"row {i}:" not in output for i in ids if i != ids[2])


def test_a_deleted_row_is_named(record, runner, sql):
    ids = record(5)
    checkpoints.checkpoint_all()
    sql("DELETE FROM consent_event WHERE id = :id", id=ids[1])
    code, output = failing(runner)
    assert code == 1
    assert f"row {ids[1]}: deleted" in output


def test_deleting_the_last_rows_is_named(record, runner, sql):
    ids = record(3)
    checkpoints.checkpoint_all()
    sql("DELETE FROM consent_event WHERE id >= :id", id=ids[1])
    code, output = failing(runner)
    assert code == 1
    assert f"row {ids[1]}: deleted" in output and f"row {ids[2]}: deleted" in output


def test_a_forged_row_is_named(record, runner, sql):
    ids = record(3)
    checkpoints.checkpoint_all()
    # A row written straight into the database, with a seal copied from a genuine one.
    forged_id = ids[-1] + 1
    sql(
        "INSERT INTO consent_event (id, consent_id, site_id, kind, event_type, action, method,"
        " created_at, choices, services, revision, language, gpc, subject_hashes, pii_digest,"
        " seal_key, seal) SELECT :new, 'ffffffffffffffffffffffffffffffff', site_id, kind,"
        " event_type, 'accept_all', method, created_at,"
        ' \'{"essential": true, "functional": true, "analytics": true}\', services, revision,'
        " language, gpc, subject_hashes, pii_digest, seal_key, seal"
        " FROM consent_event WHERE id = :old",
        new=forged_id,
        old=ids[0],
    )
    code, output = failing(runner)
    assert code == 1
    assert f"row {forged_id}:" in output
    assert f"row {ids[0]}:" not in output


def test_a_copied_row_is_named(record, runner, sql):
    ids = record(2)
    columns = [c.name for c in ConsentEvent.__table__.columns if c.name != "id"]
    names = ", ".join(columns)
    sql(
        f"INSERT INTO consent_event ({names}) SELECT {names} FROM consent_event WHERE id = :id",
        id=ids[0],
    )
    copy = db.session.scalar(select(ConsentEvent.id).order_by(ConsentEvent.id.desc()).limit(1))
    code, output = failing(runner)
    assert code == 1
    assert f"row {copy}: a copy of row {ids[0]}" in output


def test_a_removed_checkpoint_is_noticed(record, runner, sql):
    record(2)
    checkpoints.checkpoint_all()
    record(2)
    checkpoints.checkpoint_all()
    sql("DELETE FROM ledger_checkpoint WHERE seq = 1")
    code, output = failing(runner)
    assert code == 1
    assert "checkpoint 1 is missing" in output


def test_erasure_keeps_the_ledger_verifying(record, runner):
    ids = record(4)
    checkpoints.checkpoint_all()
    for event in db.session.scalars(select(ConsentEvent).where(ConsentEvent.id.in_(ids[:2]))):
        retention.erase(event)
    db.session.commit()
    code, output = failing(runner)
    assert code == 0, output
    assert "(2 erased)" in output
    erased = db.session.get(ConsentEvent, ids[0])
    assert erased.ip is None and erased.user_agent is None and erased.url is None


def test_an_erasure_that_leaves_data_behind_is_named(record, runner, sql):
    ids = record(2)
    sql("UPDATE consent_event SET erased_at = created_at WHERE id = :id", id=ids[0])
    code, output = failing(runner)
    assert code == 1
    assert f"row {ids[0]}: marked erased but still holds ip, user_agent, url" in output


def test_rotated_keys_keep_verifying(record, runner):
    old = record(2)
    checkpoints.checkpoint_all()
    result = runner.invoke(args=["ledger", "rotate-key"])
    assert result.exit_code == 0, result.output
    new = record(2)
    checkpoints.checkpoint_all()
    keys = {db.session.get(ConsentEvent, i).seal_key for i in old + new}
    assert len(keys) == 2
    checkpoint_keys = set(db.session.scalars(select(LedgerCheckpoint.key_id)))
    assert len(checkpoint_keys) == 2
    assert failing(runner)[0] == 0
    published = json.loads(runner.invoke(args=["ledger", "keys"]).output)["keys"]
    assert [k["retired_at"] is None for k in published] == [False, True]


def test_a_late_commit_below_the_checkpoint_is_picked_up_next_time(record, runner, sql):
    ids = record(3)
    # Another process held id ids[1] and committed after the checkpoint was taken.
    late = db.session.get(ConsentEvent, ids[1])
    columns = [c.name for c in ConsentEvent.__table__.columns]
    saved = {c: getattr(late, c) for c in columns}
    db.session.delete(late)
    db.session.commit()
    first = checkpoints.checkpoint_all()
    assert json.loads(first[0].payload)["ids"] == [[ids[0], ids[0]], [ids[2], ids[2]]]
    db.session.add(ConsentEvent(**saved))
    db.session.commit()
    code, output = failing(runner)
    assert code == 0, output
    assert "1 row awaiting a checkpoint" in output
    (second,) = checkpoints.checkpoint_all()
    assert json.loads(second.payload)["ids"] == [[ids[1], ids[1]]]
    assert failing(runner)[0] == 0


@pytest.fixture
def proof_file(record, tmp_path):
    def export(erase=False):
        (event_id,) = record(1)
        event = db.session.get(ConsentEvent, event_id)
        if erase:
            retention.erase(event)
            db.session.commit()
        path = tmp_path / "proof.json"
        path.write_text(json.dumps(audit.proof_bundle(event)))
        return path, json.loads(path.read_text())

    return export


@pytest.mark.parametrize("erase", [False, True], ids=["kept", "erased"])
def test_an_exported_proof_checks_offline(proof_file, capsys, erase):
    path, proof = proof_file(erase)
    key = proof["key"]["public_key"]
    assert proofcheck.main([str(path), f"--key={key}"]) == 0
    assert "OK: consent" in capsys.readouterr().out
    assert (proof["pii"] is None) is erase


@pytest.mark.parametrize(
    "tamper",
    [
        lambda p: p["record"].update(action="accept_all"),
        lambda p: p["pii"].update(ip="198.51.100.0"),
        lambda p: p["checkpoint"].update(
            payload=p["checkpoint"]["payload"].replace('"v":1', '"v":2')
        ),
        lambda p: p["inclusion"].update(path=list(reversed(p["inclusion"]["path"])) + ["00" * 32]),
    ],
    ids=["record", "personal-data", "checkpoint", "path"],
)
def test_a_changed_proof_fails_offline(proof_file, tamper):
    for _ in range(4):  # a tree with more than one leaf, so the path is not empty
        proof_file()
    _, proof = proof_file()
    key = proof["key"]["public_key"]
    tamper(proof)
    assert proofcheck.check(proof, key)


def test_a_proof_under_another_key_fails(proof_file):
    from cookieconsent.ledger.keys import LedgerKey

    _, proof = proof_file()
    stranger = LedgerKey("x", b"\x01" * 32, "2026-01-01").public_key
    assert "another public key" in " ".join(proofcheck.check(proof, stranger))


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33])
def test_every_audit_path_leads_to_the_root(size):
    leaves = [proofcheck.leaf_hash(i, {"n": i}) for i in range(size)]
    top = merkle.root(leaves)
    for index in range(size):
        path = merkle.path(leaves, index)
        assert proofcheck.root_from_path(index, size, leaves[index], path) == top
        if size > 1:
            assert proofcheck.root_from_path(index, size, leaves[(index + 1) % size], path) != top


def test_the_keyring_lives_outside_the_database_and_apart_from_the_secret_key(app, record):
    record(1)
    keyring_text = open(app.config["LEDGER_KEYS"]).read()
    assert app.config["SECRET_KEY"] not in keyring_text
    event = db.session.scalars(select(ConsentEvent)).one()
    secret = json.loads(keyring_text)["keys"][0]["secret"]
    assert secret not in json.dumps(
        {c.name: str(getattr(event, c.name)) for c in ConsentEvent.__table__.columns}
    )


def test_the_retention_purge_keeps_the_ledger_verifying(record, runner, sql):
    ids = record(3)
    checkpoints.checkpoint_all()
    # The proof period of the first two ended (purge_after is housekeeping, not sealed).
    sql(
        "UPDATE consent_event SET purge_after = :past WHERE id IN (:a, :b)",
        past="2000-01-01 00:00:00",
        a=ids[0],
        b=ids[1],
    )
    run = retention.purge()
    assert run.erased_cookie == 2
    code, output = failing(runner)
    assert code == 0, output
    assert "(2 erased)" in output


def test_the_proof_command_writes_a_proof_that_checks(record, runner, tmp_path):
    (event_id,) = record(1)
    path = tmp_path / "proof.json"
    result = runner.invoke(args=["ledger", "proof", str(event_id), "-o", str(path)])
    assert result.exit_code == 0, result.output
    published = json.loads(runner.invoke(args=["ledger", "keys"]).output)["keys"][-1]
    assert proofcheck.main([str(path), f"--key={published['public_key']}"]) == 0
    assert runner.invoke(args=["ledger", "proof", "999999"]).exit_code != 0


def test_a_forged_row_is_never_vouched_for_by_a_checkpoint(record, runner, sql):
    ids = record(2)
    sql("UPDATE consent_event SET seal = :bad WHERE id = :id", bad="0" * 64, id=ids[1])
    made = checkpoints.checkpoint_all()
    assert [json.loads(cp.payload)["ids"] for cp in made] == [[[ids[0], ids[0]]]]
    assert checkpoints.checkpoint_all() == []  # and asking again changes nothing
    code, output = failing(runner)
    assert code == 1 and f"row {ids[1]}: changed since it was sealed" in output


def test_workers_checkpoint_once_enough_rows_wait(app, record):
    app.config |= {"LEDGER_CHECKPOINT_SECONDS": 3600, "LEDGER_CHECKPOINT_DUE_ROWS": 3}
    state = app.extensions["cookieconsent.ledger"]
    counts = []
    for _ in range(4):
        state.last_attempt = float("-inf")  # as if this worker had not looked for a while
        record(1)
        counts.append(len(db.session.scalars(select(LedgerCheckpoint)).all()))
    assert counts == [0, 0, 1, 1]


def test_workers_checkpoint_once_the_oldest_row_waited_long_enough(app, record):
    app.config |= {"LEDGER_CHECKPOINT_SECONDS": 0.001, "LEDGER_CHECKPOINT_DUE_ROWS": 1000}
    app.extensions["cookieconsent.ledger"].last_attempt = float("-inf")
    ids = record(1)
    (made,) = db.session.scalars(select(LedgerCheckpoint)).all()
    assert json.loads(made.payload)["ids"] == [[ids[0], ids[0]]]


def test_no_lazy_checkpoint_when_left_to_cron(app, record):
    app.config["LEDGER_CHECKPOINT_SECONDS"] = None
    app.extensions["cookieconsent.ledger"].last_attempt = float("-inf")
    record(3)
    assert db.session.scalars(select(LedgerCheckpoint)).all() == []
