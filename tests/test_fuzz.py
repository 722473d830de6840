"""schemathesis fuzzes the public API from its own OpenAPI document.

Bounded: a fixed number of examples per operation and mode, so the suite stays quick. Every
answer must be below 500, and its status, content type and body must be the documented ones.
Valid ("positive") and invalid ("negative") inputs are both generated, and valid ones with a
character no database stores (NUL, a lone surrogate) put into one of their strings ("spoiled").

The cases are driven with Hypothesis directly: schemathesis' pytest plugin does not run
under pytest 9 yet.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_schema(app, make_site):
    # A real site, so that generated bodies naming "shop" reach the domain code.
    make_site("shop", origins=("https://shop.example.kz",))
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def aim(case):
    """Point valid bodies at the real site, its revision and its pages: into the domain code."""
    if isinstance(case.body, dict) and isinstance(case.body.get("site"), str):
        case.body["site"] = "shop"
        if isinstance(case.body.get("revision"), int):
            case.body["revision"] = 1
    if isinstance(case.body, dict) and isinstance(case.body.get("url"), str):
        case.body["url"] = "https://shop.example.kz/"
    if isinstance(case.body, dict) and case.body.get("action") in ("accept_all", "reject_all"):
        case.body["action"] = "custom"  # fits any choices
    return case


#: What once reached the database and came back as a 500 (PostgreSQL refuses NUL in text,
#: and no engine encodes a lone surrogate).
UNSTORABLE = st.sampled_from(["\x00", "\ud800", "\udfff"])


def strings(value):
    """Each ``(holder, key)`` of a string in ``value``'s dicts, nested ones too."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str):
                yield value, key
            else:
                yield from strings(item)


def spoil(case, character: str):
    """``case`` with ``character`` appended to its longest string, body or path (NUL only: a
    URL cannot carry a lone surrogate)."""
    found = list(strings(case.body))
    if character == "\x00":
        found += strings(case.path_parameters or {})
    # The longest is free text (a URL, an e-mail, a receipt): what reaches the database,
    # while names and keys fail their own patterns first.
    if found:
        holder, key = max(found, key=lambda place: len(place[0][place[1]]))
        holder[key] += character
    return case


def operations(api_schema):
    found = [result.ok() for result in api_schema.get_all_operations()]
    assert found, "the OpenAPI document lists no operation"
    return found


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE, "spoiled"])
def test_the_api_keeps_its_documented_promises(api_schema, mode):
    failures, seen = [], set()
    for operation in operations(api_schema):
        if mode == "spoiled":
            valid = operation.as_strategy(generation_mode=GenerationMode.POSITIVE).map(aim)
            strategy = st.builds(spoil, valid, UNSTORABLE)
        else:
            strategy = operation.as_strategy(generation_mode=mode)
        if mode is GenerationMode.POSITIVE:
            strategy = strategy.map(aim)

        @given(case=strategy)
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case):
            response = case.call_and_validate(checks=CHECKS)
            seen.add((case.operation.method.upper(), case.operation.path, response.status_code))

        try:
            fuzz()
        except Unsatisfiable:
            # Nothing about this operation's input can be invalid (a free-form path part).
            continue
        except Exception as error:  # collect every operation's failure, then report all
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    assert not failures, "\n\n".join(failures)
    if mode is GenerationMode.POSITIVE:
        # The fuzzer got past validation into the domain: a consent was recorded.
        assert ("POST", "/api/v1/consents", 201) in seen, sorted(seen)
