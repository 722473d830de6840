"""Commands leave an audit entry naming the shell's user; publishing shows what it will do."""

from __future__ import annotations

import getpass
import json

import pytest
from sqlalchemy import func, select
from test_forms import DETAILS

from cookieconsent.extensions import db
from cookieconsent.models import AuditEntry, PolicyVersion

CLI_ACTOR = f"cli:{getpass.getuser()}"


def entries(action: str) -> list[AuditEntry]:
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def versions() -> int:
    return db.session.scalar(select(func.count()).select_from(PolicyVersion))


@pytest.fixture
def texts(tmp_path):
    """``--text`` options for kk, ru and en, from files holding ``body`` in each language."""

    def make(body="Саясат"):
        options = []
        for lang in ("kk", "ru", "en"):
            path = tmp_path / f"{lang}.txt"
            path.write_text(f"{body} ({lang})\nЕкінші жол", "utf-8")
            options += ["--text", f"{lang}={path}"]
        return options

    return make


def invoke(runner, *args, input=None):
    result = runner.invoke(args=list(args), input=input)
    assert result.exit_code == 0, result.output
    return result


def test_every_state_changing_command_leaves_an_entry_by_the_shell_user(runner, client, tmp_path,
                                                                       texts):
    invoke(runner, "sites", "create", "shop", "--name", "Shop", "--origin", "https://shop.kz")
    invoke(runner, "sites", "rotate-key", "shop")
    invoke(runner, "policies", "publish", "shop", *texts(), "--significant", "--yes")
    details = tmp_path / "consent.json"
    details.write_text(json.dumps(DETAILS, ensure_ascii=False), "utf-8")
    invoke(runner, "forms", "publish-document", "shop", str(details), "--yes")
    invoke(runner, "forms", "set", "shop", "--form", "feedback")
    answer = client.post("/api/v1/form-consents", json={
        "site": "shop", "form": "feedback", "document_version": 1, "language": "kk",
        "agreed": True, "subject": {"phone": "8 701 234 56 78"},
    }, headers={"Origin": "https://shop.kz"})
    assert answer.status_code == 201, answer.get_json()
    invoke(runner, "subjects", "withdraw", "--site", "shop", "--phone", "87012345678")
    invoke(runner, "subjects", "erase", "--site", "shop", "--phone", "87012345678", "--yes")
    invoke(runner, "purge")
    invoke(runner, "ledger", "rotate-key")

    expected = {
        "site.create": "shop",
        "site.rotate_key": "shop",
        "policy.publish": "cookie v1",
        "document.publish": "personal_data v1",
        "forms.update": None,
        "consent.withdraw": answer.get_json()["consent_id"],
        "consent.erase": answer.get_json()["consent_id"],
        "retention.purge": None,
        "ledger.rotate_key": None,
    }
    for action, target in expected.items():
        [entry] = entries(action)
        assert entry.actor == CLI_ACTOR, action
        if target is not None:
            assert entry.target == target, action
    assert entries("site.create")[0].site_key == "shop"


def test_an_empty_policy_text_is_refused_and_nothing_is_published(runner, tmp_path, texts):
    invoke(runner, "sites", "create", "shop", "--name", "Shop", "--origin", "https://shop.kz")
    options = texts()
    empty = tmp_path / "empty.txt"
    empty.write_text(" \n", "utf-8")
    options[-1] = f"en={empty}"
    result = runner.invoke(args=["policies", "publish", "shop", *options, "--yes"])
    assert result.exit_code == 2
    assert "empty.txt' is empty" in result.output and "--text" in result.output
    missing = runner.invoke(args=["policies", "publish", "shop", "--text", "en=", "--yes"])
    assert missing.exit_code == 2 and "cannot read" in missing.output
    assert versions() == 0 and entries("policy.publish") == []


def test_a_dry_run_shows_sizes_hashes_and_the_difference_and_changes_nothing(runner, texts):
    invoke(runner, "sites", "create", "shop", "--name", "Shop", "--origin", "https://shop.kz")
    invoke(runner, "policies", "publish", "shop", *texts("Бірінші"), "--significant", "--yes")
    result = invoke(runner, "policies", "publish", "shop", *texts("Екінші"), "--dry-run")
    assert "Version 2 of shop (cookie):" in result.output
    assert "kk: " in result.output and " bytes, sha256 " in result.output
    assert "-Бірінші (kk)" in result.output and "+Екінші (kk)" in result.output
    assert "Dry run: nothing was published." in result.output
    assert versions() == 1 and len(entries("policy.publish")) == 1


def test_publishing_asks_first_and_no_keeps_the_version_in_force(runner, texts):
    invoke(runner, "sites", "create", "shop", "--name", "Shop", "--origin", "https://shop.kz")
    refused = runner.invoke(args=["policies", "publish", "shop", *texts()], input="n\n")
    assert refused.exit_code == 1 and "Publish it?" in refused.output
    assert versions() == 0
    agreed = invoke(runner, "policies", "publish", "shop", *texts(), input="y\n")
    assert "Published version 1 of shop" in agreed.output
    assert versions() == 1


def test_a_document_dry_run_publishes_nothing(runner, site, tmp_path):
    details = tmp_path / "consent.json"
    details.write_text(json.dumps(DETAILS, ensure_ascii=False), "utf-8")
    before = versions()
    result = invoke(runner, "forms", "publish-document", "shop", str(details), "--dry-run")
    assert "(personal_data):" in result.output and "Dry run" in result.output
    assert versions() == before and entries("document.publish") == []
