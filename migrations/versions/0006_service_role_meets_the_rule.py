"""The service role meets the append-only rule itself, not a bare permission error.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_STATEMENTS = [
    # PostgreSQL checks privileges before triggers fire, so without these an UPDATE by the
    # service role stops at "permission denied" and never says why. With them it reaches
    # events_no_update / events_no_delete / events_no_truncate, which refuse every role and
    # name the rule: the role may still only INSERT and SELECT. The triggers, not the
    # grants, are the guard; only the table's owner could disable them, and the owner could
    # grant itself anything anyway (the Merkle log and signed checkpoints catch that).
    "GRANT UPDATE, DELETE, TRUNCATE ON events TO ledger_service",
]


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("REVOKE UPDATE, DELETE, TRUNCATE ON events FROM ledger_service")
