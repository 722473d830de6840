"""A version carries the site's own label; earlier versions can be imported as history."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cookieconsent.extensions import db
from cookieconsent.models import PolicyVersion


@pytest.fixture
def texts(tmp_path):
    options = []
    for lang in ("kk", "ru", "en"):
        path = tmp_path / f"old-{lang}.txt"
        path.write_text(f"Ескі саясат ({lang})", "utf-8")
        options += ["--text", f"{lang}={path}"]
    return options


def imported(runner, texts, label="13.03.2024"):
    result = runner.invoke(args=["policies", "import", "shop", *texts, "--label", label,
                                 "--in-force-from", "2024-03-13"])
    assert result.exit_code == 0, result.output
    return db.session.scalar(select(PolicyVersion).where(PolicyVersion.label == label))


def test_an_imported_version_is_listed_with_its_label_and_is_never_in_force(
    runner, admin_client, client, site, texts
):
    revision_before = client.get("/api/v1/sites/shop/config").get_json()["revision"]
    version = imported(runner, texts)
    assert version.is_imported and not version.is_published
    assert f"v{version.number}\t13.03.2024\timported\t2024-03-13" in runner.invoke(
        args=["policies", "list", "shop"]).output
    listing = admin_client.get("/admin/sites/shop/policies").get_data(as_text=True)
    assert "(13.03.2024)" in listing
    # Nothing in force changed: the banner's revision and policy stay those of before.
    config = client.get("/api/v1/sites/shop/config").get_json()
    assert config["revision"] == revision_before
    # It cannot be put in force, from the console or the CLI's domain.
    admin_client.post(f"/admin/sites/shop/policies/{version.number}/publish",
                      data={"effective_at": ""})
    db.session.refresh(version)
    assert not version.is_published
    page = admin_client.get(f"/admin/sites/shop/policies/cookie/{version.number}")
    assert 'data-action="publish"' not in page.get_data(as_text=True)


def test_no_form_consent_can_name_an_imported_document(runner, client, site, tmp_path):
    options = []
    for lang in ("kk", "ru", "en"):
        path = tmp_path / f"doc-{lang}.txt"
        path.write_text(f"Келісім ({lang})", "utf-8")
        options += ["--text", f"{lang}={path}"]
    result = runner.invoke(args=["policies", "import", "shop", *options, "--kind",
                                 "personal_data", "--label", "25.12.2025",
                                 "--in-force-from", "2025-12-25"])
    assert result.exit_code == 0, result.output
    answer = client.post("/api/v1/form-consents", json={
        "site": "shop", "form": "feedback", "document_version": 1, "language": "kk",
        "agreed": True, "subject": {"phone": "87012345678"}})
    assert answer.status_code == 422
    assert "document_version" in answer.get_json()["fields"]


def test_a_published_version_shows_the_sites_label(runner, client, site, texts):
    result = runner.invoke(args=["policies", "publish", "shop", *texts, "--label",
                                 "01.12.2026", "--yes"])
    assert result.exit_code == 0, result.output
    version = db.session.scalar(select(PolicyVersion).where(PolicyVersion.label == "01.12.2026"))
    page = client.get(f"/policies/shop/{version.number}/ru")
    assert page.status_code == 200 and "(01.12.2026)" in page.get_data(as_text=True)
