"""The consent document names its operator by a BIN (legal entity) or an IIN (a person)."""

from __future__ import annotations

import copy
import json

import pytest
from test_forms import DETAILS

from cookieconsent.extensions import db
from cookieconsent.forms import documents
from cookieconsent.models import AuditEntry, PolicyVersion

#: A sole trader's IIN: born 1 January 1990, the 11 digits weighted 1..11 give 40, 40 mod 11 = 7.
IIN = "900101300007"


def with_operator(**number) -> dict:
    details = copy.deepcopy(DETAILS)
    details["operator"].pop("bin")
    details["operator"] |= number
    details["operator"]["name"] = {"kk": "ЖК Әсем Нұрланқызы", "ru": "ИП Асем Нурлановна",
                                   "en": "Sole trader Asem Nurlanovna"}
    return details


@pytest.mark.parametrize("number", [
    "940140000385", "971240001315", "981140001551",  # BINs of banks and a telecom, public
    IIN,
    "850315400608",  # weighted 1..11: 153, mod 11 = 10; weighted 3..11, 1, 2: 151, mod 11 = 8
])
def test_a_number_that_checks_is_taken(number):
    assert documents.check_digit_holds(number)
    wrong = number[:11] + str((int(number[11]) + 1) % 10)
    assert not documents.check_digit_holds(wrong)


def test_an_iin_operator_is_named_by_its_iin_in_every_language(runner, client, site, tmp_path):
    path = tmp_path / "consent.json"
    path.write_text(json.dumps(with_operator(iin=IIN), ensure_ascii=False), "utf-8")
    result = runner.invoke(args=["forms", "publish-document", "shop", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    for language, shown, not_shown in (
        ("kk", f"ЖК Әсем Нұрланқызы, ЖСН {IIN}", "БСН"),
        ("ru", f"ИП Асем Нурлановна, ИИН {IIN}", "БИН"),
        ("en", f"Sole trader Asem Nurlanovna, IIN {IIN}", "BIN"),
    ):
        page = client.get(f"/consent/shop/1/{language}").get_data(as_text=True)
        assert shown in page and not_shown not in page, language
    assert documents.in_force(site).details["operator"]["iin"] == IIN
    assert not documents.redraft_needed(site)


BAD_NUMBERS = [
    ({"iin": IIN[:11]}, "iin"),  # 11 digits
    ({"iin": "90010130000A"}, "iin"),
    ({"iin": "900101300008"}, "iin"),  # the check digit is 7
    ({"bin": "180340012345"}, "bin"),  # the check digit is 6
    ({}, "bin"),
    ({"bin": "940140000385", "iin": IIN}, "iin"),
]


@pytest.mark.parametrize(("number", "field"), BAD_NUMBERS,
                         ids=[json.dumps(n) for n, _ in BAD_NUMBERS])
def test_a_bad_number_is_refused_naming_the_field_and_nothing_is_written(
    runner, site, tmp_path, number, field
):
    path = tmp_path / "consent.json"
    path.write_text(json.dumps(with_operator(**number), ensure_ascii=False), "utf-8")
    result = runner.invoke(args=["forms", "publish-document", "shop", str(path), "--yes"])
    assert result.exit_code != 0
    assert f"operator.{field}" in result.output
    db.session.rollback()
    assert db.session.query(PolicyVersion).filter_by(kind=documents.KIND).count() == 0
    assert db.session.query(AuditEntry).filter_by(action="document.publish").count() == 0


def test_a_document_of_an_older_wording_is_offered_and_renewed_with_its_number(
    admin_client, site
):
    """Its BIN was taken before numbers were checked: renewing it must not fail on that."""
    from cookieconsent.sites import policies

    details = documents.validate_details(DETAILS)
    details.pop("wording")  # before drafts recorded their wording: wording 1
    details["operator"]["bin"] = "123456789012"  # does not check; the wording took it
    texts = {lang: {"title": "Согласие", "body": f"Old wording ({lang})"}
             for lang in site.languages}
    policies.publish(policies.draft(site, texts, kind=documents.KIND, details=details))
    db.session.commit()
    assert documents.redraft_needed(site)
    page = admin_client.get("/admin/sites/shop/policies?lang=kk").get_data(as_text=True)
    assert "data-wording-outdated" in page
    assert admin_client.post("/admin/sites/shop/consent-document/renew").status_code == 302
    db.session.expire_all()
    current = documents.in_force(site)
    assert current.number == 2 and current.details["wording"] == 3
    assert "БСН 123456789012" in current.text_for("kk").body


def test_naming_an_older_wording_in_the_input_does_not_skip_the_check(runner, site, tmp_path):
    path = tmp_path / "consent.json"
    details = with_operator(bin="180340012345") | {"wording": 1}  # its check digit is 6
    path.write_text(json.dumps(details, ensure_ascii=False), "utf-8")
    result = runner.invoke(args=["forms", "publish-document", "shop", str(path), "--yes"])
    assert result.exit_code != 0 and "operator.bin" in result.output
    db.session.rollback()
    assert db.session.query(PolicyVersion).filter_by(kind=documents.KIND).count() == 0


def test_an_older_wording_that_gives_the_same_text_is_not_offered_again(admin_client, site):
    from cookieconsent.sites import policies

    # Published under wording 2: for an operator with a BIN, wording 3 renders the same text.
    details = documents.validate_details(DETAILS) | {"wording": 2}
    texts = {lang: documents.render(site, details, lang) for lang in site.languages}
    policies.publish(policies.draft(site, texts, kind=documents.KIND, details=details))
    db.session.commit()
    assert not documents.redraft_needed(site)
    page = admin_client.get("/admin/sites/shop/policies?lang=ru").get_data(as_text=True)
    assert "data-wording-outdated" not in page
