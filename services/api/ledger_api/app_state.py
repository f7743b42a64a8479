"""The application's state, typed: what the composition root hands in (pools, NATS, the
policy packs, the claim key) and what the app keeps between requests (caches, the access
log's writer, known tokens, read positions).

Litestar keeps state as a dict behind attribute access; a handler that declares
``state: AppState`` gets this view over the same dict (Litestar builds a ``State``
subclass from it), so writes through either are seen by both."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import asyncpg
from ledger_verify import note
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from nats.aio.client import Client

from contracts.topology import Topology
from ledger.store.sealing import MasterKey
from ledger_api import access_batch, replica
from ledger_api.erasure_listener import ErasureListener
from ledger_api.known_tokens import KnownTokens
from ledger_api.opened_cache import OpenedCache
from ledger_api.positions import Positions
from ledger_api.profile_reads import ProfileReads
from ledger_api.token_spans import Splits
from projector.domain.models import Config
from projector.views import answers, entries

if TYPE_CHECKING:

    class _Checked(State):
        # State answers any attribute through ``__getattr__`` (typed Any), so a misspelt
        # key would pass mypy; without it, only the keys declared below type-check.
        __getattr__: None  # type: ignore[assignment,misc]

else:
    _Checked = State


class AppState(_Checked):
    pool: asyncpg.Pool
    read_pool: asyncpg.Pool  # a replica's while it answers, else ``pool``
    replica_watch: replica.ReplicaWatch | None
    nats: Client | None
    head_revision: str | None
    topology: Topology
    projector: Config
    insured: str
    claim_key: note.Signer | None
    master_key: MasterKey | None  # opens sealed personal values (docs/erasure.md)
    opened_cache: OpenedCache  # used only while ``erasure_listener`` listens
    erasure_listener: ErasureListener | None
    token_spans: Splits  # where the tokens stand in the texts kept between requests
    timeline_cache: entries.Cache
    answers: answers.Answers
    access_writer: access_batch.AccessWriter
    known_tokens: KnownTokens
    positions: Positions
    profiles: ProfileReads

    @classmethod
    def start(
        cls,
        pool: asyncpg.Pool,
        nats: Client | None,
        head_revision: str | None,
        topology: Topology,
        projector: Config,
        *,
        insured: str,
        claim_key: note.Signer | None,
        master_key: MasterKey | None = None,
        read_pool: asyncpg.Pool | None,
        read_url: str | None,
        listen_url: str | None = None,
    ) -> AppState:
        """The state a new app starts from (``listen_url``: where to hear of erasures; none:
        opened values are never kept)."""
        watch = None
        if read_pool is not None and read_url is not None:
            watch = replica.ReplicaWatch(pool, read_pool, read_url)
        cache = OpenedCache()
        listener = None if listen_url is None else ErasureListener(listen_url, cache)
        return cls(
            {
                "pool": pool,
                "read_pool": read_pool or pool,
                "replica_watch": watch,
                "nats": nats,
                "head_revision": head_revision,
                "topology": topology,
                "projector": projector,
                "insured": insured,
                "claim_key": claim_key,
                "master_key": master_key,
                "opened_cache": cache,
                "erasure_listener": listener,
                "token_spans": Splits(),
                "timeline_cache": entries.Cache(),
                "answers": answers.Answers(),
                "access_writer": access_batch.AccessWriter(pool),
                "known_tokens": KnownTokens(),
                "positions": Positions(),
                "profiles": ProfileReads(),
            }
        )


def of(connection: ASGIConnection[Any, Any, Any, Any]) -> AppState:
    """The typed view of ``connection``'s app state (the same dict, not a copy)."""
    return AppState(connection.app.state)
