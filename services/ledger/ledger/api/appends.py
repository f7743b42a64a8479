"""``POST /v1/events``: one event or an array of up to 1,000, recorded through the leading
sequencer, with each event's final outcome in the response."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import nats.errors
import structlog
from litestar import Request, Response, post
from litestar.datastructures import State
from litestar.exceptions import HTTPException, ServiceUnavailableException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter

from ledger.api import consistency
from ledger.api.auth import roles
from ledger.api.problems import problems
from ledger.api.receipts import Receipt, receipt
from ledger.appends import AppendReply, AppendRequest
from ledger.sequencer import Duplicate, Outcome, Recorded, Rejected

MAX_EVENTS = 1000
MAX_BODY = 64 * 1024 * 1024  # 1,000 envelopes at the 63 KiB limit, and room
CONFLICTS = {"version_conflict", "duplicate_conflict"}
log = structlog.get_logger("ledger.api.appends")
_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(AppendReply).decode


class Results(msgspec.Struct, frozen=True, omit_defaults=True):
    results: list[Outcome]
    receipt: Receipt | None = None  # with ?receipt=true, once a checkpoint covers them


def split(body: bytes) -> list[bytes]:
    """The raw JSON of each event: the body is one object or an array of them."""
    is_array = body.lstrip()[:1] == b"["
    try:
        raw = msgspec.json.decode(body, type=list[msgspec.Raw] if is_array else msgspec.Raw)
    except msgspec.DecodeError as exc:
        raise ValidationException(f"the body is not JSON: {exc}") from None
    items = [bytes(r) for r in raw] if isinstance(raw, list) else [bytes(raw)]  # type: ignore[arg-type]
    if not items:
        raise ValidationException("the array holds no events")
    if len(items) > MAX_EVENTS:
        raise HTTPException(
            status_code=413, detail=f"{len(items)} events in one request; the limit is {MAX_EVENTS}"
        )
    return items


def chunks(items: list[bytes], limit: int) -> list[list[bytes]]:
    """Consecutive runs of items whose request fits in one NATS message."""
    runs: list[list[bytes]] = [[]]
    size = 0
    for item in items:
        if runs[-1] and size + len(item) + 64 > limit:
            runs.append([])
            size = 0
        runs[-1].append(item)
        size += len(item) + 16
    return runs


async def _request(state: State, items: list[bytes]) -> list[Outcome]:
    try:
        msg = await state.nats.request(
            state.topology.append_subject, _encode(AppendRequest(items)), timeout=10
        )
    except (nats.errors.NoRespondersError, nats.errors.TimeoutError, TimeoutError):
        raise ServiceUnavailableException(
            "no sequencer is leading right now; retry shortly", headers={"Retry-After": "2"}
        ) from None
    reply = _decode(msg.data)
    if reply.error:
        raise ServiceUnavailableException(reply.error, headers={"Retry-After": "2"})
    return reply.outcomes


def status_of(outcomes: list[Outcome]) -> int:
    if all(isinstance(o, Recorded) for o in outcomes):
        return 201
    if len(outcomes) > 1:
        return 207
    (only,) = outcomes
    if isinstance(only, Duplicate):
        return 200
    assert isinstance(only, Rejected)
    return 409 if only.code in CONFLICTS else 422


@post(
    "/v1/events",
    opt=roles("publisher"),
    request_max_body_size=MAX_BODY,
    tags=["events"],
    summary="Record one event or up to 1,000 (JSON array)",
    responses={
        200: ResponseSpec(Results, description="A duplicate: the original outcome again"),
        207: ResponseSpec(Results, description="Several events: each one's outcome"),
        409: ResponseSpec(Results, description="version_conflict or duplicate_conflict"),
        422: ResponseSpec(Results, description="Rejected: the code and the field"),
        **problems(400, 401, 403, 413, 503),
    },
)
async def append_events(
    request: Request[Any, Any, Any],
    state: State,
    receipt_wanted: Annotated[
        bool, QueryParameter(name="receipt", description="wait up to 5 s for inclusion proofs")
    ] = False,
) -> Response[Results]:
    items = split(await request.body())
    outcomes: list[Outcome] = []
    for run in chunks(items, int(state.nats.max_payload)):
        outcomes += await _request(state, run)
    proven = await receipt(state.pool, outcomes) if receipt_wanted else None
    stored = [o.position for o in outcomes if isinstance(o, Recorded | Duplicate)]
    # The position to pass as min_position to a read that must see these events.
    headers = {consistency.HEADER: str(max(stored))} if stored else {}
    return Response(Results(outcomes, proven), status_code=status_of(outcomes), headers=headers)
