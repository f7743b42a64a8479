"""Read models in generations, swapped blue/green; the first status table goes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_STATEMENTS = [
    "DROP TABLE incident_status",
    "DELETE FROM projection_checkpoints",
    """
    CREATE TABLE projection_state (
      name        text PRIMARY KEY,
      -- The generation the views point at, and the code version that built it. A new
      -- generation is built beside the live one and swapped in, in one transaction, once it
      -- has caught up: readers never see a half-built model.
      active      integer NOT NULL CHECK (active > 0),
      version     integer NOT NULL,
      updated_at  timestamptz NOT NULL DEFAULT now()
    )
    """,
    "GRANT SELECT, INSERT, UPDATE, DELETE ON projection_state TO ledger_service",
    "GRANT SELECT ON projection_state TO ledger_reader",
]


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE projection_state")
