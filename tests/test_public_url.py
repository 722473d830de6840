"""COOKIECONSENT_PUBLIC_URL: the one address every answer names, whatever the request's host.

The embed script is cached publicly for minutes: before PUBLIC_URL was honoured, one request
with ``Host: evil.example`` put ``"server":"http://evil.example"`` into the cached script, and
every visitor of that cache sent their decisions there.
"""

from __future__ import annotations

import pytest

from cookieconsent.demo import seed
from cookieconsent.extensions import db

PUBLIC = "https://consent.shop.kz"
EVIL = "evil.example"


@pytest.fixture
def app_config(app_config):
    return app_config | {"PUBLIC_URL": PUBLIC, "PROXY_COUNT": 1}


@pytest.fixture
def demo(app):
    site = seed.seed(())
    db.session.commit()
    return site


def pages(key: str) -> list[str]:
    return [
        f"/embed/{key}.js",
        f"/embed/{key}/texts/kk.json",
        f"/api/v1/sites/{key}/config",
        f"/preferences/{key}",
        "/admin/login",
        "/admin/",
        "/demo",
        "/api/v1/openapi.json",
    ]


def everything(response) -> str:
    body = response.get_data(as_text=True)
    return body + "\n".join(f"{name}: {value}" for name, value in response.headers.items())


@pytest.mark.parametrize(
    "headers",
    [{"Host": EVIL}, {"X-Forwarded-Host": EVIL}, {"Host": EVIL, "X-Forwarded-Host": EVIL}],
    ids=["host", "forwarded-host", "both"],
)
def test_a_forged_host_is_never_echoed(client, demo, headers):
    for path in pages(demo.key):
        response = client.get(path, headers=headers)
        assert response.status_code < 400, (path, response.status_code)
        assert EVIL not in everything(response), path


def test_the_embed_script_names_the_public_address(client, demo):
    # The first request, the one that fills the per-worker cache, comes with a forged host.
    client.get(f"/embed/{demo.key}.js", headers={"Host": EVIL})
    script = client.get(f"/embed/{demo.key}.js").get_data(as_text=True)
    assert f'"server":"{PUBLIC}"' in script
    assert client.get(f"/api/v1/sites/{demo.key}/config", headers={"Host": EVIL}).status_code == 200


def test_the_demo_page_allows_the_banner_from_the_public_address(client, demo):
    policy = client.get("/demo", headers={"Host": EVIL}).headers["Content-Security-Policy"]
    assert PUBLIC in policy


def test_the_cli_prints_the_public_address(app, runner, site):
    result = runner.invoke(args=["sites", "embed", site.key])
    assert result.exit_code == 0, result.output
    assert f'src="{PUBLIC}/embed/{site.key}.js"' in result.output

