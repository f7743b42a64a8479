"""The access log: who read which timeline, export, report or claim pack, when, and how.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_STATEMENTS = [
    """
    CREATE TABLE access_log (
      id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      at          timestamptz NOT NULL DEFAULT now(),
      token_id    uuid NOT NULL,
      token_name  text NOT NULL,
      role        text NOT NULL,
      action      text NOT NULL,
      resource    text NOT NULL,
      params      jsonb NOT NULL DEFAULT '{}'::jsonb,
      status      smallint NOT NULL
    )
    """,
    "CREATE INDEX access_log_at ON access_log (at)",
    "CREATE INDEX access_log_token ON access_log (token_id, at)",
    """
    CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'access_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    # An auditor's own reads are audited: not even the service may rewrite the record.
    "CREATE TRIGGER access_log_no_update BEFORE UPDATE OR DELETE ON access_log "
    "FOR EACH ROW EXECUTE FUNCTION access_log_append_only()",
    "CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only()",
    "ALTER TABLE access_log ENABLE ALWAYS TRIGGER access_log_no_update",
    "ALTER TABLE access_log ENABLE ALWAYS TRIGGER access_log_no_truncate",
    "GRANT INSERT, SELECT ON access_log TO ledger_service",
]


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE access_log")
    op.execute("DROP FUNCTION access_log_append_only()")
