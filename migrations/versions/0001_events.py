"""The append-only events table, its roles and grants.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Roles are cluster-wide while migrations run per database: create them only once, and
# tolerate a concurrent migration of another database creating them first.
_ROLES = """
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ledger_service') THEN
    CREATE ROLE ledger_service LOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ledger_reader') THEN
    CREATE ROLE ledger_reader LOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END
$$
"""

_EVENTS = """
CREATE TABLE events (
  -- Global position: 1, 2, 3, ... with no gaps, in commit order (see events_gapless).
  position      bigint PRIMARY KEY CHECK (position > 0),
  -- The publisher's idempotency key: one event_id is recorded once, ever.
  event_id      uuid NOT NULL UNIQUE,
  incident_id   text NOT NULL CHECK (incident_id ~ '^[A-Za-z0-9_-]{1,64}$'),
  -- Per-incident version: optimistic concurrency and the per-incident hash chain rest on it.
  version       integer NOT NULL CHECK (version > 0),
  type          text NOT NULL,
  source        text NOT NULL,
  occurred_at   timestamptz NOT NULL,
  recorded_at   timestamptz NOT NULL,
  -- The canonical bytes of the record envelope; every column above is a projection of it.
  record        bytea NOT NULL,
  hash          bytea NOT NULL CHECK (length(hash) = 32),
  prev_position bigint CHECK (prev_position < position),
  prev_hash     bytea CHECK (length(prev_hash) = 32),
  UNIQUE (incident_id, version),
  -- The first event of an incident links to nothing; every later one to its predecessor.
  CHECK ((version = 1) = (prev_position IS NULL) AND (prev_position IS NULL) = (prev_hash IS NULL))
)
"""

_APPEND_ONLY = """
CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'events is append-only: % is not allowed', TG_OP
    USING HINT = 'The ledger never changes or removes a recorded event; '
                 'record an event.corrected event instead.';
END
$$
"""

_GAPLESS = """
CREATE FUNCTION events_gapless() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  first_pos bigint;
  last_pos  bigint;
  n         bigint;
  before    bigint;
BEGIN
  -- Appenders queue here until the holder commits, and the check below then sees every
  -- lower position committed. So positions become visible strictly in order: a reader
  -- tailing by position can never pass a row that commits later.
  PERFORM pg_advisory_xact_lock(7301746716318023680);
  SELECT min(position), max(position), count(*) INTO first_pos, last_pos, n FROM appended;
  IF n = 0 THEN
    RETURN NULL;
  END IF;
  SELECT coalesce(max(position), 0) INTO before FROM events WHERE position < first_pos;
  IF first_pos <> before + 1 OR last_pos - first_pos + 1 <> n THEN
    RAISE EXCEPTION 'events positions must be gapless: rows % to % (% rows) follow %',
      first_pos, last_pos, n, before USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NULL;
END
$$
"""

_STATEMENTS = [
    _ROLES,
    _EVENTS,
    "CREATE INDEX events_recorded_at ON events (recorded_at)",
    _APPEND_ONLY,
    _GAPLESS,
    # Row triggers catch UPDATE and DELETE; TRUNCATE fires no row triggers, so it needs
    # a statement trigger of its own.
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
    "FOR EACH ROW EXECUTE FUNCTION events_append_only()",
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
    "FOR EACH ROW EXECUTE FUNCTION events_append_only()",
    "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events "
    "FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()",
    "CREATE TRIGGER events_positions_gapless AFTER INSERT ON events "
    "REFERENCING NEW TABLE AS appended FOR EACH STATEMENT EXECUTE FUNCTION events_gapless()",
    # ALWAYS: the triggers fire even under session_replication_role = replica, which a
    # superuser could otherwise set to slip past ordinary triggers.
    "ALTER TABLE events ENABLE ALWAYS TRIGGER events_no_update",
    "ALTER TABLE events ENABLE ALWAYS TRIGGER events_no_delete",
    "ALTER TABLE events ENABLE ALWAYS TRIGGER events_no_truncate",
    "ALTER TABLE events ENABLE ALWAYS TRIGGER events_positions_gapless",
    # Least privilege: the services may append and read, nothing else; readers only read.
    "REVOKE ALL ON events FROM PUBLIC",
    "GRANT INSERT, SELECT ON events TO ledger_service",
    "GRANT SELECT ON events TO ledger_reader",
]


def upgrade() -> None:
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE events")
    op.execute("DROP FUNCTION events_gapless()")
    op.execute("DROP FUNCTION events_append_only()")
