"""Test data recorded and read the way production records and reads it.

``append`` records through the sequencer's writer (``ledger.store.writer.Writer``) and
confirms as the ingest does: positions, chain links, the Merkle log, the projector's
wake-up and the NATS confirmations all move as they would in service. ``timeline`` reads
an incident with the API's timeline query and entries. ``register_profile`` records an
organisation and its sites the same way: the projector gives an incident obligations
only under the profile of the organisation or site its report names (``docs/profiles.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import asyncpg
import msgspec
from nats.aio.client import Client

from contracts.builders.profile import register_organisation, register_site
from contracts.envelope import Actor, Envelope
from contracts.events.profile import OrganisationProfile, Plan, Subjection
from contracts.topology import Topology
from incident_ledger.runtime import projector_config
from ledger.domain.prepared import Prepared
from ledger.domain.sequencer import Batch
from ledger.ingest import confirmations
from ledger.store.sealer import Sealer
from ledger.store.writer import Writer
from ledger_api.routes import timeline as timeline_route
from plumbing.settings import load
from projector.domain.models import Config
from projector.views.entries import entry
from tests.support import MASTER

# Confirmations of seeded events go to subjects no test listens on.
SEEDING = Topology(namespace="seeding")
REGISTRAR = Actor(id="registrar", name="Registrar", role="admin")

CATCH_ALL: dict[str, Any] = {
    "country": "CN",
    "timezone": "UTC",
    "subject_to": tuple(s for s in Subjection if s not in {"sec", "osha", "hipaa"}),
    "plans": tuple(Plan),
}
"""A profile under which every pack applies that applied to every incident before
profiles (in UTC, on China's holidays), for tests about something else than who is
subject to what. SEC, OSHA and HIPAA bound only through a subject that nothing set."""


async def append(
    conn: asyncpg.Connection,
    nc: Client,
    envelopes: Sequence[Envelope | Prepared],
    *,
    origin: str = "test",
    merkle_log: bool = True,
) -> Batch:
    """Record ``envelopes`` on ``conn`` as the ingest's writer does, in one batch; outcomes
    in input order. ``conn`` stays open (the writer is let go, not closed)."""
    sealer = Sealer(conn, MASTER)
    batch = await Writer(conn, origin, merkle_log=merkle_log, sealer=sealer).append(envelopes)
    await confirmations.publish(nc, SEEDING, batch)
    return batch


def profile_events(
    organisation_id: str,
    *,
    sites: Sequence[str] = (),
    name: str | None = None,
    source: str = "desk",
    **profile: Any,
) -> list[Envelope]:
    """``organisation.registered`` of ``organisation_id`` with the ``profile`` fields given
    (``CATCH_ALL`` when none), and a ``site.registered`` (inheriting all) for each site."""
    stated = OrganisationProfile(**(profile or CATCH_ALL))
    who: dict[str, Any] = {"source": source, "actor": REGISTRAR}
    org = register_organisation(
        organisation_id=organisation_id, name=name or organisation_id, profile=stated, **who
    )
    return [org] + [
        register_site(organisation_id=organisation_id, site_id=site, name=site, **who)
        for site in sites
    ]


async def register_profile(
    conn: asyncpg.Connection,
    nc: Client,
    organisation_id: str,
    *,
    sites: Sequence[str] = (),
    **profile: Any,
) -> Batch:
    """Record ``profile_events(…)`` through the writer, as the ingest would."""
    return await append(conn, nc, profile_events(organisation_id, sites=sites, **profile))


CATCH_ALL_SITES = ("S0000", "S0001", "SH-01", "C-1")
"""The places the scenarios (``S0000``…) and the API stories report incidents at."""


def catch_all(source: str = "desk") -> list[Envelope]:
    """The profile events of an organisation under ``CATCH_ALL`` with the stories' sites:
    recorded first, they give every incident there the obligations it had before
    profiles."""
    return profile_events("catch-all", sites=CATCH_ALL_SITES, source=source)


@cache
def _config() -> Config:
    return projector_config(load({}))


async def timeline(conn: asyncpg.Connection, incident_id: str) -> list[dict[str, Any]]:
    """The incident's entries in recorded order, as ``GET …/timeline`` reads and builds them."""
    rows = await timeline_route._rows(conn, incident_id, None)
    entries = [entry(row, "en", _config())[0] for row in rows]
    return list(msgspec.json.decode(msgspec.json.encode(entries)))  # as the API sends them
