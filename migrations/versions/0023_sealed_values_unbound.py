"""A sealed value's subject is no longer checked against ``subject_keys`` row by row: the
foreign key cost each stored value a lookup and a lock on its subject's key row (the
ingest's sealing stores a value or two per event), while the one statement that stores
values (``ledger.store.sealed_writes``) stores a value only under a key it made or found
held in that same statement, which the key's row (never deleted: an erasure keeps it,
its key dropped) goes on naming. The erasure's ordering against that statement is its
table lock on ``sealed_values`` (``ledger.store.subject_keys.erase``), not the key rows'.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE sealed_values DROP CONSTRAINT IF EXISTS sealed_values_subject_fkey")


def downgrade() -> None:
    op.execute(
        "ALTER TABLE sealed_values ADD CONSTRAINT sealed_values_subject_fkey"
        " FOREIGN KEY (subject) REFERENCES subject_keys (subject)"
    )
