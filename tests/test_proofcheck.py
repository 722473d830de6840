"""The offline proof checker: never OK for a signer it cannot vouch for, and one line (exit 1)
for every malformed proof, as ``python -m cookieconsent.proofcheck`` runs it."""

from __future__ import annotations

import copy
import hashlib
import json
import subprocess
import sys

import pytest

from cookieconsent.consents import decisions
from cookieconsent.extensions import db
from cookieconsent.ledger import audit, proofcheck
from cookieconsent.ledger.keys import LedgerKey, b64
from cookieconsent.ledger.proofcheck import canonical, leaf_hash
from cookieconsent.models import ConsentEvent
from cookieconsent.sites import snapshots


@pytest.fixture
def app_config(app_config, tmp_path):
    return app_config | {"LEDGER_KEYS": str(tmp_path / "ledger_keys.json")}


@pytest.fixture
def proof(site, consent_body) -> dict:
    """A genuine proof of one recorded decision, in a checkpoint of three."""
    for _ in range(3):
        event, _ = decisions.record_decision(
            snapshots.get(site.key), consent_body() | {"previous_consent_id": None},
            ip="203.0.113.0", user_agent="UA/1",
        )
        db.session.commit()
    return json.loads(json.dumps(audit.proof_bundle(db.session.get(ConsentEvent, event.id))))


def run(tmp_path, content, *args) -> subprocess.CompletedProcess:
    """``python -m cookieconsent.proofcheck PROOF.json ARGS``, as an auditor runs it."""
    path = tmp_path / "proof.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return subprocess.run(
        [sys.executable, "-m", "cookieconsent.proofcheck", str(path), *args],
        capture_output=True, text=True, timeout=60,
    )


def run_here(tmp_path, capsys, content, *args) -> tuple[int, list[str]]:
    """The same, in this process (an uncaught exception would fail the test): code, lines."""
    path = tmp_path / "proof.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    code = proofcheck.main([str(path), *args])
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).strip().splitlines()


def self_signed(proof: dict) -> dict:
    """The proof with the record changed and a checkpoint signed by a key of the forger's own."""
    forged = copy.deepcopy(proof)
    forged["record"]["action"] = "accept_all"
    forged["record"]["choices"] = {"essential": True, "functional": True, "analytics": True}
    stranger = LedgerKey("forger", b"\x07" * 32, "2026-01-01")
    payload = json.loads(forged["checkpoint"]["payload"])
    payload |= {"root": leaf_hash(forged["id"], forged["record"]).hex(), "count": 1,
                "ids": [[forged["id"], forged["id"]]], "key": stranger.id}
    text = canonical(payload).decode()
    forged["checkpoint"] = {"seq": payload["seq"], "payload": text,
                            "signature": b64(stranger.signing_key.sign(text.encode()))}
    forged["inclusion"] = {"index": 0, "size": 1, "path": []}
    forged["key"] = stranger.public()
    return forged


def test_a_genuine_proof_checks_with_the_published_key(proof, tmp_path):
    done = run(tmp_path, proof, f"--key={proof['key']['public_key']}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("OK: consent ") and f"({proof['id']})" in done.stdout


def test_without_a_key_a_self_signed_forgery_is_not_ok(proof, tmp_path):
    done = run(tmp_path, self_signed(proof))
    assert done.returncode == 3, done.stdout + done.stderr
    assert "OK" not in done.stdout.split()
    assert "UNVERIFIED" in done.stdout and "--key" in done.stdout
    # With the operator's published key the same forgery fails outright.
    done = run(tmp_path, self_signed(proof), f"--key={proof['key']['public_key']}")
    assert done.returncode == 1 and "FAIL" in done.stdout


def test_without_a_key_a_genuine_proof_is_unverified_too(proof, tmp_path, capsys):
    code, lines = run_here(tmp_path, capsys, proof)
    assert code == 3
    assert lines[0].startswith("UNVERIFIED:") and "signer is not verified" in lines[0]


def drop(*path):
    def change(proof):
        *parents, last = path
        target = proof
        for name in parents:
            target = target[name]
        del target[last]

    return change


def put(value, *path):
    def change(proof):
        *parents, last = path
        target = proof
        for name in parents:
            target = target[name]
        target[last] = value(target[last]) if callable(value) else value

    return change


MALFORMED = [
    ("missing pii_salt", drop("pii_salt"), "pii_salt"),
    ("missing record", drop("record"), "record"),
    ("missing checkpoint payload", drop("checkpoint", "payload"), "checkpoint.payload"),
    ("id as text", put("7", "id"), "id"),
    ("record as a list", put([], "record"), "record"),
    ("pii_digest as a number", put(5, "record", "pii_digest"), "record.pii_digest"),
    ("salt not base64", put("not base64!", "pii_salt"), "pii_salt"),
    ("signature not base64", put("%%%", "checkpoint", "signature"), "checkpoint.signature"),
    ("payload not JSON", put("{root", "checkpoint", "payload"), "checkpoint.payload"),
    ("payload without root", put(lambda p: json.dumps({**json.loads(p), "root": None}),
                                  "checkpoint", "payload"), "checkpoint.payload.root"),
    ("path not hex", put(["zz"], "inclusion", "path"), "inclusion.path"),
    ("index as text", put("0", "inclusion", "index"), "inclusion.index"),
    ("unknown record version", put(9, "record", "v"), "record.v"),
    ("key not base64", put("***", "key", "public_key"), "key.public_key"),
]


@pytest.mark.parametrize("change, field", [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_a_malformed_proof_gets_one_line_and_exit_1(proof, tmp_path, capsys, change, field):
    broken = copy.deepcopy(proof)
    change(broken)
    code, lines = run_here(tmp_path, capsys, broken, f"--key={proof['key']['public_key']}")
    assert code == 1, lines
    assert len(lines) == 1 and lines[0].startswith("FAIL: malformed proof:"), lines
    assert field in lines[0]


def test_a_proof_without_its_salt_fails_on_the_command_line(proof, tmp_path):
    del proof["pii_salt"]
    done = run(tmp_path, proof, f"--key={proof['key']['public_key']}")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stdout.strip() == "FAIL: malformed proof: pii_salt is missing"


@pytest.mark.parametrize(
    "content, reason",
    [("{not json", "not JSON"), ("[]", "a JSON object"), ("", "not JSON")],
    ids=["not-json", "a-list", "empty"],
)
def test_a_file_that_is_no_proof_gets_one_line_and_exit_1(tmp_path, capsys, content, reason):
    code, lines = run_here(tmp_path, capsys, content, "--key=" + b64(hashlib.sha256(b"k").digest()))
    assert code == 1
    assert len(lines) == 1 and reason in lines[0]


def test_a_missing_file_gets_one_line_and_exit_1(tmp_path, capsys):
    assert proofcheck.main([str(tmp_path / "nope.json")]) == 1
    assert len(capsys.readouterr().out.strip().splitlines()) == 1
