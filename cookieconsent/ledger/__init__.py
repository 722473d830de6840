"""The tamper-evident ledger: seals, checkpoints, audit, keyring, proofs checked offline."""
