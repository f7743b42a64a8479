"""Hash tiles of the Merkle log (C2SP tlog-tiles, height 8), kept beside its head.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_STATEMENTS = [
    """
    CREATE TABLE merkle_tiles (
      level  smallint NOT NULL CHECK (level >= 0),
      idx    bigint NOT NULL CHECK (idx >= 0),
      -- Up to 256 hashes of 32 bytes: a partial tile until it is full.
      hashes bytea NOT NULL CHECK (length(hashes) BETWEEN 32 AND 8192 AND length(hashes) % 32 = 0),
      PRIMARY KEY (level, idx)
    )
    """,
    """
    CREATE FUNCTION merkle_tiles_grow_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND substring(NEW.hashes FROM 1 FOR length(OLD.hashes)) = OLD.hashes
         AND (NEW.level, NEW.idx) = (OLD.level, OLD.idx) THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'merkle_tiles only grow: % would change stored hashes', TG_OP
        USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    # A tile is a prefix of the tile it becomes: hashes once stored never change, which is
    # what lets a proof for an old tree size be read from today's tiles.
    "CREATE TRIGGER merkle_tiles_grow BEFORE UPDATE OR DELETE ON merkle_tiles "
    "FOR EACH ROW EXECUTE FUNCTION merkle_tiles_grow_only()",
    "CREATE TRIGGER merkle_tiles_no_truncate BEFORE TRUNCATE ON merkle_tiles "
    "FOR EACH STATEMENT EXECUTE FUNCTION merkle_tiles_grow_only()",
    "ALTER TABLE merkle_tiles ENABLE ALWAYS TRIGGER merkle_tiles_grow",
    "ALTER TABLE merkle_tiles ENABLE ALWAYS TRIGGER merkle_tiles_no_truncate",
    "GRANT INSERT, SELECT, UPDATE ON merkle_tiles TO ledger_service",
    "GRANT SELECT ON merkle_tiles TO ledger_reader",
]


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE merkle_tiles")
    op.execute("DROP FUNCTION merkle_tiles_grow_only()")
