"""One proof document per consent: the console's download, the visitor's download and
``flask ledger proof`` give the same format, valid under docs/proof.schema.json, and
``python -m cookieconsent.proofcheck`` checks it whole."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from cookieconsent.ledger import checkpoints, proofcheck

SCHEMA = json.loads((Path(__file__).parents[1] / "docs" / "proof.schema.json").read_text())
ORIGIN = {"Origin": "https://shop.example.kz"}


@pytest.fixture
def app_config(app_config, tmp_path):
    return app_config | {"LEDGER_KEYS": str(tmp_path / "ledger_keys.json")}


@pytest.fixture
def consent(client, consent_body):
    """A decision and its withdrawal, beside another visitor's decision (so paths are long)."""
    client.post("/api/v1/consents", json=consent_body(), headers=ORIGIN)
    given = client.post("/api/v1/consents", json=consent_body(), headers=ORIGIN).get_json()
    withdrawn = client.post(
        f"/api/v1/consents/{given['consent_id']}/withdraw",
        json={"receipt": given["receipt"], "method": "preference_page"}, headers=ORIGIN,
    )
    assert withdrawn.status_code == 201
    client.post("/api/v1/consents", json=consent_body(), headers=ORIGIN)
    return {"consent_id": given["consent_id"], "receipt": withdrawn.get_json()["receipt"]}


@pytest.fixture
def public_key(runner):
    """The operator's published key, as ``flask ledger keys`` prints it."""
    checkpoints.checkpoint_all()
    return json.loads(runner.invoke(args=["ledger", "keys"]).output)["keys"][-1]["public_key"]


def console_download(admin_client, consent):
    response = admin_client.post(f"/admin/sites/shop/consents/{consent['consent_id']}/proof.json")
    assert response.status_code == 200
    return response.get_json()


def visitor_download(client, consent, ledger=True):
    response = client.post(
        f"/api/v1/consents/{consent['consent_id']}/proof",
        json={"receipt": consent["receipt"], "ledger": ledger}, headers=ORIGIN,
    )
    assert response.status_code == 200
    return response.get_json()


def command_line(runner, consent, tmp_path, *how):
    path = tmp_path / "cli-proof.json"
    args = how or ("--consent", consent["consent_id"])
    result = runner.invoke(args=["ledger", "proof", *args, "-o", str(path)])
    assert result.exit_code == 0, result.output
    return json.loads(path.read_text())


def check(tmp_path, capsys, document, *args) -> tuple[int, str]:
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(document))
    code = proofcheck.main([str(path), *args])
    return code, capsys.readouterr().out


@pytest.fixture
def downloads(admin_client, client, runner, consent, public_key, tmp_path):
    return {
        "console": console_download(admin_client, consent),
        "visitor": visitor_download(client, consent),
        "command line": command_line(runner, consent, tmp_path),
    }


WAYS = ["console", "visitor", "command line"]


@pytest.mark.parametrize("way", WAYS)
def test_every_download_is_valid_and_checks_ok(downloads, way, consent, public_key, tmp_path,
                                               capsys):
    document = downloads[way]
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    assert [e["type"] for e in document["events"]] == ["given", "withdrawn"]
    code, out = check(tmp_path, capsys, document, f"--key={public_key}")
    assert code == 0, out
    assert out.startswith(f"OK: consent {consent['consent_id']}: 2 events")
    # Only the visitor's own download carries the receipt, and it is checked against them.
    assert (document["receipt"] == consent["receipt"]) is (way == "visitor")
    assert ("the receipt matches" in out) is (way == "visitor")


def test_the_three_downloads_say_the_same(downloads):
    def lasting(document):
        # The text's link is built from the address the request came to.
        return [e | {"policy": e["policy"] | {"text_url": None}} for e in document["events"]]

    assert lasting(downloads["console"]) == lasting(downloads["visitor"])
    assert lasting(downloads["console"]) == lasting(downloads["command line"])


