"""The audit trail filtered on the console page and exported (console and ``flask audit
export``): a download holds exactly what the filter shows, and a viewer never gets entries
of sites that are not theirs."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

import pytest
from admin_helpers import PASSWORD, login

from cookieconsent.accounts import audit, users
from cookieconsent.extensions import db
from cookieconsent.ledger import trail as trail_seals
from cookieconsent.models import AuditEntry


@pytest.fixture
def app_config(app_config, tmp_path):
    return app_config | {"LEDGER_KEYS": str(tmp_path / "ledger_keys.json")}


@pytest.fixture
def sites(make_site):
    return make_site("shop", policy=False), make_site("bank", ("https://bank.kz",), policy=False)


@pytest.fixture
def trail(sites):
    """Entries on two sites, by two actors, on two days; committed."""
    shop, bank = sites
    made = [
        audit.record("site.update", site=shop, target="shop", actor="anna@shop.kz"),
        audit.record("policy.publish", site=shop, target="cookie v2", actor="anna@shop.kz"),
        audit.record("site.update", site=bank, target="bank", actor="boris@bank.kz"),
        audit.record("export", site=bank, target="csv", actor="cli:root"),
        audit.record("site.update", site=shop, target="shop, again", actor="boris@bank.kz"),
    ]
    db.session.commit()
    # The first two on 1 March: the time is sealed, so seal the chain again after moving them.
    for entry in made[:2]:
        entry.created_at = datetime(2026, 3, 1, 12, tzinfo=UTC)
    db.session.flush()
    for entry in made:
        trail_seals.seal(entry)
    db.session.commit()
    return [e.id for e in made]


@pytest.fixture
def admin(app):
    users.create_operator("admin@console.kz", PASSWORD, "admin")
    db.session.commit()


@pytest.fixture
def viewer(app, sites):
    users.create_operator("viewer@shop.kz", PASSWORD, "viewer", [sites[0]])
    db.session.commit()


def shown(client, **args) -> list[int]:
    page = client.get("/admin/audit", query_string=args)
    assert page.status_code == 200, page.get_data(as_text=True)
    return [int(i) for i in re.findall(r'data-id="(\d+)"', page.get_data(as_text=True))]


def download_link(client, fmt, **args) -> str:
    page = client.get("/admin/audit", query_string=args).get_data(as_text=True)
    href = re.search(rf'href="(/admin/audit/export\.{fmt}[^"]*)"', page).group(1)
    return href.replace("&amp;", "&")


def csv_ids(text: str) -> list[int]:
    rows = list(csv.DictReader(io.StringIO(text)))
    return [int(row["id"]) for row in rows]


def jsonl_ids(text: str) -> list[int]:
    return [json.loads(line)["id"] for line in text.splitlines()]


def test_the_console_filters_by_site_actor_action_and_period(client, admin, trail):
    login(client, "admin@console.kz")
    login_entry = max(trail) + 1
    page = client.get("/admin/audit?lang=en").get_data(as_text=True)
    assert "The trail verifies: 6 sealed entries" in page
    assert shown(client) == [login_entry, *reversed(trail)]
    assert shown(client, site="shop") == [trail[4], trail[1], trail[0]]
    assert shown(client, actor="boris@") == [trail[4], trail[2]]
    assert shown(client, action="site.update") == [trail[4], trail[2], trail[0]]
    assert shown(client, **{"from": "2026-03-01", "to": "2026-03-01"}) == [trail[1], trail[0]]
    assert shown(client, site="shop", action="site.update", **{"to": "2026-03-01"}) == [trail[0]]


def test_a_filter_that_cannot_be_read_is_refused_naming_the_field(client, admin, trail):
    login(client, "admin@console.kz")
    answer = client.get("/admin/audit?from=1%20March", headers={"Accept": "application/json"})
    assert answer.status_code == 400
    assert "from" in answer.get_json()["fields"]
    answer = client.get("/admin/audit/export.csv?from=2026-03-02&to=2026-03-01",
                        headers={"Accept": "application/json"})
    assert answer.status_code == 400
    assert "to" in answer.get_json()["fields"]


@pytest.mark.parametrize("fmt, ids_of", [("csv", csv_ids), ("jsonl", jsonl_ids)])
@pytest.mark.parametrize("args", [{}, {"site": "shop"}, {"actor": "boris"},
                                  {"action": "site.update", "from": "2026-03-02"}])
def test_the_download_holds_exactly_what_the_filter_shows(client, admin, trail, fmt, ids_of,
                                                          args):
    login(client, "admin@console.kz")
    expected = sorted(shown(client, **args))
    answer = client.get(download_link(client, fmt, **args))
    assert answer.status_code == 200
    assert "attachment" in answer.headers["Content-Disposition"]
    assert ids_of(answer.get_data(as_text=True)) == expected
    # The download is audited, and its own entry is not in it.
    assert audit_last().action == "export" and audit_last().target == f"audit.{fmt}"


def audit_last() -> AuditEntry:
    db.session.expire_all()
    return db.session.query(AuditEntry).order_by(AuditEntry.id.desc()).first()


def test_a_download_row_carries_the_entry_and_its_seal(client, admin, trail):
    login(client, "admin@console.kz")
    text = client.get(download_link(client, "jsonl", site="shop")).get_data(as_text=True)
    first = json.loads(text.splitlines()[0])
    stored = db.session.get(AuditEntry, trail[0])
    assert first == {
        "id": stored.id, "created_at": "2026-03-01T12:00:00+00:00", "actor": "anna@shop.kz",
        "action": "site.update", "site": "shop", "target": "shop", "details": {},
        "previous_id": stored.previous_id, "seal_key": stored.seal_key, "seal": stored.seal,
    }


def test_a_viewer_never_sees_nor_exports_other_sites_entries(client, viewer, trail):
    login(client, "viewer@shop.kz")
    assert shown(client) == [trail[4], trail[1], trail[0]]
    # Asking for the other site by name, by its actor or its action gives nothing of it.
    assert shown(client, site="bank") == []
    assert shown(client, actor="cli:root") == []
    for fmt, ids_of in (("csv", csv_ids), ("jsonl", jsonl_ids)):
        for args in ({}, {"site": "bank"}, {"action": "export"}):
            answer = client.get(f"/admin/audit/export.{fmt}", query_string=args)
            assert answer.status_code == 200
            assert set(ids_of(answer.get_data(as_text=True))) <= {trail[0], trail[1], trail[4]}
    text = client.get("/admin/audit/export.jsonl").get_data(as_text=True)
    assert '"site": "bank"' not in text
    assert "boris@bank.kz" in text  # boris edited shop too: that entry is the viewer's to see


def test_flask_audit_export_writes_the_filtered_trail(runner, trail, tmp_path):
    out = tmp_path / "audit.csv"
    result = runner.invoke(args=["audit", "export", "--site", "shop", "--action", "site.update",
                                 "--to", "2026-03-01", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert csv_ids(out.read_text("utf-8")) == [trail[0]]
    out = tmp_path / "audit.jsonl"
    result = runner.invoke(args=["audit", "export", "--actor", "boris", "--format", "jsonl",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert jsonl_ids(out.read_text("utf-8")) == [trail[2], trail[4]]
    assert audit_last().action == "export" and audit_last().actor.startswith("cli:")


def test_flask_audit_export_refuses_a_bad_date(runner, trail, tmp_path):
    result = runner.invoke(args=["audit", "export", "--from", "yesterday", "-o",
                                 str(tmp_path / "x.csv")])
    assert result.exit_code == 2
    assert "--from" in result.output
