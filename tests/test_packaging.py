"""Every documented way to start the server speaks kk, ru and en, with no extra step.

A fresh clone has no compiled catalogs (they are build output, not committed): before the
server compiled them at start, ``gunicorn -c gunicorn.conf.py wsgi:app`` there served English
to everyone. A wheel held neither the banner, nor the catalogs, nor the migrations, so
``flask --app cookieconsent db upgrade`` failed outside the checkout.

Both tests work on a clone of the repository's committed HEAD, as a newcomer would.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from server_processes import BIN, ROOT, free_port

pytestmark = pytest.mark.slow
KAZAKH_LETTERS = set("қәіңғүұөһ")


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("clone") / "cookieconsent"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(path)], check=True)
    assert not list(path.glob("translations/*/LC_MESSAGES/*.mo")), "catalogs were committed"
    return path


def clean_env(**settings: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("COOKIECONSENT_") and k != "PYTHONPATH"}
    return env | {f"COOKIECONSENT_{name}": value for name, value in settings.items()}


def run(command: list[str], cwd: Path, env: dict) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{command}: {done.stdout}\n{done.stderr}"
    return done.stdout


def serve(command: list[str], cwd: Path, env: dict, url: str, log: Path):
    """Start a server process; wait until ``url`` answers."""
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()[-3000:]
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise AssertionError(f"no answer from {url}: {log.read_text()[-3000:]}")


def texts(base: str, language: str) -> dict:
    with urllib.request.urlopen(f"{base}/embed/demo/texts/{language}.json", timeout=10) as answer:
        return json.loads(answer.read())


def assert_speaks_kazakh_and_russian(base: str) -> None:
    kk, ru, en = (texts(base, language) for language in ("kk", "ru", "en"))
    # The banner's own words come from the catalogs; English ones mean they were not found.
    for key in ("title", "accept_all", "reject_all"):
        assert kk[key] != en[key] and ru[key] != en[key], key
    assert KAZAKH_LETTERS & set(kk["title"] + kk["intro"]), kk["title"]
    assert any("а" <= letter <= "я" for letter in ru["title"].lower()), ru["title"]


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, 15)
    process.wait(30)


def test_a_fresh_clone_serves_kazakh_without_a_compile_step(clone, tmp_path):
    env = clean_env(ENV="development")
    env["GUNICORN_BIND"] = f"127.0.0.1:{free_port()}"
    env["WEB_CONCURRENCY"] = "2"
    # What runs is the clone's code (the tested checkout's is only installed, not on the path).
    where = run([sys.executable, "-c", "import cookieconsent; print(cookieconsent.__file__)"],
                clone, env)
    assert where.strip() == str(clone / "cookieconsent" / "__init__.py")
    run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], clone, env)
    run([str(BIN / "flask"), "--app", "wsgi", "demo"], clone, env)
    base = "http://" + env["GUNICORN_BIND"]
    server = serve([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"], clone, env,
                   base + "/embed/demo.js", tmp_path / "gunicorn.log")
    try:
        assert_speaks_kazakh_and_russian(base)
    finally:
        stop(server)


def test_the_wheel_installed_elsewhere_serves_every_language(clone, tmp_path):
    dist = tmp_path / "dist"
    run([str(BIN / "python"), "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist),
         str(clone)], tmp_path, os.environ.copy())
    (wheel,) = dist.glob("cookieconsent-*.whl")
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], tmp_path, os.environ.copy())
    # The dependencies resolve as for any user (pip's cache keeps this quick).
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], tmp_path,
        os.environ.copy())

    empty = tmp_path / "empty"
    empty.mkdir()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = clean_env(SECRET_KEY=secrets.token_urlsafe(48), PUBLIC_URL=base)
    where = run([str(venv / "bin" / "python"), "-c",
                 "import cookieconsent; print(cookieconsent.__file__)"], empty, env)
    assert str(venv) in where
    run([str(venv / "bin" / "flask"), "--app", "cookieconsent", "db", "upgrade"], empty, env)
    run([str(venv / "bin" / "flask"), "--app", "cookieconsent", "demo"], empty, env)
    server = serve(
        [str(venv / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "cookieconsent:create_app()"],
        empty, env, base + "/embed/demo.js", tmp_path / "gunicorn.log",
    )
    try:
        assert_speaks_kazakh_and_russian(base)
        with urllib.request.urlopen(base + "/embed/demo.js", timeout=10) as script:
            assert f'"server":"{base}"'.encode() in script.read()
        with urllib.request.urlopen(base + "/demo?lang=kk", timeout=10) as page:
            assert page.status == 200
    finally:
        stop(server)
    assert not list(empty.iterdir()), "the server wrote into the directory it was started in"
