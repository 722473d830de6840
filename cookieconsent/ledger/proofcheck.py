"""Check an exported consent proof offline: ``python proofcheck.py proof.json --key=KEY``.

This file stands alone (the standard library and ``cryptography``), so an auditor, a court
expert or the data subject can check a proof without this server and without trusting it:
copy the file, or use ``python -m cookieconsent.proofcheck``.

What it checks, in order (docs/trust.md describes the same steps for other tools):

1. The record. For a record that still holds its personal data, the digest of those values
   (``pii``), salted with ``pii_salt``, equals the sealed ``pii_digest``.
2. The leaf. ``SHA-256(0x00 || "<id>:" || canonical JSON of the record)``.
3. Inclusion. The leaf and the audit path lead to the checkpoint's Merkle root (RFC 9162
   style tree: leaves hashed with a 0x00 prefix, inner nodes with 0x01).
4. The checkpoint. Its payload names that root, and its Ed25519 signature verifies under the
   operator's public key. Pass the key you got from the operator out of band (``--key``); the
   key inside the proof is only compared with it. Without ``--key`` nothing is said OK: the
   checks run under the proof's own key and end in ``UNVERIFIED`` (exit 3).

A proof document (``"format": "cookieconsent.consent-proof/1"``, docs/proof-format.md) holds
every event of one consent; each event gets the four checks above, and the document whole:

5. Belonging. Every record names the document's consent and site.
6. History. Events run in id order; a record of format 2 (``"v": 2``) names the event it
   follows (``previous_event_id``, None for the first), which must be the event before it.
7. The receipt. Every receipt fingerprint is the first 12 hex digits of the SHA-256 of the
   receipt the server re-creates; a receipt in the document (the visitor's own download)
   must match one of them and name the document's consent.

An event not yet in a checkpoint is named (``PENDING``), its other checks still run, and the
verdict is ``UNVERIFIED`` (exit 3). A single event's proof of earlier releases
(``cookieconsent.proof/1``) is checked as a document of that one event. A malformed proof
gets one ``FAIL: malformed proof: <field> ...`` line and exit 1.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import sys

LEAF, NODE = b"\x00", b"\x01"
SEAL_CONTEXT = b"cookieconsent.ledger.v1\n"


def canonical(obj) -> bytes:
    """The one byte string a record or payload is hashed as: sorted keys, no spaces, ASCII."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def leaf_hash(event_id: int, record: dict, canonical_record: bytes | None = None) -> bytes:
    """The Merkle leaf of one event; pass ``canonical_record`` if already computed."""
    data = canonical(record) if canonical_record is None else canonical_record
    return hashlib.sha256(LEAF + f"{event_id}:".encode() + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE + left + right).digest()


def pii_digest(salt: bytes, pii: dict) -> str:
    return hmac.new(salt, canonical(pii), hashlib.sha256).hexdigest()


def root_from_path(index: int, size: int, leaf: bytes, path: list[bytes]) -> bytes | None:
    """The root that ``leaf`` at ``index`` of a tree of ``size`` leaves leads to, or None."""
    if not 0 <= index < size:
        return None
    position, last, node = index, size - 1, leaf
    for sibling in path:
        if last == 0:
            return None
        if position & 1 or position == last:
            node = node_hash(sibling, node)
            # A left child with no right sibling at this level is carried up unchanged.
            while not position & 1 and position:
                position >>= 1
                last >>= 1
        else:
            node = node_hash(node, sibling)
        position >>= 1
        last >>= 1
    return node if last == 0 else None


class Malformed(ValueError):
    """The proof is not shaped as an exported proof; the message names the field."""


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
_HEX = frozenset("0123456789abcdef")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _get(obj: dict, path: str, kind, *, nullable: bool = False):
    """``obj[name]`` for the last part of the dotted ``path``, of type ``kind``."""
    name = path.rsplit(".", 1)[-1]
    if name not in obj:
        raise Malformed(f"{path} is missing")
    value = obj[name]
    if value is None and nullable:
        return None
    # bool is an int to Python, never to a proof.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise Malformed(f"{path} is not {'null or ' if nullable else ''}{_NAMES[kind]}")
    return value


_NAMES = {int: "an integer", str: "a string", dict: "an object", list: "a list"}


def _b64(obj: dict, path: str, size: int | None = None) -> bytes:
    text = _get(obj, path, str)
    if not set(text) <= _B64URL or len(text) % 4 == 1:
        raise Malformed(f"{path} is not base64url")
    raw = _unb64(text)
    if size is not None and len(raw) != size:
        raise Malformed(f"{path} is not {size} bytes")
    return raw


def _digest(obj: dict, path: str) -> str:
    text = _get(obj, path, str)
    if len(text) != 64 or not set(text) <= _HEX:
        raise Malformed(f"{path} is not 64 lower-case hex digits")
    return text


