"""The consent log exported as CSV (written by the database) or JSON Lines."""
