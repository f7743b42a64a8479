"""The sealing statement's input row (``ledger.store.sealed_writes``): a batch's values
come as one array of this type, and are inserted into ``sealed_values`` by column name.
Its own type, not the table's row type, so that a column added to the table (or a table
rebuilt with its columns in another order) leaves the statement as it is: the type's
fields are the client's, in the client's order (a test holds them to ``SealedRow``).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE TYPE sealed_value_in AS (commitment bytea, subject text, incident_id text,"
        " event_id uuid, path text, ciphertext bytea)"
    )


def downgrade() -> None:
    op.execute("DROP TYPE sealed_value_in")
