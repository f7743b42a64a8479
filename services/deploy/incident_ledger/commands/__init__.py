"""Command implementations behind ``incident_ledger.cli``."""
