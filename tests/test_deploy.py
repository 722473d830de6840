"""The deployment files and guide (deploy/, docs/deploy.md) describe a server that starts.

An operator copies the guide's environment file, the systemd units and the wrapper as they
are: a setting the server does not know stops it at start-up, a command that does not exist
fails its timer, a path that differs between units leaves a task without its keyring.
"""

from __future__ import annotations

import ipaddress
import re
import runpy
import secrets
import subprocess
from configparser import ConfigParser
from pathlib import Path

import pytest

from cookieconsent import config

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "deploy.md"
UNITS = sorted((ROOT / "deploy" / "systemd").glob("cookieconsent*"))


def guide_env_file() -> str:
    blocks = re.findall(r"```sh\n(.*?)```", GUIDE.read_text(), re.S)
    return next(block for block in blocks if block.startswith("COOKIECONSENT_ENV=production"))


def systemd_environment(text: str) -> dict[str, str]:
    """``EnvironmentFile=`` as systemd reads it: KEY=VALUE lines, one pair of quotes removed."""
    pairs = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = re.sub(r'^"(.*)"$', r"\1", value.strip())
    return pairs


def test_the_guides_environment_file_starts_a_production_server(tmp_path):
    text = guide_env_file()
    # Copied without a secret of one's own, it refuses to start.
    with pytest.raises(config.ConfigError, match="SECRET_KEY is too weak"):
        config.load(str(tmp_path), environ=systemd_environment(text))
    text = text.replace("REPLACE-ME", secrets.token_urlsafe(48))
    environ = systemd_environment(text)
    loaded = config.load(str(tmp_path), environ=environ)  # ConfigError on any unknown name
    assert loaded["ENV"] == "production" and loaded["PROXY_COUNT"] == 1
    assert loaded["PUBLIC_URL"].startswith("https://")
    assert loaded["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert loaded["LEDGER_KEYS"].startswith("/var/lib/cookieconsent/")
    # cookieconsent-flask reads the same file with sh: it must mean the same there.
    path = tmp_path / "env"
    path.write_text(text)
    shell = subprocess.run(
        ["sh", "-c", f'set -a; . "{path}"; env -0'], capture_output=True, text=True, check=True
    ).stdout
    seen = dict(item.split("=", 1) for item in shell.split("\0") if "=" in item)
    assert {key: seen.get(key) for key in environ} == environ


def test_the_guide_names_only_settings_that_exist():
    text = GUIDE.read_text()
    named = set(re.findall(r"COOKIECONSENT_([A-Z][A-Z_]*[A-Z])", text))
    unknown = named - config.BY_NAME.keys() - config.IGNORED
    assert not unknown, f"docs/deploy.md names settings the server refuses: {sorted(unknown)}"


def units() -> dict[str, ConfigParser]:
    parsed = {}
    for path in UNITS:
        unit = ConfigParser(strict=False, interpolation=None)
        unit.optionxform = str
        unit.read(path)
        parsed[path.name] = unit
    return parsed


def test_every_timer_and_worker_starts_a_flask_command_that_exists(runner):
    parsed = units()
    timers = [name for name in parsed if name.endswith(".timer")]
    assert len(timers) == 3
    tasks = [timer.removesuffix(".timer") + ".service" for timer in timers]
    for task in [*tasks, "cookieconsent-webhooks.service"]:
        command = parsed[task]["Service"]["ExecStart"].split()
        assert command[:3] == ["/opt/cookieconsent/venv/bin/flask", "--app", "cookieconsent"]
        result = runner.invoke(args=[*command[3:], "--help"])
        assert result.exit_code == 0, f"{task}: `flask {' '.join(command[3:])}` {result.output}"


def test_every_unit_runs_as_the_service_with_its_environment_and_keyring():
    server = units()["cookieconsent.service"]["Service"]
    assert server["ExecStart"].endswith(
        "gunicorn -c /etc/cookieconsent/gunicorn.conf.py cookieconsent:create_app()"
    )
    for name, unit in units().items():
        if name.endswith(".service"):
            for key in ("User", "EnvironmentFile", "WorkingDirectory", "StateDirectory"):
                assert unit["Service"][key] == server[key], (name, key)
    wrapper = (ROOT / "deploy" / "cookieconsent-flask").read_text()
    for value in (server["User"], server["EnvironmentFile"], server["WorkingDirectory"]):
        assert f":={value}}}" in wrapper, value  # the wrapper's default


def test_gunicorn_listens_on_loopback_by_default(monkeypatch):
    """Started as the guide's unit starts it, without --bind, gunicorn is out of reach."""
    monkeypatch.delenv("GUNICORN_BIND", raising=False)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    host, _, port = settings["bind"].rpartition(":")
    assert ipaddress.ip_address(host).is_loopback and port == "8000"
