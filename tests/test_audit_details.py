"""The audit page names each detail of an entry in the console's language."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest
from admin_helpers import audit_samples

import cookieconsent
from cookieconsent.accounts import audit
from cookieconsent.admin import labels
from cookieconsent.admin.forms import LogFilterForm
from cookieconsent.admin.sites import SETTINGS, _snapshot
from cookieconsent.extensions import db

PACKAGE = Path(cookieconsent.__file__).parent


def written_keys() -> set[str]:
    """The detail keys given to ``audit.record``: in its ``details=``, or the ``details`` built."""
    keys = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        given = [
            keyword.value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "record" and isinstance(node.func.value, ast.Name)
            and node.func.value.id in ("audit", "audit_trail")
            for keyword in node.keywords if keyword.arg == "details"
        ]
        if any(isinstance(value, ast.Name) and value.id == "details" for value in given):
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign) and any(
                        isinstance(t, ast.Name) and t.id == "details" for t in node.targets):
                    given.append(node.value)
                elif (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
                      and node.value.id == "details" and isinstance(node.slice, ast.Constant)):
                    keys.add(node.slice.value)
        for value in given:
            for part in ast.walk(value):
                if isinstance(part, ast.Dict):
                    keys |= {k.value for k in part.keys if isinstance(k, ast.Constant)}
    return keys


def test_every_detail_key_the_code_writes_has_a_label(app):
    from cookieconsent.accounts.auditlog import AuditFilter

    with app.test_request_context():
        log_filters = set(LogFilterForm(meta={"csrf": False})._fields)
    site_changes = set(SETTINGS) | {name for name in _snapshot.__code__.co_consts
                                    if isinstance(name, tuple) for name in name}
    described = set(AuditFilter("s", "a", "login", date.min, date.max, None, 1).described())
    # Keys the code passes in a variable: `flask sites apps add|remove`.
    apps = {"app_added", "app_removed"}
    keys = written_keys() | log_filters | site_changes | described | apps
    assert len(keys) > 60  # the scan found the callers
    assert keys - set(labels.AUDIT_DETAILS) == set()


def test_the_samples_hold_every_action_and_every_labelled_key():
    samples = audit_samples("shop")
    assert {action for action, _ in samples} == set(audit.ACTIONS)
    assert set().union(*(details for _, details in samples)) == set(labels.AUDIT_DETAILS)


@pytest.mark.parametrize(("language", "expected"), [
    ("ru", {"Существенная": "да", "Роль": "Администратор", "Через": "Командная строка"}),
    ("kk", {"Елеулі": "иә", "Рөлі": "Әкімші", "Арқылы": "Командалық жол"}),
    ("en", {"Significant": "yes", "Role": "Administrator", "Made with": "Command line"}),
])
def test_the_audit_page_shows_details_in_its_language(admin_client, site, language, expected):
    audit.record("policy.publish", site=site, details={"significant": True, "revision": 2})
    audit.record("operator.update", target="viewer@shop.kz", details={"role": "admin"})
    audit.record("export", site=site, details={"via": "cli", "rows": 3})
    audit.record("site.update", site=site, details={"from_an_older_release": "kept"})
    db.session.commit()
    page = admin_client.get(f"/admin/audit?lang={language}").get_data(as_text=True)
    for label, value in expected.items():
        assert (f'<span class="detail-label">{label}</span>: '
                f'<span class="detail-value">{value}</span>') in page
    assert "viewer@shop.kz" in page  # typed by the operator: as typed
    # A key from an older release is shown as it is, not dropped.
    assert ('<span class="detail-label">from_an_older_release</span>: '
            '<span class="detail-value">kept</span>') in page
