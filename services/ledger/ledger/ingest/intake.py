"""What publishers send, taken in: each message decoded into an envelope or a rejection
(the subject's tokens must match the envelope), and a rejection's record published to
``incidents.rejected.<source>`` with the raw bytes, keyed so that publishing it again
after a crash is a no-op.

Nothing one message holds may stop the ingest: whatever decoding or preparing it raises,
beyond the contract's own refusals, becomes its rejection with the code ``internal_error``
(naming the exception's class), is counted, and is logged without the message's bytes."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import msgspec
import structlog
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from contracts.codec import decode_envelope
from contracts.envelope import Envelope
from contracts.errors import ContractError
from contracts.events.privacy import SubjectErased
from contracts.outcomes import Rejected
from contracts.topology import Topology
from ledger import ledger_metrics as metrics
from ledger.domain.prepared import Prepared, prepare
from ledger.ingest.defects import internal_error
from plumbing.settings import IngestSettings

log = structlog.get_logger(__name__)


class RejectionRecord(msgspec.Struct, frozen=True):
    event_id: str | None
    code: str
    message: str
    path: str
    subject: str
    received_at: datetime
    raw: str  # base64 of the bytes as received (at most the first MAX_RAW_BYTES of them)
    size: int | None = None  # how many bytes were received


# A record must fit in a NATS message (1 MiB by default) whatever was received: a message
# near that limit, in base64, would not. Every message within the envelope limit is kept
# whole, and far more besides.
MAX_RAW_BYTES = 256 * 1024


def decode(
    data: bytes,
    subject_source: str | None,
    settings: IngestSettings,
    subject_incident: str | None = None,
    now: datetime | None = None,
) -> Envelope | Rejected:
    """The envelope, or why it is refused; the subject's tokens must match the envelope.
    Never raises: an unexpected error is this message's ``internal_error``."""
    try:
        return _decode(data, subject_source, settings, subject_incident, now)
    except Exception as exc:  # a defect met by one message costs that message only
        return internal_error(exc, subject_source)


def _decode(
    data: bytes,
    subject_source: str | None,
    settings: IngestSettings,
    subject_incident: str | None,
    now: datetime | None,
) -> Envelope | Rejected:
    try:
        envelope = decode_envelope(data, now=now, max_skew=settings.max_future_skew)
    except ContractError as exc:
        return Rejected(None, exc.code, exc.message, exc.path)
    if subject_incident in (None, envelope.incident_id) and subject_source in (
        None,
        envelope.source,
    ):
        return envelope  # the common case, checked without a loop (it runs per message)
    for field, token, code, expected in (
        ("incident_id", "incident", "subject_mismatch", subject_incident),
        ("source", "source", "source_mismatch", subject_source),
    ):
        if (refused := _mismatch(envelope, field, token, code, expected)) is not None:
            return refused
    return envelope


def _mismatch(
    envelope: Envelope, field: str, token: str, code: str, expected: str | None
) -> Rejected | None:
    """The rejection when ``field`` differs from the subject's ``token`` (if it has one)."""
    value = getattr(envelope, field)
    if expected is None or value == expected:
        return None
    return Rejected(
        envelope.event_id,
        code,
        f"{field} {value!r} does not match the subject's {token} token {expected!r}",
        f"$.{field}",
    )


async def publish_rejection(
    js: JetStreamContext, topology: Topology, msg: Msg, outcome: Rejected
) -> None:
    record = RejectionRecord(
        event_id=None if outcome.event_id is None else str(outcome.event_id),
        code=outcome.code,
        message=outcome.message,
        path=outcome.path,
        subject=msg.subject,
        received_at=datetime.now(UTC),
        raw=base64.b64encode(msg.data[:MAX_RAW_BYTES]).decode(),
        size=len(msg.data),
    )
    # Keyed by the message's stream sequence: publishing it again after a crash is a no-op.
    msg_id = f"{msg.metadata.stream}:{msg.metadata.sequence.stream}"
    await js.publish(
        topology.rejected_subject(topology.source_of(msg.subject)),
        msgspec.json.encode(record),
        headers={"Nats-Msg-Id": msg_id},
    )
    metrics.REJECTED.labels(outcome.code).inc()
    log.warning(
        "event rejected",
        code=outcome.code,
        path=outcome.path,
        event_id=record.event_id,
        subject=msg.subject,
        reason=outcome.message,
    )


class Decoded(msgspec.Struct):
    msgs: list[Msg]
    items: list[Prepared | Rejected]


def decode_all(
    datas: list[bytes],
    subjects: list[str],
    topology: Topology,
    settings: IngestSettings,
    now: datetime,
) -> list[Prepared | Rejected]:
    """Each message prepared for the sequencer, or why it is refused (``now`` judges the
    whole batch's clock skew); no I/O, so a worker process can run it."""
    return [
        _prepared(data, subject, topology, settings, now)
        for data, subject in zip(datas, subjects, strict=True)
    ]


def reserved(envelope: Envelope) -> Rejected | None:
    """Why a publisher may not send ``envelope``: the ledger's own record of an erasure is
    made by the ledger alone (docs/erasure.md)."""
    if envelope.type != SubjectErased.TYPE:
        return None
    return Rejected(
        envelope.event_id,
        "source_mismatch",
        f"{SubjectErased.TYPE} is recorded by the ledger itself, on an erasure",
        "$.type",
    )


def _prepared(
    data: bytes, subject: str, topology: Topology, settings: IngestSettings, now: datetime
) -> Prepared | Rejected:
    try:
        source, incident = topology.source_of(subject), topology.incident_of(subject)
        decoded = decode(data, source, settings, incident, now)
        if isinstance(decoded, Rejected):
            return decoded
        return reserved(decoded) or prepare(decoded)
    except Exception as exc:  # as in ``decode``: this message's rejection, not the batch's
        return internal_error(exc, subject)


def decode_batch(msgs: list[Msg], topology: Topology, settings: IngestSettings) -> Decoded:
    """``decode_all`` in this process."""
    datas, subjects = [m.data for m in msgs], [m.subject for m in msgs]
    return Decoded(msgs, decode_all(datas, subjects, topology, settings, datetime.now(UTC)))
