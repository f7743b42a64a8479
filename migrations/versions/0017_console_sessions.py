"""The console's sessions: a signed-in browser holds a random session id in a cookie; the
ledger keeps only its SHA-256 hash, the token it was opened with and when it expires. A
revoked token's sessions end with it (they are read through the token).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_STATEMENTS = [
    """
    CREATE TABLE console_sessions (
      session_hash bytea PRIMARY KEY,
      token_id uuid NOT NULL REFERENCES api_tokens (token_id),
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL
    )
    """,
    "CREATE INDEX console_sessions_expiry ON console_sessions (expires_at)",
    "GRANT SELECT, INSERT, DELETE ON console_sessions TO ledger_api",
    "GRANT SELECT, INSERT, DELETE ON console_sessions TO ledger_service",
]


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE console_sessions")
