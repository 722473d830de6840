"""window.cookieconsent on the server's side: its declarations, and method api in the log."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from cookieconsent.admin import labels
from cookieconsent.extensions import db
from cookieconsent.models import ConsentEvent

ROOT = Path(__file__).resolve().parent.parent
DECLARATIONS = ROOT / "static" / "cookieconsent.d.ts"


def test_the_declarations_are_served_beside_the_script(client):
    response = client.get("/embed/cookieconsent.d.ts")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.get_data(as_text=True) == DECLARATIONS.read_text("utf-8")


def test_the_docs_show_the_declarations_as_served():
    page = (ROOT / "docs" / "single-page.md").read_text("utf-8")
    [shown] = re.findall(r"```ts\n(// window\.cookieconsent.*?)```", page, re.S)
    assert shown == DECLARATIONS.read_text("utf-8")


def test_a_decision_of_the_sites_own_code_is_recorded_with_method_api(recorded):
    answer = recorded(method="api", action="accept_all",
                      choices={"functional": True, "analytics": True})
    event = db.session.scalar(select(ConsentEvent))
    assert event.consent_id == answer["consent_id"]
    assert event.method == "api"


@pytest.mark.parametrize(("language", "label"), [
    ("kk", "Сайттың өз коды"), ("ru", "Собственный код сайта"), ("en", "Site's own code"),
])
def test_the_console_names_method_api_in_its_language(app, language, label):
    with app.test_request_context(), force_locale(language):
        assert str(labels.method_label("api")) == label
