"""Incident Ledger's public language: event contracts, canonical encoding, NATS topology.

Pure data and pure functions. The only I/O is ``contracts.schema.generate``, which writes
the JSON Schema files. See contracts/README.md for the contract publishers follow.
"""
