"""Each policy pack version the projector has applied, with a digest of its rules.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_STATEMENTS = [
    """
    CREATE TABLE policy_packs (
      pack_id    text NOT NULL,
      version    text NOT NULL,
      -- SHA-256 of the pack's rules as loaded (comments and layout aside).
      digest     bytea NOT NULL CHECK (length(digest) = 32),
      first_used timestamptz NOT NULL DEFAULT now(),
      -- One content per version, for ever: obligations name (pack_id, version), and that
      -- pair must keep meaning the rules they were computed under.
      PRIMARY KEY (pack_id, version)
    )
    """,
    """
    CREATE FUNCTION policy_packs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'policy_packs is append-only: % is not allowed', TG_OP
        USING HINT = 'A changed pack needs a new version.';
    END $$
    """,
    "CREATE TRIGGER policy_packs_no_change BEFORE UPDATE OR DELETE ON policy_packs "
    "FOR EACH ROW EXECUTE FUNCTION policy_packs_append_only()",
    "CREATE TRIGGER policy_packs_no_truncate BEFORE TRUNCATE ON policy_packs "
    "FOR EACH STATEMENT EXECUTE FUNCTION policy_packs_append_only()",
    "ALTER TABLE policy_packs ENABLE ALWAYS TRIGGER policy_packs_no_change",
    "ALTER TABLE policy_packs ENABLE ALWAYS TRIGGER policy_packs_no_truncate",
    "GRANT INSERT, SELECT ON policy_packs TO ledger_service",
    "GRANT SELECT ON policy_packs TO ledger_reader",
]


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE policy_packs")
    op.execute("DROP FUNCTION policy_packs_append_only()")
