"""Personal data sealed under its data subject's key (docs/erasure.md).

``subject_keys``: one key per data subject, wrapped by the master key (which the database
never sees) and named by that key's id; erasing a subject drops its wrapped key for good
(``wrapped`` NULL) and says when, by whom, why and at which ledger position the erasure was
recorded. ``sealed_values``: each personal value's ciphertext (salt and value, under the
subject's key), found by the commitment its record holds; erasure drops the ciphertexts
too. Neither table holds a value in the clear, and no record depends on either. The
ingest makes keys and seals; the API (and ``ledger erase``) opens and erases; the projector
and the signer see neither.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_STATEMENTS = [
    """CREATE TABLE subject_keys (
        subject text PRIMARY KEY,
        wrapped bytea,
        master_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        erased_at timestamptz,
        erased_by text,
        erasure_reason text,
        erasure_position bigint,
        CONSTRAINT subject_keys_erased_or_held CHECK ((wrapped IS NULL) = (erased_at IS NOT NULL))
    )""",
    """CREATE TABLE sealed_values (
        commitment bytea PRIMARY KEY,
        subject text NOT NULL REFERENCES subject_keys (subject),
        incident_id text NOT NULL,
        event_id uuid NOT NULL,
        path text NOT NULL,
        ciphertext bytea
    )""",
    "CREATE INDEX sealed_values_subject ON sealed_values (subject)",
    "GRANT SELECT, INSERT ON subject_keys, sealed_values TO ledger_ingest",
    "GRANT SELECT, UPDATE ON subject_keys, sealed_values TO ledger_api",
    # the single role of deployments from before 0015, which still appends and erases
    "GRANT SELECT, INSERT, UPDATE ON subject_keys, sealed_values TO ledger_service",
]


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE sealed_values")
    op.execute("DROP TABLE subject_keys")
