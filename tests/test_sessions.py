"""A console session ends when it should, and a copied cookie ends with it."""

import pytest
from admin_helpers import login

from cookieconsent.admin import sessions
from cookieconsent.extensions import db

NEW_PASSWORD = "a much better passphrase"


def copy_of_session(app, client):
    """Another browser holding a copy of ``client``'s session cookie (as a thief would)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def shut_out(client) -> bool:
    response = client.get("/admin/")
    return response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_a_copied_cookie_dies_with_logout(app, client, admin):
    login(client, "boss@shop.kz")
    thief = copy_of_session(app, client)
    assert not shut_out(thief)
    client.post("/admin/logout")
    assert shut_out(thief)
    assert shut_out(client)


def test_a_new_password_from_the_command_line_ends_every_session(app, client, runner, admin):
    login(client, "boss@shop.kz")
    thief = copy_of_session(app, client)
    result = runner.invoke(
        args=["operators", "set-password", "boss@shop.kz", "--password", NEW_PASSWORD]
    )
    assert result.exit_code == 0, result.output
    assert shut_out(thief) and shut_out(client)
    assert login(app.test_client(), "boss@shop.kz", NEW_PASSWORD).status_code == 302


def test_a_role_change_ends_the_operators_sessions(app, client, admin, viewer, site):
    viewers = app.test_client()
    login(viewers, "viewer@shop.kz")
    stolen = copy_of_session(app, viewers)
    login(client, "boss@shop.kz")
    response = client.post(
        f"/admin/operators/{viewer.id}", data={"role": "admin", "sites": [str(site.id)]}
    )
    assert response.status_code == 302
    assert shut_out(stolen) and shut_out(viewers)
    assert not shut_out(client)


def test_switching_an_operator_off_and_on_again_does_not_revive_their_cookie(
    app, client, admin, viewer
):
    viewers = app.test_client()
    login(viewers, "viewer@shop.kz")
    login(client, "boss@shop.kz")
    client.post(f"/admin/operators/{viewer.id}/toggle")
    client.post(f"/admin/operators/{viewer.id}/toggle")
    db.session.refresh(viewer)
    assert viewer.active
    assert shut_out(viewers)


def test_an_admin_who_changes_their_own_password_stays_logged_in_there_only(
    app, client, admin
):
    login(client, "boss@shop.kz")
    elsewhere = app.test_client()
    login(elsewhere, "boss@shop.kz")
    response = client.post(
        f"/admin/operators/{admin.id}", data={"role": "admin", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert not shut_out(client)
    assert shut_out(elsewhere)


class TestTimeouts:
    @pytest.fixture
    def clock(self, monkeypatch):
        """The sessions' clock, moved by hand."""
        now = [1_900_000_000.0]
        monkeypatch.setattr(sessions, "clock", lambda: now[0])
        return now

    def test_an_idle_session_ends(self, app, client, admin, clock):
        assert app.config["SESSION_IDLE_SECONDS"] == 30 * 60
        login(client, "boss@shop.kz")
        clock[0] += 29 * 60
        assert not shut_out(client)
        clock[0] += 29 * 60
        assert not shut_out(client), "being used keeps the session going"
        clock[0] += 31 * 60
        assert shut_out(client)

    def test_a_busy_session_ends_after_its_maximum_age(self, app, client, admin, clock):
        assert app.config["SESSION_MAX_SECONDS"] == 12 * 3600
        login(client, "boss@shop.kz")
        for _ in range(12 * 3):
            clock[0] += 20 * 60
            assert not shut_out(client)
        clock[0] += 20 * 60
        assert shut_out(client)
        assert login(client, "boss@shop.kz").status_code == 302
        assert not shut_out(client)
