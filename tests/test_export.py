"""Exporting the log: the streamed writers, the bearer-token API and the CLI."""

import csv
import getpass
import io
import json

import pytest
from admin_helpers import bulk_events, csv_cell
from sqlalchemy import select

from cookieconsent.accounts import users
from cookieconsent.export import events, formats
from cookieconsent.extensions import db
from cookieconsent.models import AuditEntry


@pytest.fixture
def token(site):
    record, token = users.create_token("nightly", site)
    db.session.commit()
    return token


_responses: list = []


@pytest.fixture(autouse=True)
def _close_streams():
    """Close every streamed export a test left unread, within that test's app context."""
    yield
    while _responses:
        _responses.pop().close()


def get(client, token, query="", key="shop"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.get(f"/api/v1/sites/{key}/consents{query}", headers=headers)
    _responses.append(response)
    return response


def expected_csv_rows(site):
    """What the CSV must hold: every record, each value as CSV writes it."""
    return [
        {k: csv_cell(v) for k, v in row.items()}
        for row in events.records(site, events.EventFilter())
    ]


def test_csv_export_streams_and_parses_back_to_the_same_rows(client, site, token):
    written = bulk_events(site, 2500)
    response = get(client, token, "?format=csv")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    parsed = list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline="")))
    assert len(parsed) == 2500
    assert parsed == expected_csv_rows(site)
    # And the values are the ones written, not merely self-consistent.
    assert [r["consent_id"] for r in parsed] == [w["consent_id"] for w in written]
    assert parsed[0]["url"] == written[0]["url"]  # commas, quotes and a newline survive
    assert json.loads(parsed[0]["choices"]) == written[0]["choices"]
    assert parsed[0]["created_at"] == "2026-01-01T00:00:00+00:00"
    assert parsed[0]["site"] == "shop" and parsed[0]["gpc"] == "true"


def test_jsonl_export_holds_one_event_per_line(client, site, token):
    written = bulk_events(site, 450)
    response = get(client, token, "?format=jsonl")
    assert response.is_streamed and response.mimetype == "application/x-ndjson"
    lines = response.get_data(as_text=True).splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == 450
    assert rows == list(events.records(site, events.EventFilter()))
    assert rows[5]["choices"] == written[5]["choices"] and rows[5]["user_agent"].endswith("ünïcode")


@pytest.mark.parametrize(
    "query,count",
    [
        ("", 3000),
        ("?from=2026-01-02", 3000 - 1440),
        ("?to=2026-01-01", 1440),
        ("?from=2026-01-01T10:00:00Z&to=2026-01-01T11:00:00Z", 60),
        ("?from=2026-01-01T15:00:00%2B05:00&to=2026-01-01T11:00:00", 60),
    ],
)
def test_export_period(client, site, token, query, count):
    bulk_events(site, 3000)
    response = get(client, token, query + ("&" if "?" in query else "?") + "format=jsonl")
    assert len(response.get_data(as_text=True).splitlines()) == count


@pytest.mark.parametrize(
    "query,field",
    [
        ("?format=xml", "format"),
        ("?from=yesterday", "from"),
        ("?to=2026-13-01", "to"),
        ("?from=2026-02-01&to=2026-01-01", "to"),
    ],
)
def test_bad_query_is_422_naming_the_field(client, site, token, query, field):
    response = get(client, token, query)
    assert response.status_code == 422
    assert field in response.get_json()["fields"]


def test_export_needs_a_valid_token_for_the_site(client, site, token, make_site):
    assert get(client, None).status_code == 401
    assert get(client, None).headers["WWW-Authenticate"].startswith("Bearer")
    assert get(client, "cc_forged").status_code == 401
    make_site("other")
    assert get(client, token, key="other").status_code == 403
    assert get(client, token, key="nosuch").status_code == 404
    record = users.check_token(token)
    users.revoke_token(record)
    db.session.commit()
    assert get(client, token).status_code == 401


def test_an_all_sites_token_exports_any_site(client, site, make_site):
    make_site("other")
    _, token = users.create_token("all")
    db.session.commit()
    assert get(client, token, key="other").status_code == 200


def test_api_export_is_audited_and_marks_the_token_used(client, site, token):
    get(client, token, "?from=2026-01-01").get_data()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
    assert entry.actor == "token:nightly" and entry.site_key == "shop"
    assert entry.details["from"] == "2026-01-01"
    assert users.check_token(token).last_used_at is not None


def test_export_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/sites/{key}/consents"]["get"]
    assert {"401", "403", "422"} <= set(operation["responses"])


def test_jsonl_writer_chunks_its_output_and_counts_the_lines():
    rows = [{"id": i} for i in range(1000)]
    chunks = list(formats.write_jsonl(iter(rows)))
    assert len(chunks) > 1
    assert sum(text.count("\n") for text, _ in chunks) == sum(n for _, n in chunks) == 1000


def test_cli_export_writes_the_file_with_a_progress_bar(runner, site, tmp_path):
    bulk_events(site, 1200)
    target = tmp_path / "out.csv"
    result = runner.invoke(
        args=[
            "export",
            "shop",
            "--from",
            "2026-01-01",
            "--to",
            "2026-01-01",
            "--format",
            "csv",
            "-o",
            str(target),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Wrote 1200 events" in result.output
    with target.open(newline="", encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) == 1200
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
    assert entry.actor == f"cli:{getpass.getuser()}" and entry.details["rows"] == 1200


def test_cli_tokens_and_operators(runner, site):
    created = runner.invoke(args=["tokens", "create", "backup", "--site", "shop"])
    assert created.exit_code == 0, created.output
    token = created.stdout.splitlines()[0]
    assert users.check_token(token) is not None
    listed = runner.invoke(args=["tokens", "list"]).output
    assert "backup" in listed and token not in listed
    runner.invoke(args=["tokens", "revoke", listed.split("\t")[0]])
    assert users.check_token(token) is None
    made = runner.invoke(
        args=["operators", "create", "Root@Shop.kz", "--role", "admin"],
        input="long enough password\nlong enough password\n",
    )
    assert made.exit_code == 0, made.output
    assert users.find_operator("root@shop.kz").is_admin
    again = runner.invoke(
        args=["operators", "create", "root@shop.kz", "--password", "another long passphrase"]
    )
    assert again.exit_code != 0 and "exists" in again.output
    assert "root@shop.kz\tadmin\tactive\tall" in runner.invoke(args=["operators", "list"]).output
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert {"token.create", "token.revoke", "operator.create"} <= set(actions)
