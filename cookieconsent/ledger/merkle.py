"""Merkle trees over leaf hashes: the root a checkpoint signs, and a leaf's audit path.

The shape is the one of RFC 9162 (Certificate Transparency): a tree of n leaves splits at the
largest power of two below n. Checking a path lives in :mod:`cookieconsent.proofcheck`, which
stands alone for third parties.
"""

from __future__ import annotations

import hashlib

from .proofcheck import node_hash


def _split(size: int) -> int:
    """The largest power of two smaller than ``size`` (size >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def root(leaves: list[bytes]) -> bytes:
    """The Merkle root of ``leaves`` (already hashed), bottom-up in O(n)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    level = list(leaves)
    while len(level) > 1:
        # Pairing left to right and carrying an odd last node up gives the same tree as the
        # recursive power-of-two split.
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def path(leaves: list[bytes], index: int) -> list[bytes]:
    """The sibling hashes that lead from leaf ``index`` to the root, bottom first."""
    if not 0 <= index < len(leaves):
        raise IndexError(index)
    siblings: list[bytes] = []
    level = list(leaves)
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            siblings.append(level[sibling])
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level, index = paired, index // 2
    return siblings
