"""Policy versions: immutable once published, revisions, scheduling."""

from datetime import timedelta

import pytest

from cookieconsent.extensions import db
from cookieconsent.models.policy import ImmutableError
from cookieconsent.models.types import utcnow
from cookieconsent.sites import policies

TEXTS = {lang: {"body": f"Policy text {lang}"} for lang in ("kk", "ru", "en")}


def test_published_version_cannot_change(site):
    version = policies.in_force(site)
    version.significant = not version.significant
    with pytest.raises(ImmutableError):
        db.session.flush()
    db.session.rollback()
    version.texts[0].body = "edited"
    with pytest.raises(ImmutableError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(version)
    with pytest.raises(ImmutableError):
        db.session.flush()


def test_draft_may_change_until_published(site):
    version = policies.draft(site, TEXTS)
    version.texts[0].body = "better wording"
    db.session.flush()
    policies.publish(version)
    db.session.commit()
    with pytest.raises(ValueError, match="already published"):
        policies.publish(version)


def test_text_hash_is_sha256_of_exact_text(site):
    version = policies.draft(site, {lang: {"body": "Құпиялылық саясаты\n"} for lang in TEXTS})
    import hashlib

    assert version.texts[0].sha256 == hashlib.sha256("Құпиялылық саясаты\n".encode()).hexdigest()


def test_significant_version_raises_revision_when_it_takes_effect(client, site):
    later = utcnow() + timedelta(days=3)
    policies.publish(policies.draft(site, TEXTS, significant=True), effective_at=later)
    db.session.commit()
    assert policies.current_revision(site) == 1
    assert policies.in_force(site, at=later + timedelta(seconds=1)).revision == 2
    assert client.get("/api/v1/sites/shop/config").get_json()["revision"] == 1


def test_minor_version_keeps_revision(site):
    version = policies.publish(policies.draft(site, TEXTS, significant=False))
    db.session.commit()
    assert version.revision == 1
    assert policies.in_force(site).number == 2
