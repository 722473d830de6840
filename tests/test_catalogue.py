"""The cookie catalogue: lookups by exact name and prefix, our categories, a refresh from CSV."""

from __future__ import annotations

import csv
import json
import tomllib
from pathlib import Path

import pytest

from cookieconsent import catalogue

SOURCE = Path("/work/shared/data/open-cookie-database/open-cookie-database.csv")
HEADER = ["ID", "Platform", "Category", "Cookie / Data Key name", "Domain", "Description",
          "Retention period", "Data Controller", "User Privacy & GDPR Rights Portals",
          "Wildcard match"]


def test_lookup_by_exact_name_and_by_the_longest_prefix():
    assert catalogue.lookup("_ym_uid").platform == "Yandex.Metrica"
    assert catalogue.lookup("_ym_uid").category == "analytics"
    ga4 = catalogue.lookup("_ga_ABC123")
    assert (ga4.name, ga4.wildcard, ga4.platform) == ("_ga_", True, "Google Analytics")
    assert catalogue.lookup("_fbp").category == "marketing"
    assert catalogue.lookup("no_such_cookie_anywhere") is None
    # Names are case-sensitive: Cookiebot's CookieConsent is not our cookieconsent.
    assert catalogue.lookup("cookieconsent") is None


def test_platforms_entries_and_tracker_hosts():
    assert "Google Analytics" in catalogue.platforms()
    names = {e.name for e in catalogue.entries_for("Yandex.Metrica")}
    assert {"_ym_uid", "_ym_d", "yandexuid"} <= names
    assert catalogue.tracker_host("mc.yandex.ru").platform == "Yandex.Metrica"
    assert catalogue.tracker_host("www.googletagmanager.com") is not None
    assert catalogue.tracker_host("localhost") is None


def test_the_catalogue_ships_with_its_licence_and_source():
    folder = catalogue.DATA.parent
    assert "Apache License" in (folder / "LICENSE").read_text()
    assert "0ee5a17fe1cb002943f89370d24fc26a4226061c" in (folder / "SOURCE.md").read_text()
    assert len(json.loads(catalogue.DATA.read_text())["entries"]) == 2264
    project = tomllib.loads((folder.parents[1] / "pyproject.toml").read_text())
    shipped = project["tool"]["setuptools"]["package-data"]["cookieconsent.catalogue"]
    assert {"*.json", "LICENSE", "SOURCE.md"} <= set(shipped)


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)


def test_build_maps_the_categories(tmp_path):
    write_csv(tmp_path / "new.csv", [
        ["1", "Shop CMS", "Security", "csrf_", "", "Guards forms", "session", "Shop", "", "1"],
        ["2", "Recs", "Personalization", "recs", "", "Suggests", "1 year", "Recs", "", "0"],
    ])
    target = tmp_path / "out.json"
    assert catalogue.build(tmp_path / "new.csv", target) == 2
    entries = json.loads(target.read_text())["entries"]
    assert [e[3] for e in entries] == ["essential", "personalisation"]
    assert entries[0][1] is True


def test_refresh_refuses_a_csv_that_is_not_the_databases(runner, tmp_path):
    before = catalogue.DATA.read_bytes()
    (tmp_path / "bad.csv").write_text("name,category\n_ga,Analytics\n")

    result = runner.invoke(args=["catalogue", "refresh", str(tmp_path / "bad.csv")])

    assert result.exit_code == 2
    assert "not an Open Cookie Database CSV" in result.output
    assert catalogue.DATA.read_bytes() == before


@pytest.mark.skipif(not SOURCE.exists(), reason="the Open Cookie Database CSV is not here")
def test_refresh_from_the_source_csv_rebuilds_the_same_file(runner):
    before = catalogue.DATA.read_bytes()
    result = runner.invoke(args=["catalogue", "refresh", str(SOURCE)])
    assert result.exit_code == 0, result.output
    assert "2264 cookies" in result.output
    assert catalogue.DATA.read_bytes() == before
