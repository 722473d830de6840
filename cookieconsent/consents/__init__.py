"""Consents: decisions and their receipts, data subjects and their requests, retention."""
