"""The ledger's keyring: the secrets that seal consent events and sign checkpoints.

The keyring is a small JSON file outside the database (``COOKIECONSENT_LEDGER_KEYS``, by
default ``instance/ledger_keys.json``), so that someone who can write to the database still
cannot seal a forged row. It is separate from ``SECRET_KEY``: rotating the session secret
leaves the ledger alone, and rotating a ledger key leaves sessions alone.

Each key is one random 32-byte secret with an id. Four keys are derived from it, one per
purpose: the HMAC key that seals rows, the HMAC key that seals audit entries, the salt key for
the digest of erasable values, and the Ed25519 key that signs checkpoints (whose public half
third parties use). Rotation appends a
key and retires the old ones; retired keys keep verifying what they sealed.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import os
import secrets
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class KeyringError(RuntimeError):
    """The keyring is missing, unreadable or does not hold a key that is needed."""


@dataclass(frozen=True)
class LedgerKey:
    id: str
    secret: bytes
    created_at: str
    retired_at: str | None = None

    def derive(self, purpose: str) -> bytes:
        return hmac.new(
            self.secret, f"cookieconsent.ledger.{purpose}".encode(), hashlib.sha256
        ).digest()

    # Derived once per key: sealing and verifying a million rows would otherwise derive them
    # a million times.
    @functools.cached_property
    def seal_key(self) -> bytes:
        return self.derive("seal")

    @functools.cached_property
    def audit_key(self) -> bytes:
        """Seals audit entries: a key of its own, so no audit seal is ever a consent seal."""
        return self.derive("audit")

    @functools.cached_property
    def pii_key(self) -> bytes:
        return self.derive("pii")

    @property
    def signing_key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.derive("checkpoint"))

    @property
    def public_key(self) -> str:
        """The checkpoint key's public half, raw 32 bytes in base64url: what a verifier needs."""
        raw = self.signing_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return b64(raw)

    def public(self) -> dict:
        return {
            "id": self.id,
            "algorithm": "Ed25519",
            "public_key": self.public_key,
            "created_at": self.created_at,
            "retired_at": self.retired_at,
        }


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_key_from(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(unb64(text))


class Keyring:
    """The keys in one keyring file, re-read when the file changes (after a rotation)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._checked = 0.0
        self._keys: dict[str, LedgerKey] = {}

    def _load(self) -> None:
        # A rotation shows up within a second; meanwhile no stat() per sealed row.
        now = time.monotonic()
        if self._keys and now - self._checked < 1.0:
            return
        self._checked = now
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self.create()
            stat = self.path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if stamp == self._stamp:
            return
        with self._lock:
            try:
                data = json.loads(self.path.read_text("utf-8"))
                keys = {
                    k["id"]: LedgerKey(
                        k["id"], unb64(k["secret"]), k["created_at"], k.get("retired_at")
                    )
                    for k in data["keys"]
                }
            except (OSError, ValueError, KeyError, TypeError) as error:
                raise KeyringError(f"cannot read the ledger keyring {self.path}: {error}") from None
            if not keys:
                raise KeyringError(f"the ledger keyring {self.path} holds no key")
            self._keys, self._stamp = keys, stamp

    def keys(self) -> list[LedgerKey]:
        """Every key, oldest first."""
        self._load()
        return list(self._keys.values())

    def get(self, key_id: str) -> LedgerKey | None:
        self._load()
        return self._keys.get(key_id)

    @property
    def current(self) -> LedgerKey:
        """The key that seals new rows and signs new checkpoints."""
        active = [k for k in self.keys() if k.retired_at is None]
        if not active:
            raise KeyringError(
                f"every key in {self.path} is retired; run `flask ledger rotate-key`"
            )
        return active[-1]

    def create(self) -> bool:
        """Write a keyring with one fresh key, unless one exists. Safe when workers race."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return _publish(self.path, [_new_key()], replace=False)

    def rotate(self) -> LedgerKey:
        """Add a key that seals from now on; the older ones are retired but keep verifying."""
        now = _now()
        old = [
            k if k.retired_at else LedgerKey(k.id, k.secret, k.created_at, now) for k in self.keys()
        ]
        key = _new_key()
        _publish(self.path, old + [key], replace=True)
        self._stamp, self._checked = None, 0.0
        return key


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _new_key() -> LedgerKey:
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    return LedgerKey(f"{stamp}-{secrets.token_hex(4)}", secrets.token_bytes(32), _now())


def _publish(path: Path, keys: list[LedgerKey], *, replace: bool) -> bool:
    """Write the keyring atomically (0600): readers never see half a file."""
    text = json.dumps(
        {
            "about": "cookieconsent ledger keys. Keep secret, back up, copy to every host.",
            "keys": [
                {
                    "id": k.id,
                    "secret": b64(k.secret),
                    "created_at": k.created_at,
                    "retired_at": k.retired_at,
                }
                for k in keys
            ],
        },
        indent=2,
    )
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".ledger_keys.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(tmp, 0o600)
        if replace:
            os.replace(tmp, path)
            return True
        try:
            # link() fails if another worker created the keyring first: theirs wins.
            os.link(tmp, path)
            return True
        except FileExistsError:
            return False
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
