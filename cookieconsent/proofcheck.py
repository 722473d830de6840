"""``python -m cookieconsent.proofcheck PROOF.json --key=PUBLIC_KEY``: check a proof offline.

The checker lives in :mod:`cookieconsent.ledger.proofcheck`; this name stays because every
proof already handed out tells its reader to run this very command.
"""

from .ledger.proofcheck import check, main

__all__ = ["check", "main"]

if __name__ == "__main__":
    raise SystemExit(main())
