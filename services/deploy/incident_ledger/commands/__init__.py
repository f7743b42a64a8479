"""Command implementations behind ``ledger.cli``."""
