"""Tokens may be scoped to an organisation, or to one site of it: such a token reads only
the incidents of its organisation (or site), and a scoped publisher appends only within
it. A token with neither (every token issued before this revision) is unscoped, as before.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_STATEMENTS = [
    "ALTER TABLE api_tokens ADD COLUMN organisation_id text",
    "ALTER TABLE api_tokens ADD COLUMN site_id text",
    # A site is named within its organisation: a token never names a site alone.
    "ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_site_within_organisation"
    " CHECK (site_id IS NULL OR organisation_id IS NOT NULL)",
]


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("ALTER TABLE api_tokens DROP COLUMN site_id")
    op.execute("ALTER TABLE api_tokens DROP COLUMN organisation_id")
