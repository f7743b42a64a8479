"""``privacy_master``: one row naming the master key that wraps the data subjects' keys
(docs/erasure.md). A rotation (``subject_keys.rotate``) moves it to the new key in the
transaction that rewraps the keys; the ingest makes a subject's key only while the row names
the master key it was given (``ledger.store.sealed_writes``), so no key is ever wrapped by
a master key that the others are not. Set from the keys already held (NULL when none: the
first ingest to seal claims it).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_STATEMENTS = [
    """CREATE TABLE privacy_master (
        one boolean PRIMARY KEY DEFAULT true CHECK (one),
        master_id text
    )""",
    """INSERT INTO privacy_master (master_id)
       SELECT (SELECT master_id FROM subject_keys WHERE wrapped IS NOT NULL LIMIT 1)""",
    # the ingest locks the row (FOR SHARE needs UPDATE) and claims it when unset
    "GRANT SELECT, UPDATE ON privacy_master TO ledger_ingest",
    "GRANT SELECT ON privacy_master TO ledger_api",
    "GRANT SELECT, UPDATE ON privacy_master TO ledger_service",
]


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE privacy_master")