def _shape_event(proof, where: str) -> dict:
    """The parts of one event the checks need, once each has the type it must have.

    ``where`` prefixes the field names in messages: ``events[2].`` in a document.
    """
    if not isinstance(proof, dict):
        raise Malformed(f"{where.rstrip('.') or 'the proof'} is not a JSON object")
    record = _get(proof, f"{where}record", dict)
    version = _get(record, f"{where}record.v", int)
    if version not in (1, 2):
        raise Malformed(
            f"{where}record.v is {version}, a format this checker does not know (1 or 2)"
        )
    parts = {
        "id": _get(proof, f"{where}id", int),
        "record": record,
        "consent_id": _get(record, f"{where}record.consent_id", str),
        "site": record.get("site"),
        "pii_digest": _get(record, f"{where}record.pii_digest", str),
        "pii": proof.get("pii"),
        "version": version,
        # Format 2 seals the event of the same consent that this one follows.
        "follows": _get(record, f"{where}record.previous_event_id", int, nullable=True)
        if version >= 2
        else None,
    }
    if parts["pii"] is not None:
        _get(proof, f"{where}pii", dict)
        parts["pii_salt"] = _b64(proof, f"{where}pii_salt")
    checkpoint = _get(proof, f"{where}checkpoint", dict, nullable=True)
    if checkpoint is None:
        return parts
    text = _get(checkpoint, f"{where}checkpoint.payload", str)
    try:
        payload = json.loads(text)
    except ValueError:
        raise Malformed(f"{where}checkpoint.payload is not JSON") from None
    if not isinstance(payload, dict):
        raise Malformed(f"{where}checkpoint.payload is not a JSON object")
    inclusion = _get(proof, f"{where}inclusion", dict)
    path = _get(inclusion, f"{where}inclusion.path", list)
    if not all(isinstance(h, str) and len(h) == 64 and set(h) <= _HEX for h in path):
        raise Malformed(f"{where}inclusion.path is not a list of 64-digit hex hashes")
    key = _get(proof, f"{where}key", dict)
    return parts | {
        "payload_text": text,
        "seq": _get(payload, f"{where}checkpoint.payload.seq", int),
        "root": _digest(payload, f"{where}checkpoint.payload.root"),
        "count": _get(payload, f"{where}checkpoint.payload.count", int),
        "signature": _b64(checkpoint, f"{where}checkpoint.signature", 64),
        "index": _get(inclusion, f"{where}inclusion.index", int),
        "size": _get(inclusion, f"{where}inclusion.size", int),
        "path": [bytes.fromhex(h) for h in path],
        "public_key": _b64(key, f"{where}key.public_key", 32),
    }


DOCUMENT = "cookieconsent.consent-proof/1"


def _shape(proof) -> dict:
    """The document's parts: its consent, site, receipt, and each event's parts."""
    if not isinstance(proof, dict):
        raise Malformed("the proof is not a JSON object")
    if "format" not in proof or proof["format"] == "cookieconsent.proof/1":
        # One event's proof, as earlier releases exported it.
        event = _shape_event(proof, "")
        return {"consent_id": event["consent_id"], "site": event["site"], "receipt": None,
                "events": [event | {"fingerprint": None}]}
    if proof["format"] != DOCUMENT:
        raise Malformed(f"format is {proof['format']!r}, not {DOCUMENT!r}")
    events = _get(proof, "events", list)
    if not events:
        raise Malformed("events is empty")
    shaped = []
    for number, event in enumerate(events):
        where = f"events[{number}]."
        parts = _shape_event(event, where)
        receipt = _get(event, f"{where}receipt", dict)
        parts["fingerprint"] = _get(receipt, f"{where}receipt.fingerprint", str, nullable=True)
        shaped.append(parts)
    site = _get(proof, "site", dict)
    return {
        "consent_id": _get(proof, "consent_id", str),
        "site": _get(site, "site.key", str),
        "receipt": _get(proof, "receipt", str, nullable=True),
        "events": shaped,
    }


