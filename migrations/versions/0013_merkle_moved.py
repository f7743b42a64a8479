"""A check the sequencer's one-statement append runs in SQL: the statement fails, and
commits nothing, unless the Merkle log moved with the records.

A small batch is appended as one statement in a transaction of its own (no BEGIN and
COMMIT round trips, a millisecond or more of every event's latency on a busy machine), so
the check of the head and the tiles cannot wait for the client: it is part of the
statement.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_FUNCTION = """
CREATE FUNCTION merkle_moved(head bigint, tiles bigint, before bigint, expected bigint)
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  IF head <> 1 THEN
    RAISE EXCEPTION 'merkle_head was not at size %', before USING ERRCODE = 'LM001';
  END IF;
  IF tiles <> expected THEN
    RAISE EXCEPTION 'merkle_tiles moved: % of % tiles written', tiles, expected
      USING ERRCODE = 'LM001';
  END IF;
  RETURN true;
END
$$
"""


def upgrade() -> None:
    op.execute(_FUNCTION)


def downgrade() -> None:
    op.execute("DROP FUNCTION merkle_moved(bigint, bigint, bigint, bigint)")
