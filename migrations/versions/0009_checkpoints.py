"""Signed checkpoints of the Merkle log, kept as they were signed.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_STATEMENTS = [
    """
    CREATE TABLE checkpoints (
      id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      size      bigint NOT NULL CHECK (size >= 0),
      root      bytea NOT NULL CHECK (length(root) = 32),
      note      text NOT NULL,
      signed_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX checkpoints_size ON checkpoints (size, id)",
    """
    CREATE FUNCTION checkpoints_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'checkpoints is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    # A signed checkpoint is evidence given out: it is never taken back or changed.
    "CREATE TRIGGER checkpoints_no_update BEFORE UPDATE OR DELETE ON checkpoints "
    "FOR EACH ROW EXECUTE FUNCTION checkpoints_append_only()",
    "CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON checkpoints "
    "FOR EACH STATEMENT EXECUTE FUNCTION checkpoints_append_only()",
    "ALTER TABLE checkpoints ENABLE ALWAYS TRIGGER checkpoints_no_update",
    "ALTER TABLE checkpoints ENABLE ALWAYS TRIGGER checkpoints_no_truncate",
    "GRANT INSERT, SELECT ON checkpoints TO ledger_service",
    "GRANT SELECT ON checkpoints TO ledger_reader",
]


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE checkpoints")
    op.execute("DROP FUNCTION checkpoints_append_only()")
