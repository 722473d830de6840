"""The flask command group: sites, policies, the demo."""

from sqlalchemy import func, select

from cookieconsent.extensions import db
from cookieconsent.models import PolicyVersion, Site


def test_sites_create_and_list(runner):
    result = runner.invoke(args=["sites", "create", "shop", "--name", "Shop",
                                 "--origin", "https://Shop.kz/", "--metrika", "123"])
    assert result.exit_code == 0, result.output
    assert '<script src="' in result.output and "/embed/shop.js" in result.output
    site = db.session.scalar(select(Site))
    assert site.origins == ["https://shop.kz"]
    assert site.metrika_counter_id == 123
    assert [s.key for s in site.services] == ["yandex-metrika"]
    listed = runner.invoke(args=["sites", "list"])
    assert "shop\tShop\trevision 0\thttps://shop.kz" in listed.output


def test_sites_create_refuses_bad_origin_and_duplicate(runner):
    bad = runner.invoke(args=["sites", "create", "shop", "--name", "S", "--origin", "ftp://x"])
    assert bad.exit_code != 0 and "origin" in bad.output
    runner.invoke(args=["sites", "create", "shop", "--name", "S", "--origin", "https://a.kz"])
    again = runner.invoke(args=["sites", "create", "shop", "--name", "S", "--origin", "https://a.kz"])
    assert again.exit_code != 0 and "exists" in again.output


def test_policies_publish_raises_revision_only_when_significant(runner, tmp_path):
    runner.invoke(args=["sites", "create", "shop", "--name", "S", "--origin", "https://a.kz"])
    files = []
    for lang in ("kk", "ru", "en"):
        path = tmp_path / f"{lang}.txt"
        path.write_text(f"Саясат {lang}", "utf-8")
        files += ["--text", f"{lang}={path}"]
    outputs = [runner.invoke(args=["policies", "publish", "shop", *files, *extra]).output
               for extra in (["--significant", "--yes"], ["--yes"], ["--significant", "--yes"])]
    assert "revision 1" in outputs[0]
    assert "revision 1" in outputs[1]
    assert "revision 2" in outputs[2]
    assert db.session.scalar(select(func.count()).select_from(PolicyVersion)) == 3


def test_policies_publish_requires_every_language(runner, tmp_path):
    runner.invoke(args=["sites", "create", "shop", "--name", "S", "--origin", "https://a.kz"])
    path = tmp_path / "ru.txt"
    path.write_text("Политика", "utf-8")
    result = runner.invoke(args=["policies", "publish", "shop", "--text", f"ru={path}"])
    assert result.exit_code != 0 and "kk" in result.output


def test_demo_is_idempotent_and_adds_origins(runner, client):
    for _ in range(2):
        result = runner.invoke(args=["demo", "--origin", "http://localhost:8000"])
        assert result.exit_code == 0, result.output
    site = db.session.scalar(select(Site).where(Site.key == "demo"))
    assert "http://localhost:8000" in site.origins
    assert db.session.scalar(select(func.count()).select_from(Site)) == 1
    assert client.get("/demo").status_code == 200
    assert client.get("/api/v1/sites/demo/config").get_json()["revision"] == 1
