"""Embedded PostgreSQL and NATS servers, run as supervised child processes."""