def _check_event(parts: dict, trusted: bytes | None) -> tuple[list[str], bool]:
    """The problems of one event, and whether it is in a checkpoint at all."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    problems: list[str] = []
    if parts["pii"] is not None:
        if pii_digest(parts["pii_salt"], parts["pii"]) != parts["pii_digest"]:
            problems.append("the personal data shown does not match the sealed digest")
    if "payload_text" not in parts:
        return problems, False
    leaf = leaf_hash(parts["id"], parts["record"])
    root = root_from_path(parts["index"], parts["size"], leaf, parts["path"])
    if root is None or root.hex() != parts["root"] or parts["count"] != parts["size"]:
        problems.append("the record is not in the checkpoint's Merkle tree")
    if trusted is not None and trusted != parts["public_key"]:
        problems.append("the proof names another public key than the one you trust")
    try:
        Ed25519PublicKey.from_public_bytes(trusted or parts["public_key"]).verify(
            parts["signature"], parts["payload_text"].encode()
        )
    except (InvalidSignature, ValueError):
        problems.append("the checkpoint's signature does not verify under the public key")
    return problems, True


def _receipt_consent(token: str) -> str | None:
    """The consent id a receipt's payload names (its signature is the site's to check)."""
    try:
        payload = json.loads(_unb64(token.split(".", 1)[0]))
    except ValueError:
        return None
    return payload.get("i") if isinstance(payload, dict) else None


def _check_whole(doc: dict) -> list[str]:
    problems = []
    previous = None
    for parts in doc["events"]:
        event = f"event {parts['id']}"
        if parts["consent_id"] != doc["consent_id"]:
            problems.append(f"{event}: its record names consent {parts['consent_id']}")
        if doc["site"] is not None and parts["site"] != doc["site"]:
            problems.append(f"{event}: its record names site {parts['site']}")
        if previous is not None and parts["id"] <= previous["id"]:
            problems.append(f"{event}: listed after event {previous['id']}, out of order")
        if parts["version"] >= 2:
            expected = previous["id"] if previous is not None else None
            if parts["follows"] != expected:
                problems.append(
                    f"{event}: its record follows event {parts['follows']}, "
                    f"the proof lists {expected} before it (an event is missing or moved)"
                )
        previous = parts
    if doc["receipt"] is not None:
        mine = hashlib.sha256(doc["receipt"].encode()).hexdigest()[:12]
        if mine not in {parts["fingerprint"] for parts in doc["events"]}:
            problems.append("the receipt matches the fingerprint of no event of the proof")
        if _receipt_consent(doc["receipt"]) != doc["consent_id"]:
            problems.append("the receipt names another consent")
    return problems


def check(proof: dict, public_key: str | None) -> list[str]:
    """Every problem found in ``proof``; an empty list means it holds under ``public_key``.

    ``public_key`` is the operator's published key. Without it (None) the checks run under the
    key the proof carries, which anyone can make: an empty list then says only that the
    proof is consistent, not who signed it. An event not yet in a checkpoint is a problem
    here; :func:`main` tells it apart as PENDING.
    """
    problems, _pending = _check_all(proof, public_key)
    return problems + [f"event {i}: not yet in a signed checkpoint" for i in _pending]


def _check_all(proof, public_key: str | None) -> tuple[list[str], list[int]]:
    try:
        doc = _shape(proof)
        trusted = _b64({"key": public_key}, "key", 32) if public_key is not None else None
    except Malformed as error:
        return [f"malformed proof: {error}"], []
    problems, pending = _check_whole(doc), []
    single = len(doc["events"]) == 1 and "format" not in proof
    for parts in doc["events"]:
        found, covered = _check_event(parts, trusted)
        problems += found if single else [f"event {parts['id']}: {p}" for p in found]
        if not covered:
            pending.append(parts["id"])
    return problems, pending


#: Exit statuses: held under the given key; failed or malformed; held, but under the key the
#: proof carries, so the signer is unknown (argparse's usage errors exit 2).
OK, FAILED, UNVERIFIED = 0, 1, 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a cookieconsent proof offline.")
    parser.add_argument("proof", help="the proof JSON file, as exported")
    parser.add_argument("--key", help="the operator's Ed25519 public key (base64url), as published")
    args = parser.parse_args(argv)
    try:
        with open(args.proof, encoding="utf-8") as file:
            proof = json.load(file)
    except OSError as error:
        print(f"FAIL: cannot read {args.proof}: {error.strerror}")
        return FAILED
    except ValueError as error:
        print(f"FAIL: {args.proof} is not JSON ({error})")
        return FAILED
    problems, pending = _check_all(proof, args.key)
    for problem in problems:
        print(f"FAIL: {problem}")
    if problems:
        return FAILED
    doc = _shape(proof)
    for event_id in pending:
        print(f"PENDING: event {event_id} is not yet in a signed checkpoint; its other checks hold")
    events = doc["events"]
    seqs = sorted({json.loads(p["payload_text"])["seq"] for p in events if "payload_text" in p})
    what = (
        f"consent {doc['consent_id']}: {len(events)} event{'s' if len(events) > 1 else ''} "
        f"({', '.join(str(p['id']) for p in events)}) in checkpoint{'s' if len(seqs) > 1 else ''} "
        f"{', '.join(map(str, seqs)) or 'none'}"
    )
    if doc["receipt"] is not None:
        what += ", the receipt matches"
    if pending:
        print(f"UNVERIFIED: {what}; ask for the proof again after the next checkpoint.")
        return UNVERIFIED
    if not args.key:
        print(
            f"UNVERIFIED: {what}, signed by the key the proof itself carries; anyone can "
            "make such a key, so the signer is not verified. Check again with "
            "--key=PUBLIC_KEY as the operator published it."
        )
        return UNVERIFIED
    print(f"OK: {what}, signed by the key you trust")
    return OK


if __name__ == "__main__":
    sys.exit(main())
