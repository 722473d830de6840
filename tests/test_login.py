"""Logging in: guessable passwords and secrets are refused, and guessing is throttled."""

from datetime import timedelta

import pytest
from admin_helpers import PASSWORD

from cookieconsent import config, create_app
from cookieconsent.accounts import throttle, users
from cookieconsent.extensions import db
from cookieconsent.models import Operator
from cookieconsent.models.types import utcnow

WEAK = [
    "1111111111",  # one character repeated
    "abababababab",  # a piece repeated
    "4567890123",  # a run of digits
    "qwertyuiop",  # a keyboard row
    "ZYXWVUTSRQPO",  # the alphabet backwards
    "Password2024",  # on the shipped list
    "iloveyou123",
    "1q2w3e4r5t",
    "gfhjkm12345",  # "пароль" typed on a Latin keyboard
]


@pytest.mark.parametrize("password", WEAK)
def test_a_guessable_password_is_refused_on_the_command_line(runner, password):
    result = runner.invoke(args=["operators", "create", "a@shop.kz", "--password", password])
    assert result.exit_code != 0
    assert "password" in result.output
    assert db.session.query(Operator).count() == 0


def test_the_shipped_list_is_short_and_holds_only_passwords_the_length_rule_lets_in():
    listed = users._common_passwords()
    assert 1000 < len(listed) < 5000
    assert min(len(p) for p in listed) >= users.MIN_PASSWORD


def test_a_guessable_password_is_refused_in_the_console(admin_client):
    response = admin_client.post(
        "/admin/operators", data={"email": "new@shop.kz", "password": "1111111111", "role": "admin"}
    )
    assert response.status_code == 200
    assert "repeated" in response.get_data(as_text=True)
    assert users.find_operator("new@shop.kz") is None
    boss = users.find_operator("boss@shop.kz")
    before = boss.password_hash
    response = admin_client.post(
        f"/admin/operators/{boss.id}", data={"role": "admin", "password": "password123"}
    )
    assert response.status_code == 200 and "most common" in response.get_data(as_text=True)
    db.session.refresh(boss)
    assert boss.password_hash == before


def test_a_passphrase_is_accepted(runner):
    result = runner.invoke(
        args=["operators", "create", "a@shop.kz", "--password", "steppe eagle 7 kumys"]
    )
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "key",
    [
        "a" * 36,
        "ab" * 20,
        "abcdefghijklmnopqrstuvwxyz0123456789",
        "0123456789" * 4,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabcd",
    ],
)
def test_a_secret_key_with_too_little_variety_is_refused_in_production(tmp_path, key):
    with pytest.raises(config.ConfigError, match="too weak"):
        config.load(str(tmp_path), environ={"COOKIECONSENT_SECRET_KEY": key})


def test_a_random_secret_key_is_accepted_in_production(tmp_path):
    import secrets

    for key in (secrets.token_urlsafe(48), secrets.token_hex(32)):
        loaded = config.load(str(tmp_path), environ={"COOKIECONSENT_SECRET_KEY": key})
        assert loaded["SECRET_KEY"] == key


class TestAccountThrottle:
    @pytest.fixture
    def app_config(self, app_config):
        # The per-network limit is on: the per-account one must hold even when every try
        # comes from a different network.
        return app_config | {
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "LOGIN_ACCOUNT_LIMIT": "5 per 15 minutes",
        }

    @pytest.fixture
    def admin(self, app):
        operator = users.create_operator("boss@shop.kz", PASSWORD, "admin")
        db.session.commit()
        return operator

    def attempt(self, client, email, password, n):
        return client.post(
            "/admin/login",
            data={"email": email, "password": password},
            environ_base={"REMOTE_ADDR": f"198.51.{n}.7"},
        )

    def test_five_failures_from_anywhere_make_the_account_wait(self, app, client, admin):
        codes = [self.attempt(client, "boss@shop.kz", "wrong password!", n).status_code
                 for n in range(5)]
        assert codes == [401] * 5
        refused = self.attempt(client, "boss@shop.kz", PASSWORD, 99)
        assert refused.status_code == 429
        assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
        assert "Retry-After" in refused.headers
        # Another worker, with its own memory, sees the same count: it is in the database.
        other_worker = create_app(app.config | {}).test_client()
        assert self.attempt(other_worker, "boss@shop.kz", PASSWORD, 100).status_code == 429
        assert client.get("/admin/").status_code == 302

    def test_the_account_may_try_again_once_the_window_ends(self, client, admin, monkeypatch):
        for n in range(5):
            self.attempt(client, "boss@shop.kz", "wrong password!", n)
        later = utcnow() + timedelta(minutes=16)
        monkeypatch.setattr(throttle, "utcnow", lambda: later)
        assert self.attempt(client, "boss@shop.kz", PASSWORD, 1).status_code == 302

    def test_a_right_password_starts_the_count_again(self, app, client, admin):
        for n in range(4):
            self.attempt(client, "boss@shop.kz", "wrong password!", n)
        assert self.attempt(client, "boss@shop.kz", PASSWORD, 4).status_code == 302
        fresh = app.test_client()
        for n in range(4):
            assert self.attempt(fresh, "boss@shop.kz", "wrong password!", n).status_code == 401

    def test_an_unknown_address_is_throttled_alike(self, client, admin):
        # Otherwise the 429 would tell which e-mail addresses have an account.
        codes = [self.attempt(client, "nobody@shop.kz", "wrong password!", n).status_code
                 for n in range(6)]
        assert codes == [401] * 5 + [429]
        assert self.attempt(client, "boss@shop.kz", PASSWORD, 7).status_code == 302
