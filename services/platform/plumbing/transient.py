"""What a lost, restarting or unreachable PostgreSQL raises: every service waits and tries
again on these, and stops on anything else."""

from __future__ import annotations

import asyncpg
import nats.errors

DATABASE = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)
# The same, or NATS gone or restarting: the ingest and the signer wait and try again.
DATABASE_OR_NATS = (*DATABASE, nats.errors.Error)
