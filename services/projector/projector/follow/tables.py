"""The read-model tables of one generation, and the views that point at the live one.

``incident_status``, ``deadlines``, ``losses``, ``claims``, ``organisations`` and
``sites`` are views; each generation has its own
tables (``rm_status_g3`` …). A rebuild fills generation g+1 beside the live one and
repoints the views in one transaction, so readers never see a half-built model.
"""

from __future__ import annotations

import asyncpg

NAME = "read_models"

_TABLES = [
    """CREATE TABLE IF NOT EXISTS rm_status_g{g} (
         incident_id   text PRIMARY KEY,
         last_position bigint NOT NULL,
         status        text,
         kind          text,
         doc           jsonb NOT NULL,
         -- The incident's place as its basis profile has it (NULL: unregistered).
         organisation_id text,
         site_id         text,
         site_issue      text)""",
    "CREATE INDEX IF NOT EXISTS rm_status_g{g}_place ON rm_status_g{g} (organisation_id, site_id)",
    """CREATE TABLE IF NOT EXISTS rm_deadlines_g{g} (
         incident_id  text NOT NULL,
         ref          text NOT NULL,
         pack_id      text NOT NULL,
         pack_version text NOT NULL,
         rule         text NOT NULL,
         stage        text NOT NULL,
         state        text NOT NULL,
         anchor_at    timestamptz,
         due_at       timestamptz,
         lead_seconds double precision NOT NULL DEFAULT 0,
         satisfied_at timestamptz,
         doc          jsonb NOT NULL,
         organisation_id text,
         site_id      text,
         PRIMARY KEY (incident_id, ref))""",
    "CREATE INDEX IF NOT EXISTS rm_deadlines_g{g}_due ON rm_deadlines_g{g} (state, due_at)",
    # The board of every incident in its order (and keyset): its first page is read off
    # the index's start instead of sorting every obligation (the state, judged as the
    # clock turns it, is filtered on the way).
    "CREATE INDEX IF NOT EXISTS rm_deadlines_g{g}_board"
    " ON rm_deadlines_g{g} (due_at, incident_id, ref)",
    "CREATE INDEX IF NOT EXISTS rm_deadlines_g{g}_place"
    " ON rm_deadlines_g{g} (organisation_id, site_id)",
    """CREATE TABLE IF NOT EXISTS rm_losses_g{g} (
         incident_id text PRIMARY KEY,
         doc         jsonb NOT NULL)""",
    # The loss run's rows, one per claim, as projector.domain.losses.loss_run_rows makes them
    # (unredacted): kept as columns so that a run of a million claims is a plain scan.
    """CREATE TABLE IF NOT EXISTS rm_claims_g{g} (
         incident_id     text NOT NULL,
         claim_number    text NOT NULL,
         date_of_loss    date,
         date_reported   date,
         kind            text,
         location_code   text,
         claimant        text NOT NULL,
         insurer         text NOT NULL,
         policy_number   text NOT NULL,
         coverage        text NOT NULL,
         status          text NOT NULL,
         paid_minor      bigint NOT NULL,
         reserve_minor   bigint NOT NULL,
         incurred_minor  bigint NOT NULL,
         recovered_minor bigint NOT NULL,
         net_minor       bigint NOT NULL,
         currency        text NOT NULL,
         organisation_id text,
         site_id         text,
         PRIMARY KEY (incident_id, claim_number))""",
    "CREATE INDEX IF NOT EXISTS rm_claims_g{g}_place ON rm_claims_g{g} (organisation_id, site_id)",
    # Profiles as last recorded (docs/profiles.md): doc is the resolved profile and the
    # positions of its history.
    """CREATE TABLE IF NOT EXISTS rm_organisations_g{g} (
         organisation_id text PRIMARY KEY,
         name            text NOT NULL,
         position        bigint NOT NULL,
         doc             jsonb NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS rm_sites_g{g} (
         site_id         text PRIMARY KEY,
         organisation_id text NOT NULL,
         name            text NOT NULL,
         position        bigint NOT NULL,
         doc             jsonb NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS rm_sites_g{g}_org ON rm_sites_g{g} (organisation_id)",
]
_VIEWS = {
    "incident_status": "rm_status_g{g}",
    "deadlines": "rm_deadlines_g{g}",
    "losses": "rm_losses_g{g}",
    "claims": "rm_claims_g{g}",
    "organisations": "rm_organisations_g{g}",
    "sites": "rm_sites_g{g}",
}
_ALERTS = """CREATE TABLE IF NOT EXISTS deadline_alerts (
  incident_id text NOT NULL,
  ref         text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('due_soon', 'missed')),
  due_at      timestamptz NOT NULL,
  sent_at     timestamptz NOT NULL DEFAULT now(),
  -- One alert of each kind per obligation and due time, ever: the scheduler inserts before
  -- it publishes, in one transaction, across restarts, rebuilds and instances.
  PRIMARY KEY (incident_id, ref, kind, due_at))"""


async def create(conn: asyncpg.Connection, generation: int) -> None:
    await conn.execute(_ALERTS)
    for statement in _TABLES:
        await conn.execute(statement.format(g=generation))


async def drop(conn: asyncpg.Connection, generation: int) -> None:
    for table in _VIEWS.values():
        await conn.execute(f"DROP TABLE IF EXISTS {table.format(g=generation)}")


async def point_views(conn: asyncpg.Connection, generation: int) -> None:
    for view, table in _VIEWS.items():
        await conn.execute(f"DROP VIEW IF EXISTS {view}")
        await conn.execute(f"CREATE VIEW {view} AS SELECT * FROM {table.format(g=generation)}")
        await conn.execute(f"GRANT SELECT ON {view} TO ledger_reader")


async def active(conn: asyncpg.Connection) -> tuple[int, int] | None:
    """(generation, code version) the views show, or None before the first build."""
    row = await conn.fetchrow("SELECT active, version FROM projection_state WHERE name = $1", NAME)
    return None if row is None else (row["active"], row["version"])


async def activate(conn: asyncpg.Connection, generation: int, version: int) -> None:
    await point_views(conn, generation)
    await conn.execute(
        "INSERT INTO projection_state (name, active, version) VALUES ($1, $2, $3)"
        " ON CONFLICT (name) DO UPDATE SET active = excluded.active,"
        " version = excluded.version, updated_at = now()",
        NAME,
        generation,
        version,
    )


def checkpoint_name(generation: int, partition: tuple[int, int] | None = None) -> str:
    """The generation's checkpoint, or one partition's during a parallel rebuild."""
    own = f"{NAME}_g{generation}"
    return own if partition is None else f"{own}/p{partition[0]}of{partition[1]}"
