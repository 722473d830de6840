"""Data subjects: normalising phones and e-mails, finding and withdrawing their consents."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from test_forms import DETAILS

from cookieconsent.consents import identity, subjects
from cookieconsent.extensions import db
from cookieconsent.forms import documents
from cookieconsent.ledger import sealing
from cookieconsent.models import ConsentEvent

PHONES = [
    # (typed by the visitor, E.164)
    ("8 701 234 56 78", "+77012345678"),
    ("87012345678", "+77012345678"),
    ("+7 701 234 56 78", "+77012345678"),
    ("+7 (701) 234-56-78", "+77012345678"),
    ("+77012345678", "+77012345678"),
    ("8 (727) 250-00-00", "+77272500000"),
    ("701 234 56 78", "+77012345678"),
    ("7012345678", "+77012345678"),
    ("77012345678", "+77012345678"),
    ("8\u00a0701\u00a0234\u00a056\u00a078", "+77012345678"),
    ("  8-701-234-56-78  ", "+77012345678"),
    ("+7 916 123 45 67", "+79161234567"),
    ("+998 90 123 45 67", "+998901234567"),
    ("00 998 90 123 45 67", "+998901234567"),
    ("+49 30 1234567", "+49301234567"),
]

BAD_PHONES = [
    "", "12345", "+7 701 234 56", "8 701 234 56 789", "+7 012 345 67 89", "8 701 ABC 56 78",
    "+", "++77012345678", "+0 123 456 789", "+1234567", "+1234567890123456", "٨٧٠١٢٣٤٥٦٧٨",
    "6 701 234 56 78", "8 701 234 56 78 ext 5",
]


@pytest.mark.parametrize(("typed", "e164"), PHONES)
def test_phone_is_normalised_to_e164(typed, e164):
    assert identity.normalize_phone(typed) == e164


@pytest.mark.parametrize("typed", BAD_PHONES)
def test_malformed_phone_is_refused(typed):
    with pytest.raises(identity.InvalidSubject) as error:
        identity.normalize_phone(typed)
    assert error.value.field == "phone"


@pytest.mark.parametrize(("typed", "normal"), [
    ("Aigerim@Example.KZ", "aigerim@example.kz"),
    ("  a.b+tag@mail.kz ", "a.b+tag@mail.kz"),
    ("info@пример.қаз", "info@xn--e1afmkfd.xn--80ao21a"),
])
def test_email_is_lower_cased(typed, normal):
    assert identity.normalize_email(typed) == normal


@pytest.mark.parametrize("typed", ["", "aigerim", "a@b", "a b@c.kz", "a@@b.kz",
                                   "x" * 250 + "@a.kz"])
def test_malformed_email_is_refused(typed):
    with pytest.raises(identity.InvalidSubject) as error:
        identity.normalize_email(typed)
    assert error.value.field == "email"


def test_hashes_are_keyed_per_site(make_site):
    one, two = make_site("one"), make_site("two")
    assert identity.subject_hashes(one, phone="8 701 234 56 78") == identity.subject_hashes(
        one, phone="+7 (701) 234-56-78")
    assert identity.subject_hashes(one, phone="87012345678") != identity.subject_hashes(
        two, phone="87012345678")
    # A phone and an e-mail never hash alike, whatever is typed.
    assert len(set(identity.subject_hashes(one, phone="87012345678", email="a@b.kz"))) == 2


@pytest.fixture
def given(client, site):
    """Post a form consent for a phone/e-mail and return its answer."""
    version = documents.publish(site, DETAILS)
    db.session.commit()

    def give(phone=None, email=None):
        subject = {k: v for k, v in (("phone", phone), ("email", email)) if v}
        response = client.post("/api/v1/form-consents", json={
            "site": site.key, "form": "feedback", "document_version": version.number,
            "language": "kk", "agreed": True, "subject": subject})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return give


def test_lookup_by_phone_finds_the_subjects_consents(site, given):
    mine = [given(phone="8 701 234 56 78")["consent_id"],
            given(phone="+7 701 234 5678", email="me@example.kz")["consent_id"]]
    given(phone="8 777 000 11 22")
    found = subjects.find_by_subject(site, phone="+77012345678")
    assert subjects.consent_ids(found) == mine
    by_email = subjects.find_by_subject(site, email="ME@example.kz")
    assert subjects.consent_ids(by_email) == mine[1:]
    assert subjects.find_by_subject(site, phone="+77010000000") == []
    # ...while the number itself is nowhere in the database, in any form.
    with db.engine.connect() as conn:
        dump = " ".join(str(row) for table in db.metadata.sorted_tables
                        for row in conn.execute(table.select()))
    digits = dump.replace(" ", "").replace("-", "")
    assert "7012345678" not in digits and "7770001122" not in digits
    assert "me@example.kz" not in dump.lower()


def test_lookup_stays_within_the_site(site, given, make_site):
    given(phone="87012345678")
    other = make_site("other", origins=["https://other.example.kz"])
    assert subjects.find_by_subject(other, phone="87012345678") == []


def test_cli_finds_withdraws_and_erases_a_subject(site, given, runner, client):
    consent = given(phone="8 701 234 56 78", email="me@example.kz")
    given(phone="8 777 000 11 22")
    found = runner.invoke(args=["subjects", "find", "--site", "shop", "--phone", "+77012345678"])
    assert found.exit_code == 0, found.output
    assert consent["consent_id"] in found.output and "1 consent(s)." in found.output

    withdrawn = runner.invoke(args=["subjects", "withdraw", "--site", "shop",
                                    "--email", "ME@EXAMPLE.KZ"])
    assert "Withdrew 1 consent(s)." in withdrawn.output
    verified = client.post("/api/v1/receipts/verify", json={"receipt": consent["receipt"]})
    assert verified.get_json()["withdrawn"] is True
    again = runner.invoke(args=["subjects", "withdraw", "--site", "shop",
                                "--phone", "87012345678"])
    assert "Withdrew 0 consent(s)." in again.output

    erased = runner.invoke(args=["subjects", "erase", "--site", "shop", "--phone",
                                 "87012345678", "--yes"])
    assert "Erased 2 event(s)." in erased.output
    db.session.expire_all()
    events = db.session.scalars(select(ConsentEvent).where(
        ConsentEvent.consent_id == consent["consent_id"])).all()
    assert all(e.erased_at and e.subject_hashes == [] and e.ip is None for e in events)
    assert subjects.find_by_subject(site, phone="87012345678") == []
    # The other subject is untouched.
    assert len(subjects.find_by_subject(site, phone="87770001122")) == 1


@pytest.mark.parametrize("args", [
    ["--phone", "12"], ["--email", "nope"], [],
])
def test_cli_refuses_a_malformed_subject(site, runner, args):
    result = runner.invoke(args=["subjects", "find", "--site", "shop", *args])
    assert result.exit_code != 0


def test_database_alone_cannot_rebuild_the_hashes(site, given, monkeypatch, tmp_path):
    import hashlib
    import hmac

    from cookieconsent.ledger.keys import Keyring

    given(phone="87012345678")
    [event] = subjects.find_by_subject(site, phone="87012345678")
    # Everything in the database: the site's secret and the hash. Trying a number with the
    # secret alone does not give the stored hash; the other half of the key is off the database.
    guess = hmac.new(site.subject_secret.encode(), b"phone:+77012345678", hashlib.sha256)
    assert guess.hexdigest() not in event.subject_hashes
    other = Keyring(tmp_path / "other_keys.json")
    monkeypatch.setattr(sealing, "keyring", lambda: other)
    assert subjects.find_by_subject(site, phone="87012345678") == []
