"""Publisher tokens name the sources they may publish as: an HTTP append claiming any
other source is refused, as NATS's per-publisher accounts refuse it there.

Publisher tokens issued before this revision have no sources and so may publish as none:
reissue them with ``ledger token create --role publisher --source …``.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_STATEMENTS = [
    "ALTER TABLE api_tokens ADD COLUMN sources text[] NOT NULL DEFAULT '{}'",
    # Only a publisher's token names sources: any other role publishes as none.
    "ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_sources_publisher_only"
    " CHECK (role = 'publisher' OR cardinality(sources) = 0)",
]


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("ALTER TABLE api_tokens DROP COLUMN sources")
