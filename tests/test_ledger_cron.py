"""With lazy checkpoints off, cron checkpoints: verify expects it at the default interval."""

from __future__ import annotations

import pytest

from cookieconsent.ledger import checkpoints


@pytest.fixture
def app_config(app_config):
    return app_config | {"LEDGER_CHECKPOINT_SECONDS": None}


def test_verify_runs_with_lazy_checkpoints_off(app, runner, client, consent_body):
    answer = client.post("/api/v1/consents", json=consent_body(),
                         headers={"Origin": "https://shop.example.kz"})
    assert answer.status_code == 201
    assert checkpoints.longest_wait() == 600 + checkpoints.MARGIN_SECONDS
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
