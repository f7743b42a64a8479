"""``ledger-verify``: check an Incident Ledger export or bundle without trusting the
operator. Depends only on the standard library and ``cryptography``."""
