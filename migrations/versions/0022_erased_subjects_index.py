"""The erased subjects found without reading every subject's key: the pending erasures'
query (``ledger.store.erased_messages``) starts from those erased, a few among many.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX subject_keys_erased ON subject_keys (erased_at) WHERE erased_at IS NOT NULL"
    )


def downgrade() -> None:
    op.execute("DROP INDEX subject_keys_erased")
