"""Console users, export tokens and the audit log of what they did."""
