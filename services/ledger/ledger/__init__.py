"""The ledger service: ingest, event store, HTTP API and the embedded stack."""
