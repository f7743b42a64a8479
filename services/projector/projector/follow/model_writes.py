"""The projector's writes: one batch's models, its organisations' and sites' rows and the
checkpoint it moves, in one statement."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import asyncpg
import msgspec

from projector.domain.deadlines import Obligation
from projector.domain.losses import LossRunRow
from projector.domain.models import Models
from projector.domain.status import IncidentStatus

_encode = msgspec.json.Encoder().encode

_SAVE = """
WITH cp AS (
  -- Optimistic: the step read its events after ``$3``; if the checkpoint moved meanwhile
  -- (a rolled-back step, another instance), nothing below is written and the caller
  -- starts again from the stored checkpoint.
  UPDATE projection_checkpoints SET position = $2, updated_at = now()
  WHERE projection = $1 AND position = $3 RETURNING 1),
st AS (
  INSERT INTO rm_status_g{g} (incident_id, last_position, status, kind, doc,
    organisation_id, site_id, site_issue)
  SELECT * FROM unnest($4::text[], $5::bigint[], $6::text[], $7::text[], $8::jsonb[],
    $39::text[], $40::text[], $41::text[])
  WHERE EXISTS (SELECT FROM cp)
  ON CONFLICT (incident_id) DO UPDATE SET last_position = excluded.last_position,
    status = excluded.status, kind = excluded.kind, doc = excluded.doc,
    organisation_id = excluded.organisation_id, site_id = excluded.site_id,
    site_issue = excluded.site_issue),
lo AS (
  INSERT INTO rm_losses_g{g} (incident_id, doc)
  SELECT * FROM unnest($4::text[], $9::jsonb[]) WHERE EXISTS (SELECT FROM cp)
  ON CONFLICT (incident_id) DO UPDATE SET doc = excluded.doc),
dl AS (
  INSERT INTO rm_deadlines_g{g} (incident_id, ref, pack_id, pack_version, rule, stage, state,
    anchor_at, due_at, lead_seconds, satisfied_at, doc, organisation_id, site_id)
  SELECT * FROM unnest($10::text[], $11::text[], $12::text[], $13::text[], $14::text[],
    $15::text[], $16::text[], $17::timestamptz[], $18::timestamptz[], $19::float8[],
    $20::timestamptz[], $21::jsonb[], $42::text[], $43::text[])
  WHERE EXISTS (SELECT FROM cp)
  ON CONFLICT (incident_id, ref) DO UPDATE SET pack_id = excluded.pack_id,
    pack_version = excluded.pack_version, rule = excluded.rule, stage = excluded.stage,
    state = excluded.state, anchor_at = excluded.anchor_at, due_at = excluded.due_at,
    lead_seconds = excluded.lead_seconds, satisfied_at = excluded.satisfied_at,
    doc = excluded.doc, organisation_id = excluded.organisation_id,
    site_id = excluded.site_id),
cl AS (
  -- A book's claims only ever grow (claim.updated revises one in place): upserts suffice.
  INSERT INTO rm_claims_g{g} SELECT * FROM unnest($22::text[], $23::text[], $24::date[],
    $25::date[], $26::text[], $27::text[], $28::text[], $29::text[], $30::text[], $31::text[],
    $32::text[], $33::bigint[], $34::bigint[], $35::bigint[], $36::bigint[], $37::bigint[],
    $38::text[], $44::text[], $45::text[])
  WHERE EXISTS (SELECT FROM cp)
  ON CONFLICT (incident_id, claim_number) DO UPDATE SET date_of_loss = excluded.date_of_loss,
    date_reported = excluded.date_reported, kind = excluded.kind,
    location_code = excluded.location_code, claimant = excluded.claimant,
    insurer = excluded.insurer, policy_number = excluded.policy_number,
    coverage = excluded.coverage, status = excluded.status,
    paid_minor = excluded.paid_minor, reserve_minor = excluded.reserve_minor,
    incurred_minor = excluded.incurred_minor, recovered_minor = excluded.recovered_minor,
    net_minor = excluded.net_minor, currency = excluded.currency,
    organisation_id = excluded.organisation_id, site_id = excluded.site_id),
