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
   key inside the proof is only compared with it.
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


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check(proof: dict, public_key: str | None = None) -> list[str]:
    """Every problem found in ``proof``; an empty list means it holds."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    problems: list[str] = []
    record = proof["record"]
    if proof.get("pii") is not None:
        salt = _unb64(proof["pii_salt"])
        if pii_digest(salt, proof["pii"]) != record["pii_digest"]:
            problems.append("the personal data shown does not match the sealed digest")
    inclusion = proof.get("inclusion")
    if not inclusion:
        return problems + ["the record is not yet in a signed checkpoint"]
    leaf = leaf_hash(proof["id"], record)
    path = [bytes.fromhex(h) for h in inclusion["path"]]
    root = root_from_path(inclusion["index"], inclusion["size"], leaf, path)
    checkpoint = proof["checkpoint"]
    payload = json.loads(checkpoint["payload"])
    if root is None or root.hex() != payload["root"] or payload["count"] != inclusion["size"]:
        problems.append("the record is not in the checkpoint's Merkle tree")
    key = public_key or proof["key"]["public_key"]
    if public_key and public_key != proof["key"]["public_key"]:
        problems.append("the proof names another public key than the one you trust")
    try:
        Ed25519PublicKey.from_public_bytes(_unb64(key)).verify(
            _unb64(checkpoint["signature"]), checkpoint["payload"].encode()
        )
    except (InvalidSignature, ValueError):
        problems.append("the checkpoint's signature does not verify under the public key")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a cookieconsent proof offline.")
    parser.add_argument("proof", help="the proof JSON file, as exported")
    parser.add_argument("--key", help="the operator's Ed25519 public key (base64url), as published")
    args = parser.parse_args(argv)
    with open(args.proof, encoding="utf-8") as file:
        proof = json.load(file)
    problems = check(proof, args.key)
    if not args.key:
        print("warning: no --key given; checked against the key the proof carries", file=sys.stderr)
    for problem in problems:
        print(f"FAIL: {problem}")
    if not problems:
        print(
            f"OK: event {proof['id']} (consent {proof['record']['consent_id']}) is in "
            f"checkpoint {json.loads(proof['checkpoint']['payload'])['seq']}"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
