"""Configuration comes from COOKIECONSENT_* variables and refuses what is unsafe."""

import pytest

from cookieconsent import config


def test_production_without_secret_key_refuses_to_start(tmp_path):
    with pytest.raises(config.ConfigError, match="SECRET_KEY is not set"):
        config.load(str(tmp_path), environ={})


@pytest.mark.parametrize("key", ["dev", "short-key", "changeme"])
def test_production_with_weak_secret_key_refuses_to_start(tmp_path, key):
    with pytest.raises(config.ConfigError, match="too weak"):
        config.load(str(tmp_path), environ={"COOKIECONSENT_SECRET_KEY": key})


def test_development_generates_and_keeps_a_secret_key(tmp_path):
    environ = {"COOKIECONSENT_ENV": "development"}
    first = config.load(str(tmp_path), environ=environ)["SECRET_KEY"]
    second = config.load(str(tmp_path), environ=environ)["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_unknown_setting_is_refused(tmp_path):
    with pytest.raises(config.ConfigError, match="COOKIECONSENT_DATABSE_URL"):
        config.load(str(tmp_path), environ={"COOKIECONSENT_ENV": "development",
                                            "COOKIECONSENT_DATABSE_URL": "sqlite://"})


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path):
    loaded = config.load(str(tmp_path), environ={"COOKIECONSENT_ENV": "development"})
    assert loaded["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/cookieconsent.sqlite3"
    assert loaded["SESSION_COOKIE_SECURE"] is False


def test_production_session_cookie_is_secure(tmp_path):
    key = "k7Qw9-Lp2Zx4Rt8Vb1Nm6Hc3Yd5Fs0Gj"
    loaded = config.load(str(tmp_path), environ={"COOKIECONSENT_SECRET_KEY": key})
    assert loaded["SESSION_COOKIE_SECURE"] is True
    assert loaded["SESSION_COOKIE_HTTPONLY"] is True


def test_sqlite_runs_in_wal_mode(app):
    from sqlalchemy import text

    from cookieconsent.extensions import db

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_settings_table_is_what_the_code_defines():
    written = (config.ROOT / config.SETTINGS_DOC).read_text("utf-8")
    assert written == config.settings_table(), (
        "docs/settings.md is out of date: run scripts/settings-doc"
    )
    for name in ("DATABASE_URL", "PUBLIC_URL", "SECRET_KEY", "LEDGER_KEYS"):
        assert f"`COOKIECONSENT_{name}`" in written


def test_every_setting_the_server_reads_is_in_the_table(tmp_path):
    # Each documented variable is accepted, and a variable the table lacks is refused.
    environ = {f"COOKIECONSENT_{s.name}": s.default or "" for s in config.SETTINGS}
    config.load(str(tmp_path), environ=environ | {"COOKIECONSENT_ENV": "development"})


@pytest.mark.parametrize(
    "name, value",
    [
        ("ENV", "prod"),
        ("PROXY_COUNT", "two"),
        ("DB_TIMEOUT", "-1"),
        ("SESSION_SECURE", "yes"),
        ("PUBLIC_URL", "consent.shop.kz"),
        ("PUBLIC_URL", "https://consent.shop.kz/path?q=1"),
        ("DATABSE_URL", "sqlite://"),
    ],
)
def test_a_bad_setting_is_named_and_points_to_the_table(tmp_path, name, value):
    environ = {"COOKIECONSENT_ENV": "development", f"COOKIECONSENT_{name}": value}
    with pytest.raises(config.ConfigError) as error:
        config.load(str(tmp_path), environ=environ)
    assert f"COOKIECONSENT_{name}" in str(error.value)
    assert "docs/settings.md" in str(error.value)


def test_rate_limit_error_points_to_the_table(app_config):
    from cookieconsent import create_app

    with pytest.raises(config.ConfigError, match="COOKIECONSENT_RATE_LIMIT.*docs/settings.md"):
        create_app(app_config | {"RATE_LIMIT": "often"})


def test_public_url_is_kept_as_an_origin(tmp_path):
    environ = {"COOKIECONSENT_ENV": "development",
               "COOKIECONSENT_PUBLIC_URL": "https://Consent.Shop.kz/"}
    assert config.load(str(tmp_path), environ=environ)["PUBLIC_URL"] == "https://consent.shop.kz"


def test_a_command_started_with_a_bad_setting_says_so_in_one_line(tmp_path):
    import os
    import subprocess
    import sys

    environ = {k: v for k, v in os.environ.items() if not k.startswith("COOKIECONSENT_")}
    environ |= {"COOKIECONSENT_ENV": "production",
                "COOKIECONSENT_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    flask = [sys.executable, "-m", "flask", "--app", "cookieconsent", "db", "upgrade"]
    result = subprocess.run(flask, env=environ, cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0
    assert "COOKIECONSENT_SECRET_KEY is not set" in result.stderr
    assert "docs/settings.md" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
