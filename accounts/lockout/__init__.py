"""The way out of a login lockout for an account's owner: a single-use link by email."""
