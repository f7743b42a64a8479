"""Plumbing both services share: settings, database access, leadership, logging, files."""
