"""HTTP appends' rejections, published like the ingest's: each one's record on
``incidents.rejected.<source>``, where its publisher (and ``GET /v1/rejections``) finds it.

The subject's source is the one the event claims when its token may publish as it;
otherwise the token's own first source (a spoofed source's owner never hears of the
attempt, its author does), or ``_unknown`` when neither is known. A record is keyed by
its bytes and code, so that a client retrying the same refused body adds nothing.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
from collections.abc import Sequence
from datetime import UTC, datetime

import msgspec
import nats.errors
import structlog
from nats.js import JetStreamContext

from contracts.errors import ContractError
from contracts.limits import check_nesting
from contracts.outcomes import Rejected
from contracts.topology import Topology
from contracts.types import TOKEN_PATTERN
from ledger import ledger_metrics as metrics
from ledger.ingest.intake import RejectionRecord

UNKNOWN = "_unknown"  # the subject token of a rejection whose source nobody can tell
SUBJECT = "http"  # a record's ``subject``: the event came over HTTP, not on a subject
_TOKEN = re.compile(TOKEN_PATTERN)
log = structlog.get_logger(__name__)


class _Claimed(msgspec.Struct):
    source: object = None  # whatever the body says; other fields are not read


_claimed = msgspec.json.Decoder(_Claimed).decode


def claimed_source(raw: bytes) -> str | None:
    """The ``source`` a refused body claims, if it is readable and a valid subject token."""
    try:
        check_nesting(raw)  # the body was refused: it may be anything
        source = _claimed(raw).source
    except (ContractError, msgspec.DecodeError, ValueError, RecursionError):
        return None
    return source if isinstance(source, str) and _TOKEN.match(source) else None


def subject_source(claimed: str | None, allowed: Sequence[str] | None) -> str:
    """The source under which a rejection is published (see the module's docstring)."""
    if claimed is not None and (allowed is None or claimed in allowed):
        return claimed
    return allowed[0] if allowed else UNKNOWN


def record_of(raw: bytes, outcome: Rejected, now: datetime) -> RejectionRecord:
    return RejectionRecord(
        event_id=None if outcome.event_id is None else str(outcome.event_id),
        code=outcome.code,
        message=outcome.message,
        path=outcome.path,
        subject=SUBJECT,
        received_at=now,
        raw=base64.b64encode(raw).decode(),
    )


async def publish_one(
    js: JetStreamContext, topology: Topology, source: str, raw: bytes, outcome: Rejected
) -> None:
    record = record_of(raw, outcome, datetime.now(UTC))
    msg_id = "http:" + hashlib.sha256(raw + b"\x00" + outcome.code.encode()).hexdigest()
    try:
        await js.publish(
            topology.rejected_subject(source),
            msgspec.json.encode(record),
            headers={"Nats-Msg-Id": msg_id},
            timeout=2,
        )
    except (nats.errors.Error, TimeoutError) as exc:
        # The append's answer still tells the publisher; the record is what is lost.
        log.warning("rejection not published", code=outcome.code, error=repr(exc))
    metrics.REJECTED.labels(outcome.code).inc()
    log.info("append rejected", code=outcome.code, path=outcome.path, source=source)


async def publish(
    js: JetStreamContext,
    topology: Topology,
    refused: Sequence[tuple[bytes, str | None, Rejected]],
    allowed: Sequence[str] | None,
) -> None:
    """Publish each ``(raw, source the event claims, rejection)``, concurrently."""
    await asyncio.gather(
        *(
            publish_one(js, topology, subject_source(source, allowed), raw, outcome)
            for raw, source, outcome in refused
        )
    )
