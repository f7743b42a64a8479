"""Which records an erased subject's cleared messages were judged against
(docs/erasure.md): ``subject_keys.stream_cleared_upto``, the ledger's last position read
before the NATS step's scan began. The erasure is pending again once one of the subject's
incidents records an event past it: positions become visible strictly in order, so an
event sequenced during the scan is always past it, where a time set after the scan (the
database's clock against the ingest's) could miss it. Erasures cleared before this
revision have none, and are pending once more, so that they are judged this way too.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE subject_keys ADD COLUMN stream_cleared_upto bigint")


def downgrade() -> None:
    op.execute("ALTER TABLE subject_keys DROP COLUMN stream_cleared_upto")
