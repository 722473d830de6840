"""The demo site and its shop page, so that a newcomer sees the product at once."""
