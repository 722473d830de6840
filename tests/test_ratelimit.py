"""Every public POST is limited per client network: 429, Retry-After and a JSON body.

The banner's decisions have a limit of their own, far higher, since many visitors share one
address behind a mobile carrier's NAT.
"""

from __future__ import annotations

import pytest

REDIS_URL = "redis://127.0.0.1:6379/13"  # a database of its own on the shared Redis
ORIGIN = "https://shop.example.kz"  # the site's own origin (conftest's make_site)


def _redis_or_skip():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    return client


@pytest.fixture(params=["memory", "redis"])
def storage(request):
    if request.param == "memory":
        yield "memory://", None
        return
    client = _redis_or_skip()
    client.flushdb()  # counters of an earlier test would count against this one
    yield REDIS_URL, client
    client.flushdb()


@pytest.fixture
def app_config(app_config, storage):
    uri, _ = storage
    return app_config | {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": uri,
        "RATE_LIMIT": "3 per minute",
        "CONSENT_RATE_LIMIT": "3 per minute",
    }


def post(client, path, body, ip="203.0.113.7", **kwargs):
    return client.post(path, json=body, environ_base={"REMOTE_ADDR": ip}, **kwargs)


def test_the_fourth_consent_in_a_minute_gets_429(client, consent_body):
    answers = [post(client, "/api/v1/consents", consent_body()) for _ in range(4)]
    assert [a.status_code for a in answers] == [201, 201, 201, 429]
    limited = answers[-1]
    assert limited.is_json
    assert limited.json["error"] and limited.json["fields"] == {}
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert abs(limited.json["retry_after"] - int(limited.headers["Retry-After"])) <= 1


def test_a_refusal_reaches_the_banner_on_the_sites_page(client, consent_body):
    for _ in range(3):
        post(client, "/api/v1/consents", consent_body())
    limited = post(client, "/api/v1/consents", consent_body(), headers={"Origin": ORIGIN})
    assert limited.status_code == 429
    assert limited.headers["Access-Control-Allow-Origin"] == ORIGIN
    # Not a CORS-safelisted header: the banner reads it only when it is exposed.
    assert limited.headers["Access-Control-Expose-Headers"] == "Retry-After"
    foreign = post(client, "/api/v1/consents", consent_body(),
                   headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 429
    assert "Access-Control-Allow-Origin" not in foreign.headers


def test_another_network_is_not_limited(client, consent_body):
    for _ in range(4):
        post(client, "/api/v1/consents", consent_body())
    assert post(client, "/api/v1/consents", consent_body(), ip="198.51.100.9").status_code == 201


def test_one_ipv6_subscriber_counts_as_one_client(client, consent_body):
    codes = [
        post(client, "/api/v1/consents", consent_body(), ip=f"2001:db8:1:2::{n}").status_code
        for n in range(1, 5)
    ]
    assert codes == [201, 201, 201, 429]


def test_reading_is_not_limited(client, site):
    codes = {client.get(f"/api/v1/sites/{site.key}/config").status_code for _ in range(6)}
    assert codes == {200}


def test_every_post_route_of_the_api_is_limited(app, client):
    paths = sorted(
        rule.rule.replace("<consent_id>", "0" * 32).replace("<key>", "shop")
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and "POST" in (rule.methods or ())
    )
    assert "/api/v1/consents" in paths and "/api/v1/receipts/verify" in paths
    for path in paths:
        codes = [post(client, path, {"nonsense": True}).status_code for _ in range(4)]
        assert codes[:3] != [429] * 3 and codes[3] == 429, (path, codes)


def test_the_stored_key_is_not_the_address(client, consent_body, storage):
    uri, redis = storage
    if redis is None:
        pytest.skip("only Redis keys can be listed from outside")
    post(client, "/api/v1/consents", consent_body())
    keys = [k.decode() for k in redis.scan_iter()]
    assert keys
    assert not any("203.0.113" in k for k in keys)


class TestCarrierNat:
    """The limits as shipped: behind one address, a mobile carrier's many visitors."""

    @pytest.fixture
    def app_config(self, app_config):
        return {k: v for k, v in app_config.items()
                if k not in ("RATE_LIMIT", "CONSENT_RATE_LIMIT")}

    def test_a_burst_of_300_decisions_from_one_address_is_all_recorded(
            self, app, client, consent_body):
        assert app.config["RATELIMIT_ENABLED"] is True
        codes = [
            post(client, "/api/v1/consents", consent_body(), headers={"Origin": ORIGIN}).status_code
            for _ in range(300)
        ]
        assert codes == [201] * 300

    def test_other_posts_keep_the_stricter_limit(self, app, client, consent_body, monkeypatch):
        # All in one clock minute: a window that ends half-way would count afresh.
        monkeypatch.setattr("cookieconsent.ratelimit.time.time", lambda: 1_800_000_030.0)
        receipt = post(client, "/api/v1/consents", consent_body()).json["receipt"]
        codes = [post(client, "/api/v1/receipts/verify", {"receipt": receipt}).status_code
                 for _ in range(61)]
        assert codes == [200] * 60 + [429]


class TestRedisDown:
    """Redis unreachable: consents are still recorded, counted in memory meanwhile."""

    @pytest.fixture
    def storage(self):
        return "redis://127.0.0.1:1/0", None  # nothing listens on port 1

    def test_consents_are_still_recorded_and_limited(self, client, consent_body):
        codes = [post(client, "/api/v1/consents", consent_body()).status_code for _ in range(4)]
        assert codes == [201, 201, 201, 429]


@pytest.mark.parametrize(
    "text, limit",
    [
        ("60 per minute", (60, 60)),
        ("1000/day", (1000, 86400)),
        ("5 per 10 seconds", (5, 10)),
        (" 3 Per Hour ", (3, 3600)),
    ],
)
def test_limits_are_read_as_written(text, limit):
    from cookieconsent.ratelimit import parse

    assert tuple(parse(text)) == limit


@pytest.mark.parametrize("text", ["", "60", "0 per minute", "60 per fortnight", "-1/day", "x"])
def test_a_limit_that_cannot_be_read_refuses_to_start(app_config, text):
    from cookieconsent import create_app
    from cookieconsent.config import ConfigError

    with pytest.raises(ConfigError, match="COOKIECONSENT_RATE_LIMIT"):
        create_app(app_config | {"RATE_LIMIT": text})


def test_the_count_starts_again_with_the_next_window(client, consent_body, monkeypatch):
    import time

    start = (int(time.time()) // 60 + 1) * 60  # a minute boundary in the future
    monkeypatch.setattr("cookieconsent.ratelimit.time.time", lambda: start + 30)
    codes = [post(client, "/api/v1/consents", consent_body()).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    monkeypatch.setattr("cookieconsent.ratelimit.time.time", lambda: start + 60)
    assert post(client, "/api/v1/consents", consent_body()).status_code == 201
