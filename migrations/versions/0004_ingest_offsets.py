"""How far the ingest has read each stream, committed with the events it read.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_STATEMENTS = [
    """
    CREATE TABLE ingest_offsets (
      stream     text PRIMARY KEY,
      -- The last stream sequence whose message is settled in the ledger (recorded, a
      -- duplicate, or rejected on record). Written in the same transaction as the events,
      -- so after any crash the ingest resumes exactly after it, in stream order.
      last_seq   bigint NOT NULL CHECK (last_seq >= 0),
      updated_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "GRANT SELECT, INSERT, UPDATE ON ingest_offsets TO ledger_service",
    "GRANT SELECT ON ingest_offsets TO ledger_reader",
]


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE ingest_offsets")