def test_the_event_form_of_the_command_gives_the_whole_consent(downloads, runner, consent,
                                                               tmp_path):
    second = downloads["console"]["events"][1]["id"]
    document = command_line(runner, consent, tmp_path, str(second))
    assert [e["id"] for e in document["events"]] == [
        e["id"] for e in downloads["console"]["events"]]
    assert runner.invoke(args=["ledger", "proof"]).exit_code != 0
    assert runner.invoke(args=["ledger", "proof", "--consent", "nope"]).exit_code != 0


def flip(text: str, position: int = 0) -> str:
    """``text`` with one character changed, still of the same alphabet."""
    old = text[position]
    new = {"0": "1", "a": "b", "A": "B"}.get(old, "0" if old != "0" else "1")
    return text[:position] + new + text[position + 1:]


TAMPERING = {
    "a record field": lambda d: d["events"][0]["record"].update(
        consent_id=d["events"][0]["record"]["consent_id"]) or d["events"][0]["record"].update(
        action=flip(d["events"][0]["record"]["action"])),
    "a Merkle path element": lambda d: d["events"][1]["inclusion"]["path"].__setitem__(
        0, flip(d["events"][1]["inclusion"]["path"][0])),
    "the checkpoint signature": lambda d: d["events"][0]["checkpoint"].update(
        signature=flip(d["events"][0]["checkpoint"]["signature"], 5)),
    "the personal data": lambda d: d["events"][0]["pii"].update(ip="198.51.100.99"),
    "the history order": lambda d: d["events"].reverse(),
    "a dropped first event": lambda d: d["events"].pop(0),
    "the receipt fingerprint": lambda d: d["events"][1]["receipt"].update(
        fingerprint=flip(d["events"][1]["receipt"]["fingerprint"])),
}


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("change", TAMPERING, ids=list(TAMPERING))
def test_a_changed_byte_fails(downloads, way, change, public_key, tmp_path, capsys):
    document = copy.deepcopy(downloads[way])
    if change == "the receipt fingerprint" and document["receipt"] is None:
        pytest.skip("only the visitor's download holds a receipt to match")
    TAMPERING[change](document)
    code, out = check(tmp_path, capsys, document, f"--key={public_key}")
    assert code == 1, out
    assert out.startswith("FAIL: ") and "OK" not in out.split()


def test_a_receipt_of_another_consent_fails(downloads, client, consent_body, public_key,
                                            tmp_path, capsys):
    other = client.post("/api/v1/consents", json=consent_body(), headers=ORIGIN).get_json()
    document = copy.deepcopy(downloads["visitor"]) | {"receipt": other["receipt"]}
    code, out = check(tmp_path, capsys, document, f"--key={public_key}")
    assert code == 1 and "receipt" in out


def test_before_a_checkpoint_each_event_says_so_and_the_rest_is_checked(
        client, consent, tmp_path, capsys, runner):
    document = visitor_download(client, consent)
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    key = json.loads(runner.invoke(args=["ledger", "keys"]).output)["keys"][-1]["public_key"]
    code, out = check(tmp_path, capsys, document, f"--key={key}")
    assert code == 3, out
    ids = [e["id"] for e in document["events"]]
    assert [line for line in out.splitlines() if line.startswith("PENDING")] == [
        f"PENDING: event {i} is not yet in a signed checkpoint; its other checks hold"
        for i in ids]
    assert "OK" not in out.split()
    document["events"][0]["pii"]["ip"] = "198.51.100.99"
    assert check(tmp_path, capsys, document, f"--key={key}")[0] == 1


def test_without_a_key_a_genuine_document_is_unverified(downloads, tmp_path, capsys):
    code, out = check(tmp_path, capsys, downloads["console"])
    assert code == 3 and out.startswith("UNVERIFIED:") and "OK" not in out.split()


def test_the_printed_page_shows_the_values_of_the_json(downloads, admin_client, consent):
    page = admin_client.get(f"/admin/sites/shop/consents/{consent['consent_id']}").get_data(
        as_text=True)
    for event in downloads["console"]["events"]:
        assert f'data-event-id="{event["id"]}"' in page
        assert event["receipt"]["fingerprint"] in page
        assert event["seal"]["hmac_sha256"] in page
        assert f"#{event['checkpoint']['seq']}" in page
        assert event["record"]["policy_sha256"] in page
        assert event["policy"]["body"] in page
