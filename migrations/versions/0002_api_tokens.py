"""API bearer tokens, stored only as SHA-256 hashes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_STATEMENTS = [
    """
    CREATE TABLE api_tokens (
      token_id    uuid PRIMARY KEY,
      name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      role        text NOT NULL CHECK (role IN ('publisher', 'auditor', 'clerk', 'admin')),
      -- Only the hash is kept: a leaked table grants nothing.
      token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
      created_at  timestamptz NOT NULL DEFAULT now(),
      revoked_at  timestamptz
    )
    """,
    "GRANT SELECT, INSERT, UPDATE ON api_tokens TO ledger_service",
]


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE api_tokens")
