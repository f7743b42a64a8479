"""Fields of a data subject erased on their own by a retention policy of fields
(``contracts.retention``; docs/erasure.md): one row per subject and field, made in the
transaction that sets that field's ciphertexts NULL, so that it is done once
(``ledger.store.field_erasures``). The subject's key stays (``subject_keys``); the row's
``stream_cleared_*`` say, as the key row's do for a subject, whether the NATS messages that
held the field's values are gone.

Order: the erasing transaction takes ``sealed_values`` in SHARE mode before it writes the
row, as a subject's erasure does, so that an ingest statement storing a value at the field
commits first and its value is erased with the others; a value stored afterwards (a new
phone sent later) is erased by the next retention run, which sets NULL every value held at
a field that has a row here.

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
        """
        CREATE TABLE field_erasures (
            subject text NOT NULL,
            field text NOT NULL,
            erased_at timestamptz NOT NULL DEFAULT now(),
            erased_by text NOT NULL,
            reason text NOT NULL,
            position bigint,
            stream_cleared_at timestamptz,
            stream_cleared_upto bigint,
            PRIMARY KEY (subject, field)
        )
        """
    )
    # Erased by whoever erases subjects (the API's role; the single role of deployments
    # from before 0015); the ingest never reads it.
    op.execute("GRANT SELECT, INSERT, UPDATE ON field_erasures TO ledger_api, ledger_service")


def downgrade() -> None:
    op.execute("DROP TABLE field_erasures")
