"""What a lost, restarting or unreachable PostgreSQL raises: every service waits and tries
again on these, and stops on anything else."""

from __future__ import annotations

import asyncpg

DATABASE = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)
