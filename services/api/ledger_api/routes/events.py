"""``POST /v1/events``: one event or an array of up to 1,000, recorded through the leading
sequencer, with each event's final outcome in the response.

Whatever the body is, the answer is a 4xx naming what is wrong, never a 5xx: a body that
is not UTF-8 JSON, nests deeper than any event may, or is not objects is refused whole
(400); each event is judged by the sequencer (422 or, in a batch, 207), an event too large
to carry included (``oversize``, sent as its first bytes so that its rejection is
recorded). A publisher token scoped to an organisation appends only within it: a request
holding any event outside is refused whole, 403 ``out_of_scope`` (``append_scope``)."""

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

from contracts.errors import ContractError
from contracts.limits import DEFAULT_LIMITS, MAX_RAW_DEPTH, check_nesting
from contracts.outcomes import (
    OVERSIZE_HEAD,
    AppendReply,
    AppendRequest,
    Duplicate,
    Outcome,
    Recorded,
    Rejected,
)
from ledger_api import append_schema, append_scope, consistency, receipts
from ledger_api.auth import Principal, roles
from ledger_api.problems import problems

MAX_EVENTS = 1000
MAX_BODY = 64 * 1024 * 1024  # 1,000 envelopes at the 63 KiB limit, and room
STATUS = {"version_conflict": 409, "duplicate_conflict": 409, "source_mismatch": 403}
OVERHEAD = 16 * 1024  # room in a NATS message for the request's framing and sources
log = structlog.get_logger(__name__)
_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(AppendReply).decode


class Results(msgspec.Struct, frozen=True, omit_defaults=True):
    results: list[Outcome]
    receipt: receipts.Receipt | None = None  # with ?receipt=true, once a checkpoint covers them


def _readable(body: bytes) -> None:
    """Refuse a body no event can be read from: empty, not UTF-8, or nested deeper than
    an event in an array may be (before any recursive decoder sees it)."""
    if not body.strip():
        raise ValidationException("the body is empty; send one event or an array of them")
    try:
        body.decode()
    except UnicodeDecodeError as exc:
        raise ValidationException(f"the body is not UTF-8 (byte {exc.start})") from None
    try:
        check_nesting(body, MAX_RAW_DEPTH + 1)  # an array of events is one level more
    except ContractError as exc:
        raise ValidationException(f"the body is refused: {exc.message}") from None


def split(body: bytes) -> list[bytes]:
    """The raw JSON of each event: the body is one object or an array of them."""
    _readable(body)
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
    for index, item in enumerate(items):
        if item[:1] != b"{":
            where = f"$[{index}]" if is_array else "the body"
            raise ValidationException(f"{where} is not a JSON object (an event envelope)")
    return items


def carried(items: list[bytes], sources: list[str]) -> AppendRequest:
    """The sequencer's request: an event larger than any envelope may be is sent as its
    first bytes and its size (it is refused anyway, and may not fit a NATS message)."""
    limit = DEFAULT_LIMITS.max_envelope_bytes
    oversize = {i: len(item) for i, item in enumerate(items) if len(item) > limit}
    heads = [item[:OVERSIZE_HEAD] if i in oversize else item for i, item in enumerate(items)]
    return AppendRequest(heads, sources, oversize)


def chunks(request: AppendRequest, limit: int) -> list[AppendRequest]:
    """Consecutive runs of the request's items, each run's request within ``limit`` bytes."""
    runs: list[list[int]] = [[]]
    size = 0
    for index, item in enumerate(request.items):
        if runs[-1] and size + len(item) > limit - OVERHEAD:
            runs.append([])
            size = 0
        runs[-1].append(index)
        size += len(item) + 16
    return [
        AppendRequest(
            [request.items[i] for i in run],
            request.sources,
            {n: request.oversize[i] for n, i in enumerate(run) if i in request.oversize},
        )
        for run in runs
    ]


async def _request(state: State, request: AppendRequest) -> list[Outcome]:
    try:
        msg = await state.nats.request(state.topology.append_subject, _encode(request), timeout=10)
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
    return STATUS.get(only.code, 422)


@post(
    "/v1/events",
    opt=roles("publisher"),
    request_max_body_size=MAX_BODY,
    tags=["events"],
    summary="Record one event or up to 1,000 (JSON array)",
    description=append_schema.DESCRIPTION,
    operation_class=append_schema.AppendOperation,
    responses={
        200: ResponseSpec(Results, description="A duplicate: the original outcome again"),
        207: ResponseSpec(Results, description="Several events: each one's outcome"),
        409: ResponseSpec(Results, description="version_conflict or duplicate_conflict"),
        422: ResponseSpec(Results, description="Rejected: the code and the field"),
        **problems(400, 401, 403, 413, 503),
    },
)
async def append_events(
    request: Request[Principal, Any, Any],
    state: State,
    receipt: Annotated[
        bool, QueryParameter(description="wait up to 5 s for inclusion proofs")
    ] = False,
) -> Response[Results]:
    items = split(await request.body())
    if request.user.scope is not None:
        async with state.pool.acquire() as conn:
            await append_scope.check(conn, request.user.scope, items)
    wanted = carried(items, list(request.user.sources))
    outcomes: list[Outcome] = []
    for run in chunks(wanted, int(state.nats.max_payload)):
        outcomes += await _request(state, run)
    proven = await receipts.receipt(state.pool, outcomes) if receipt else None
    stored = [o.position for o in outcomes if isinstance(o, Recorded | Duplicate)]
    # The position to pass as min_position to a read that must see these events.
    headers = {consistency.HEADER: str(max(stored))} if stored else {}
    return Response(Results(outcomes, proven), status_code=status_of(outcomes), headers=headers)
