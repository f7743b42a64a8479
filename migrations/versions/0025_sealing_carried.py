"""A check the sequencer's one-statement append runs in SQL when it carries its batch's
sealed values (``ledger.store.carried_sealing``): the statement fails, and commits nothing,
unless every subject's key it sealed under is still held, wrapped by the master key it
was sealed with.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

_FUNCTION = """
CREATE FUNCTION sealing_carried(held bigint, wanted bigint, master_named boolean)
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  IF NOT coalesce(master_named, false) THEN
    RAISE EXCEPTION 'the subjects'' keys are wrapped by another master key'
      USING ERRCODE = 'LS001';
  END IF;
  IF held <> wanted THEN
    RAISE EXCEPTION 'of % subjects'' keys kept, % are still held', wanted, held
      USING ERRCODE = 'LS001';
  END IF;
  RETURN true;
END
$$
"""


def upgrade() -> None:
    op.execute(_FUNCTION)


def downgrade() -> None:
    op.execute("DROP FUNCTION sealing_carried(bigint, bigint, boolean)")
