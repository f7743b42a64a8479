"""When an erased subject's messages were last found gone from the events stream
(docs/erasure.md): ``subject_keys.stream_cleared_at``, set once no message of
``INCIDENT_EVENTS`` holds a value of the subject. An erasure with it unset is pending: the
next erasure (or ``ledger erase --pending``) deletes what is left. Erasures from before
this revision are pending, so that their messages are deleted too.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE subject_keys ADD COLUMN stream_cleared_at timestamptz")


def downgrade() -> None:
    op.execute("ALTER TABLE subject_keys DROP COLUMN stream_cleared_at")
