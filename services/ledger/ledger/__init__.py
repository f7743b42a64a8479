"""The ledger: the write side in layers (``ingest`` over ``store`` over ``domain``) and the
audit trail (``audit``). The HTTP API is ``ledger_api``; the command line and the
composition root are ``incident_ledger``."""
