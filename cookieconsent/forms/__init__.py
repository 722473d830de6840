"""Feedback forms: form consents, the consent document and its wording."""
