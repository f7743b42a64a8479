"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Response, get
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example

from plumbing import db


class Health(msgspec.Struct, frozen=True):
    status: str
    missing: list[str] = msgspec.field(default_factory=list)
    # What is down without stopping the answers, e.g. the replica (reads on the primary).
    degraded: list[str] = msgspec.field(default_factory=list)


@get("/health", sync_to_thread=False, tags=["health"], summary="Liveness")
def health() -> Health:
    return Health("ok")


async def _missing(state: State) -> list[str]:
    missing: list[str] = []
    try:
        async with state.pool.acquire(timeout=2) as conn:
            if await db.current_revision(conn) != state.head_revision:
                missing.append("migrations: database is not at head " + str(state.head_revision))
    except Exception as exc:
        missing.append(f"postgresql: {type(exc).__name__}: {exc}".strip())
    if state.nats is None or not state.nats.is_connected:
        missing.append("nats: not connected")
    return missing


@get(
    "/ready",
    tags=["health"],
    summary="Readiness: PostgreSQL, NATS and migrations (and the replica, if any)",
    responses={
        200: ResponseSpec(Health, examples=[Example(value={"status": "ready", "missing": []})]),
        503: ResponseSpec(Health, description="Not ready: what is missing"),
    },
)
async def ready(state: State) -> Response[Any]:
    missing = await _missing(state)
    watch = state.replica_watch
    degraded = [] if watch is None or watch.down is None else [f"replica: {watch.down}"]
    body = Health("ready" if not missing else "not ready", missing, degraded)
    return Response(body, status_code=200 if not missing else 503)
