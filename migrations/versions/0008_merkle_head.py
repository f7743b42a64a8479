"""The Merkle log's head: the compact range of the RFC 6962 tree over every record.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_STATEMENTS = [
    """
    CREATE TABLE merkle_head (
      id         smallint PRIMARY KEY CHECK (id = 1),
      -- Leaves are the records' bytes in position order: size = the last position covered.
      size       bigint NOT NULL CHECK (size >= 0),
      hashes     bytea[] NOT NULL,
      root       bytea NOT NULL CHECK (length(root) = 32),
      updated_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "INSERT INTO merkle_head (id, size, hashes, root) VALUES (1, 0, '{}', sha256(''::bytea))",
    "GRANT SELECT, UPDATE ON merkle_head TO ledger_service",
    "GRANT SELECT ON merkle_head TO ledger_reader",
]


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE merkle_head")
