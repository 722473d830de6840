"""The cookie scanner: Chromium visits the site before and after a decision, findings stored."""