org AS (
  INSERT INTO rm_organisations_g{g} SELECT * FROM unnest($46::text[], $47::text[],
    $48::bigint[], $49::jsonb[]) WHERE EXISTS (SELECT FROM cp)
  ON CONFLICT (organisation_id) DO UPDATE SET name = excluded.name,
    position = excluded.position, doc = excluded.doc),
site AS (
  INSERT INTO rm_sites_g{g} SELECT * FROM unnest($50::text[], $51::text[], $52::text[],
    $53::bigint[], $54::jsonb[]) WHERE EXISTS (SELECT FROM cp)
  ON CONFLICT (site_id) DO UPDATE SET organisation_id = excluded.organisation_id,
    name = excluded.name, position = excluded.position, doc = excluded.doc),
gone AS (
  -- Obligations an incident no longer has; disjoint from the rows upserted above, so the
  -- sibling statements never touch one row twice.
  DELETE FROM rm_deadlines_g{g} d WHERE d.incident_id = any($4) AND EXISTS (SELECT FROM cp)
    AND NOT EXISTS (SELECT FROM unnest($10::text[], $11::text[]) AS n(i, r)
                    WHERE n.i = d.incident_id AND n.r = d.ref))
SELECT count(*) FROM cp
"""


async def save(
    conn: asyncpg.Connection,
    generation: int,
    checkpoint: tuple[str, int, int],
    models: dict[str, Models],
    profiles: tuple[list[Any], list[Any]] = ([], []),
) -> bool:
    """Write the models (and the ``organisations`` and ``sites`` rows ``profiles``) and
    move the checkpoint ``(name, from, to)`` in one statement, so one atomic unit even
    outside a transaction; False (nothing written) when the stored checkpoint was no
    longer ``from``."""
    name, after, upto = checkpoint
    values = list(models.values())
    obligations = [(o, m.status) for m in values for o in m.obligations]
    claims = [(c, m.status) for m in values for c in m.claims]
    moved = await conn.fetchval(
        _SAVE.format(g=generation),
        name,
        upto,
        after,
        list(models),
        [m.status.last_position for m in values],
        [m.status.status for m in values],
        [None if m.status.kind is None else str(m.status.kind) for m in values],
        [_encode(m.status).decode() for m in values],
        [_encode(m.losses).decode() for m in values],
        *_deadline_columns([o for o, _ in obligations]),
        *_claim_columns([c for c, _ in claims]),
        [m.status.organisation_id for m in values],
        [m.status.site_id for m in values],
        [m.status.site_issue for m in values],
        *_places([s for _, s in obligations]),
        *_places([s for _, s in claims]),
        *_transposed(profiles[0], 4),
        *_transposed(profiles[1], 5),
    )
    return bool(moved)


def _transposed(rows: list[Any], width: int) -> list[list[Any]]:
    return [[row[k] for row in rows] for k in range(width)]


def _places(owners: list[IncidentStatus]) -> list[list[str | None]]:
    return [[s.organisation_id for s in owners], [s.site_id for s in owners]]


def _day(at: datetime | None) -> date | None:
    return at.date() if at is not None else None


def _claim_columns(rows: list[LossRunRow]) -> list[list[Any]]:
    texts = ("incident_id", "claim_number")
    later = ("kind", "location_code", "claimant", "insurer", "policy_number", "coverage",
             "status", "paid_minor", "reserve_minor", "incurred_minor", "recovered_minor",
             "net_minor", "currency")  # fmt: skip
    return [
        *([getattr(r, name) for r in rows] for name in texts),
        [_day(r.date_of_loss) for r in rows],
        [_day(r.date_reported) for r in rows],
        *([getattr(r, name) for r in rows] for name in later),
    ]


def _deadline_columns(rows: list[Obligation]) -> list[list[Any]]:
    return [
        [o.incident_id for o in rows],
        [o.ref for o in rows],
        [o.pack_id for o in rows],
        [str(o.pack_version) for o in rows],
        [o.rule for o in rows],
        [o.stage for o in rows],
        [o.state for o in rows],
        [o.anchor_at for o in rows],
        [o.due_at for o in rows],
        [o.lead_time.total_seconds() for o in rows],
        [o.satisfied_at for o in rows],
        [_encode(o).decode() for o in rows],
    ]
