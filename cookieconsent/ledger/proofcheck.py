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

A malformed proof gets one ``FAIL: malformed proof: <field> ...`` line and exit 1. Records of
format 2 (``"v": 2``) also carry ``previous_event_id``, the event of the same consent they
follow, which the leaf (and so the signed root) covers.
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


def _shape(proof) -> dict:
    """The parts of ``proof`` the checks need, once each has the type it must have."""
    if not isinstance(proof, dict):
        raise Malformed("the proof is not a JSON object")
    record = _get(proof, "record", dict)
    version = _get(record, "record.v", int)
    if version not in (1, 2):
        raise Malformed(f"record.v is {version}, a format this checker does not know (1 or 2)")
    parts = {
        "id": _get(proof, "id", int),
        "record": record,
        "consent_id": _get(record, "record.consent_id", str),
        "pii_digest": _get(record, "record.pii_digest", str),
        "pii": proof.get("pii"),
        # Format 2 seals the event of the same consent that this one follows.
        "follows": _get(record, "record.previous_event_id", int, nullable=True)
        if version >= 2
        else None,
    }
    if parts["pii"] is not None:
        _get(proof, "pii", dict)
        parts["pii_salt"] = _b64(proof, "pii_salt")
    checkpoint = _get(proof, "checkpoint", dict, nullable=True)
    if checkpoint is None:
        return parts
    text = _get(checkpoint, "checkpoint.payload", str)
    try:
        payload = json.loads(text)
    except ValueError:
        raise Malformed("checkpoint.payload is not JSON") from None
    if not isinstance(payload, dict):
        raise Malformed("checkpoint.payload is not a JSON object")
    inclusion = _get(proof, "inclusion", dict)
    path = _get(inclusion, "inclusion.path", list)
    if not all(isinstance(h, str) and len(h) == 64 and set(h) <= _HEX for h in path):
        raise Malformed("inclusion.path is not a list of 64-digit hex hashes")
    key = _get(proof, "key", dict)
    return parts | {
        "payload_text": text,
        "seq": _get(payload, "checkpoint.payload.seq", int),
        "root": _digest(payload, "checkpoint.payload.root"),
        "count": _get(payload, "checkpoint.payload.count", int),
        "signature": _b64(checkpoint, "checkpoint.signature", 64),
        "index": _get(inclusion, "inclusion.index", int),
        "size": _get(inclusion, "inclusion.size", int),
        "path": [bytes.fromhex(h) for h in path],
        "public_key": _b64(key, "key.public_key", 32),
    }


def check(proof: dict, public_key: str | None) -> list[str]:
    """Every problem found in ``proof``; an empty list means it holds under ``public_key``.

    ``public_key`` is the operator's published key. Without it (None) the checks run under the
    key the proof carries, which anyone can make: an empty list then says only that the
    proof is consistent, not who signed it.
    """
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        parts = _shape(proof)
        trusted = _b64({"key": public_key}, "key", 32) if public_key is not None else None
    except Malformed as error:
        return [f"malformed proof: {error}"]
    problems: list[str] = []
    if parts["pii"] is not None:
        if pii_digest(parts["pii_salt"], parts["pii"]) != parts["pii_digest"]:
            problems.append("the personal data shown does not match the sealed digest")
    if "payload_text" not in parts:
        return problems + ["the record is not yet in a signed checkpoint"]
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
    return problems


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
    problems = check(proof, args.key)
    for problem in problems:
        print(f"FAIL: {problem}")
    if problems:
        return FAILED
    follows = proof["record"].get("previous_event_id")
    place = f", after event {follows}" if follows is not None else ""
    seq = json.loads(proof["checkpoint"]["payload"])["seq"]
    what = f"event {proof['id']} (consent {proof['record']['consent_id']}{place})"
    if not args.key:
        print(
            f"UNVERIFIED: {what} is in checkpoint {seq} as signed by the key the proof itself "
            f"carries ({proof['key']['public_key']}); anyone can make such a key, so the "
            "signer is not verified. Check again with --key=PUBLIC_KEY as the operator "
            "published it."
        )
        return UNVERIFIED
    print(f"OK: {what} is in checkpoint {seq}, signed by the key you trust")
    return OK


if __name__ == "__main__":
    sys.exit(main())
