"""Projection checkpoints and the first read model, incident_status.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_STATEMENTS = [
    """
    CREATE TABLE projection_checkpoints (
      projection text PRIMARY KEY,
      -- The last events.position folded in; written in the same transaction as the
      -- read-model rows, so a crash can neither skip nor repeat an event.
      position   bigint NOT NULL CHECK (position >= 0),
      updated_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    """
    CREATE TABLE incident_status (
      incident_id    text PRIMARY KEY,
      status         text NOT NULL,
      kind           text,
      title          text,
      version        integer NOT NULL,
      last_position  bigint NOT NULL,
      last_type      text NOT NULL,
      reported_at    timestamptz,
      updated_at     timestamptz NOT NULL
    )
    """,
    "GRANT SELECT, INSERT, UPDATE, DELETE ON projection_checkpoints TO ledger_service",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON incident_status TO ledger_service",
    "GRANT SELECT ON projection_checkpoints, incident_status TO ledger_reader",
]


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE incident_status")
    op.execute("DROP TABLE projection_checkpoints")
