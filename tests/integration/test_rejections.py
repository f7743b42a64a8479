"""A corpus of bad messages, interleaved with good ones, through the real write path.

Each bad message lands on ``incidents.rejected.<source>`` with its documented code and the
JSON path of the field at fault; the good messages around it are all recorded, and none of
the bad ones is. Every bad message goes on a subject of its own (``…events.<source>.<kind>``)
so that its rejection is found by the rejection's ``subject``.
"""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import asyncpg
import msgspec
import nats.errors
import pytest
from nats.aio.client import Client

from contracts import canonical
from contracts.outcomes import Rejected
from contracts.topology import Topology
from contracts.types import MAX_SAFE_INTEGER
from ledger.ingest.intake import MAX_RAW_BYTES, RejectionRecord, decode
from plumbing.settings import IngestSettings
from tests.integration.conftest import wait_for_count
from tests.support import note

pytestmark = pytest.mark.integration

_DROP = object()
_encode = msgspec.json.encode


def _edit(event: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """Set (or, with ``_DROP``, remove) top-level fields of an event."""
    for name, value in fields.items():
        if value is _DROP:
            del event[name]
        else:
            event[name] = value
    return event


def _payload(event: dict[str, Any], **fields: Any) -> dict[str, Any]:
    _edit(event["payload"], **fields)
    return event


def _reported(incident: str) -> dict[str, Any]:
    return _edit(
        note(incident),
        type="incident.reported.v1",
        payload={
            "kind": "fire",
            "title": "Smoke from the B2 bin room",
            "site": {"name": "澎湖湾", "unit": "B2 bin room"},
            "channel": "phone",
        },
    )


def _loss(incident: str) -> dict[str, Any]:
    return _edit(
        note(incident),
        type="loss.recorded.v1",
        payload={
            "loss_id": "L1",
            "category": "property",
            "amount_minor": 1_250_000,
            "currency": "CNY",
            "basis": "estimate",
        },
    )


def _corrected(incident: str, corrected: dict[str, Any]) -> dict[str, Any]:
    return _edit(
        note(incident),
        type="event.corrected.v1",
        payload={"corrects_event_id": str(uuid.uuid4()), "corrected": corrected, "reason": "r"},
    )


def _without(name: str) -> Callable[[str], dict[str, Any]]:
    return lambda incident: _edit(note(incident), **{name: _DROP})


def _nested(depth: int) -> dict[str, Any]:
    tree: dict[str, Any] = {"a": 1}
    for _ in range(depth):
        tree = {"a": tree}
    return tree


@dataclass(frozen=True)
class Bad:
    """One kind of bad message and the rejection it must get.

    ``kind`` doubles as the subject's incident token. ``before`` are good events published
    first on the same subject (they set up a version or duplicate conflict). ``identified``:
    the rejection carries the message's event_id (it decoded; a later check refused it).
    ``bug``: the observed rejection is wrong in a way the contract does not allow; the pure
    check below holds the correct expectation (strict xfail) and the stream checks only
    that the message is rejected with its code.
    """

    kind: str
    data: bytes
    code: str
    path: str
    says: str
    source: str = "desk"
    before: tuple[dict[str, Any], ...] = ()
    headers: dict[str, str] | None = None
    identified: bool = False
    bug: str | None = None
    bug_raises: type[BaseException] = AssertionError
    in_stream: bool = True
    event_id: str | None = field(default=None, compare=False)


def _bad(
    kind: str,
    build: Callable[[str], dict[str, Any]],
    code: str,
    path: str,
    says: str,
    **options: Any,
) -> Bad:
    """A case from an event built for incident ``kind``."""
    event = build(kind)
    return Bad(kind, _encode(event), code, path, says, event_id=event.get("event_id"), **options)


def _raw(kind: str, data: bytes, code: str, path: str, says: str, **options: Any) -> Bad:
    return Bad(kind, data, code, path, says, **options)


def _version_conflict() -> Bad:
    first = note("version-conflict", "first")
    stale = note("version-conflict", "stale", expected=0)
    return Bad(
        "version-conflict",
        _encode(stale),
        "version_conflict",
        "$.expected_version",
        "expected version 0 but incident version-conflict is at version 1",
        before=(first,),
        identified=True,
        event_id=stale["event_id"],
    )


def _invalid_transition() -> Bad:
    kind = "invalid-transition"
    closed = {**note(kind), "type": "incident.closed.v1", "payload": {"reason": "done"}}
    action = {
        **note(kind),
        "type": "action.taken.v1",
        "payload": {"category": "cordon", "text": "taped off"},
    }
    return Bad(
        kind,
        _encode(action),
        "invalid_transition",
        "$.type",
        "the incident is closed: reopen it before recording action.taken",
        before=(closed,),
        identified=True,
        event_id=action["event_id"],
    )


def _duplicate_conflict() -> Bad:
    first = note("duplicate-conflict", "original")
    again = {**first, "payload": {"text": "rewritten"}}
    return Bad(
        "duplicate-conflict",
        _encode(again),
        "duplicate_conflict",
        "$.event_id",
        f"event_id {first['event_id']} was recorded at position",
        before=(first,),
        # A different Msg-Id gets past JetStream's duplicate window; the ledger must judge.
        headers={"Nats-Msg-Id": f"{first['event_id']}-again"},
        identified=True,
        event_id=first["event_id"],
    )


def _hole(kind: str, filling: bytes) -> bytes:
    """An event whose ``corrected`` payload holds ``filling``, written as bytes (msgspec
    would recurse to encode a deep tree)."""
    return _encode(_corrected(kind, {"field": "HOLE"})).replace(b'"HOLE"', filling)


def _encodings() -> list[Bad]:
    """Bytes that are no UTF-8 JSON text, or strings PostgreSQL cannot hold."""
    text = _encode(note("x")).decode()
    nul = "strings must not contain U+0000 (NUL)"
    return [
        _raw("utf16-bom", text.encode("utf-16"), "invalid_json", "$", "invalid character"),
        _raw("utf16-be", text.encode("utf-16-be"), "invalid_json", "$", "invalid character"),
        _raw("utf8-bom", b"\xef\xbb\xbf" + text.encode(), "invalid_json", "$", "invalid character"),
        _raw(
            "surrogate-as-utf8-bytes",
            text.encode().replace(b'"checked"', b'"\xed\xa0\x80"'),
            "invalid_json",
            "$",
            "",
        ),
        _raw(
            "nul-byte-raw",
            text.encode().replace(b'"checked"', b'"che\x00cked"'),
            "invalid_json",
            "$",
            "invalid character",
        ),
        _raw("nul-byte-trailing", text.encode() + b"\x00", "invalid_json", "$", "trailing"),
        _bad(
            "nul-escaped-text",
            lambda k: _payload(note(k), text="a\u0000b"),
            "schema_violation",
            "$.payload.text",
            nul,
        ),
        _bad(
            "nul-escaped-actor",
            lambda k: _edit(note(k), actor={"id": "u\u0000"}),
            "schema_violation",
            "$.actor.id",
            nul,
        ),
        _bad(
            "nul-escaped-key",
            lambda k: _payload(note(k), **{"a\u0000": "x"}),
            "schema_violation",
            "$.payload.a\u0000",
            "object keys must be ASCII, without NUL",
        ),
    ]


def _depths_and_sizes() -> list[Bad]:
    """Nesting at and past each of its two limits, and sizes up to NATS's payload limit."""
    from_bytes = "JSON nested deeper than 64"
    return [
        _bad(
            "nested-17-levels",
            lambda k: _corrected(k, {"field": _nested(14)}),
            "oversize",
            "$.payload.corrected.field" + ".a" * 14,
            "nested deeper than 16",
        ),
        _raw(
            "nested-65-levels",
            b"[" * 65 + b"]" * 65,
            "oversize",
            "$" + "[0]" * 17,
            "nested deeper than 16",
        ),
        _raw("nested-66-levels", b"[" * 66 + b"]" * 66, "oversize", "$", from_bytes),
        _raw("nested-5000-levels", b"[" * 5000 + b"]" * 5000, "oversize", "$", from_bytes),
        _raw("nested-5000-unclosed", b'{"a":' * 5000, "oversize", "$", from_bytes),
        _raw(
            "nested-5000-in-payload",
            _hole("nested-5000-in-payload", b"[" * 5000 + b"]" * 5000),
            "oversize",
            "$",
            from_bytes,
        ),
        _bad(
            "payload-near-1mb",
            lambda k: _payload(note(k), text="x" * 1_040_000),
            "oversize",
            "$",
            "the limit is 64512",
        ),
        _bad(
            "top-level-300-fields",
            lambda k: _edit(note(k), **{f"x{i}": i for i in range(300)}),
            "oversize",
            "$",
            "items; the limit is 256",
        ),
    ]


def _numbers_and_times() -> list[Bad]:
    loss = _encode(_loss("x"))
    floats = "floats are not allowed"
    rfc = "Invalid RFC3339"

    def at(value: Any) -> Callable[[str], dict[str, Any]]:
        return lambda k: _edit(note(k), occurred_at=value)

    return [
        _raw(
            "amount-1e400",
            loss.replace(b"1250000", b"1e400"),
            "schema_violation",
            "$.payload.amount_minor",
            floats,
        ),
        _raw(
            "amount-10-to-400",
            loss.replace(b"1250000", b"1" + b"0" * 400),
            "schema_violation",
            "$.payload.amount_minor",
            "integer outside",
        ),
        _raw("amount-nan", loss.replace(b"1250000", b"NaN"), "invalid_json", "$", "malformed"),
        _bad(
            "occurred-at-year-0",
            at("0000-01-01T00:00:00Z"),
            "schema_violation",
            "$.occurred_at",
            rfc,
        ),
        _bad(
            "occurred-at-month-13",
            at("2026-13-01T10:00:00Z"),
            "schema_violation",
            "$.occurred_at",
            rfc,
        ),
        _bad(
            "occurred-at-year-9999",
            at("9999-12-31T23:59:59Z"),
            "future_timestamp",
            "$.occurred_at",
            "in the future",
        ),
        _bad(
            "occurred-at-epoch-seconds",
            at(1_700_000_000),
            "schema_violation",
            "$.occurred_at",
            "Expected `datetime`, got `int`",
        ),
        _bad(
            "type-null",
            lambda k: _edit(note(k), type=None),
            "schema_violation",
            "$.type",
            "got `null`",
        ),
        _bad(
            "payload-array",
            lambda k: _edit(note(k), payload=[]),
            "schema_violation",
            "$.payload",
            "Expected `object`, got `array`",
        ),
    ]


def _version_ahead() -> Bad:
    event = note("version-ahead", expected=5)
    return Bad(
        "version-ahead",
        _encode(event),
        "version_conflict",
        "$.expected_version",
        "expected version 5 but incident version-ahead is at version 0",
        identified=True,
        event_id=event["event_id"],
    )


def _corpus() -> list[Bad]:
    valid = _encode(note("x"))
    future = canonical.timestamp(datetime.now(UTC) + timedelta(hours=1))
    token = "matching regex '^[A-Za-z0-9_-]{1,64}$'"
    floats = "floats are not allowed"
    wide = {f"f{i:03d}": "x" * 400 for i in range(200)}  # every value within the limits
    return [
        # Not JSON at all.
        _raw("not-json", b"{not json", "invalid_json", "$", "JSON is malformed"),
        _raw("truncated-json", valid[: len(valid) // 2], "invalid_json", "$", "truncated"),
        _raw("trailing-garbage", valid + b" x", "invalid_json", "$", "trailing characters"),
        _raw("empty-body", b"", "invalid_json", "$", "truncated"),
        # An escaped lone surrogate is no Unicode text (msgspec's message for it,
        # "Input data was truncated", is its own and not worth pinning).
        _raw("lone-surrogate", b'{"event_id": "\\ud800"}', "invalid_json", "$", ""),
        _raw(
            "not-utf8",
            valid.replace(b'"checked"', b'"\xff\xfe"'),
            "invalid_json",
            "$",
            "UTF-8",
        ),
        # JSON, but not an object.
        _raw("json-array", b"[1, 2]", "schema_violation", "$", "must be a JSON object"),
        _raw("json-string", b'"hello"', "schema_violation", "$", "must be a JSON object"),
        _raw("json-number", b"42", "schema_violation", "$", "must be a JSON object"),
        _raw("json-null", b"null", "schema_violation", "$", "must be a JSON object"),
        _raw("empty-object", b"{}", "schema_violation", "$.event_id", "field `event_id`"),
        # Missing envelope fields.
        *(
            _bad(
                f"missing-{name.replace('_', '-')}",
                _without(name),
                "schema_violation",
                f"$.{name}",
                f"Object missing required field `{name}`",
            )
            for name in (
                "event_id",
                "incident_id",
                "type",
                "occurred_at",
                "source",
                "actor",
                "payload",
            )
        ),
        # Envelope fields with a wrong value.
        _bad(
            "event-id-not-uuid",
            lambda k: _edit(note(k), event_id="not-a-uuid"),
            "schema_violation",
            "$.event_id",
            "Invalid UUID",
        ),
        _bad(
            "incident-id-space",
            lambda k: _edit(note(k), incident_id="INC 1"),
            "schema_violation",
            "$.incident_id",
            token,
        ),
        _bad(
            "incident-id-65-chars",
            lambda k: _edit(note(k), incident_id="I" * 65),
            "schema_violation",
            "$.incident_id",
            token,
        ),
        _bad(
            "incident-id-dot",
            lambda k: _edit(note(k), incident_id="INC.1"),
            "schema_violation",
            "$.incident_id",
            token,
        ),
        _bad(
            "type-unknown",
            lambda k: _edit(note(k), type="volcano.erupted.v1"),
            "unknown_type",
            "$.type",
            "unknown event type 'volcano.erupted.v1'",
        ),
        _bad(
            "type-unknown-version",
            lambda k: _edit(note(k), type="note.added.v9"),
            "unknown_type",
            "$.type",
            "known versions: note.added.v1",
        ),
        _bad(
            # Not a tag at all: refused as an unknown type (checked before the pattern).
            "type-bad-syntax",
            lambda k: _edit(note(k), type="Note Added"),
            "unknown_type",
            "$.type",
            "unknown event type 'Note Added'",
        ),
        _bad(
            "type-not-string",
            lambda k: _edit(note(k), type=7),
            "schema_violation",
            "$.type",
            "Expected `str`, got `int`",
        ),
        _bad(
            "occurred-at-naive",
            lambda k: _edit(note(k), occurred_at="2026-01-01T10:00:00"),
            "schema_violation",
            "$.occurred_at",
            "timezone",
        ),
        _bad(
            "occurred-at-not-a-date",
            lambda k: _edit(note(k), occurred_at="yesterday"),
            "schema_violation",
            "$.occurred_at",
            "Invalid RFC3339",
        ),
        _bad(
            "occurred-at-future",
            lambda k: _edit(note(k), occurred_at=future),
            "future_timestamp",
            "$.occurred_at",
            "occurred_at is more than 300s in the future",
        ),
        _bad(
            "source-mismatch",
            note,
            "source_mismatch",
            "$.source",
            "source 'desk' does not match the subject's source token 'other'",
            source="other",
            identified=True,
        ),
        _bad(
            "source-bad-token",
            lambda k: _edit(note(k), source="desk.east"),
            "schema_violation",
            "$.source",
            token,
        ),
        _bad(
            "actor-missing-id",
            lambda k: _edit(note(k), actor={"name": "Li Wei"}),
            "schema_violation",
            "$.actor.id",
            "Object missing required field `id`",
        ),
        _bad(
            "actor-empty-id",
            lambda k: _edit(note(k), actor={"id": ""}),
            "schema_violation",
            "$.actor.id",
            "length >= 1",
        ),
        _bad(
            "actor-unknown-field",
            lambda k: _edit(note(k), actor={"id": "u1", "badge": 7}),
            "schema_violation",
            "$.actor.badge",
            "Object contains unknown field `badge`",
        ),
        _bad(
            "actor-not-object",
            lambda k: _edit(note(k), actor="u1"),
            "schema_violation",
            "$.actor",
            "Expected `object`, got `str`",
        ),
        _bad(
            "unknown-top-level-field",
            lambda k: _edit(note(k), priority="high"),
            "schema_violation",
            "$.priority",
            "Object contains unknown field `priority`",
        ),
        _bad(
            "expected-version-negative",
            lambda k: _edit(note(k), expected_version=-1),
            "schema_violation",
            "$.expected_version",
            "Expected `int` >= 0",
        ),
        _bad(
            "expected-version-string",
            lambda k: _edit(note(k), expected_version="1"),
            "schema_violation",
            "$.expected_version",
            "got `str`",
        ),
        _bad(
            "correlation-id-empty",
            lambda k: _edit(note(k), correlation_id=""),
            "schema_violation",
            "$.correlation_id",
            "length >= 1",
        ),
        _bad(
            "causation-id-129-chars",
            lambda k: _edit(note(k), causation_id="c" * 129),
            "schema_violation",
            "$.causation_id",
            "length <= 128",
        ),
        # Payloads.
        _bad(
            "payload-not-object",
            lambda k: _edit(note(k), payload="checked"),
            "schema_violation",
            "$.payload",
            "Expected `object`, got `str`",
        ),
        _bad(
            "payload-missing-kind",
            lambda k: _payload(_reported(k), kind=_DROP),
            "schema_violation",
            "$.payload.kind",
            "Object missing required field `kind`",
        ),
        _bad(
            "payload-kind-unknown",
            lambda k: _payload(_reported(k), kind="volcano"),
            "schema_violation",
            "$.payload.kind",
            "Invalid enum value 'volcano'",
        ),
        _bad(
            "payload-nested-missing",
            lambda k: _payload(_reported(k), site={"unit": "B2"}),
            "schema_violation",
            "$.payload.site.name",
            "Object missing required field `name`",
        ),
        _bad(
            "payload-naive-detected-at",
            lambda k: _payload(_reported(k), detected_at="2026-01-01T10:00:00"),
            "schema_violation",
            "$.payload.detected_at",
            "timezone",
        ),
        _bad(
            "payload-unknown-field",
            lambda k: _payload(note(k), colour="red"),
            "schema_violation",
            "$.payload.colour",
            "Object contains unknown field `colour`",
        ),
        _bad(
            "payload-text-empty",
            lambda k: _payload(note(k), text=""),
            "schema_violation",
            "$.payload.text",
            "length >= 1",
        ),
        _bad(
            "payload-text-over-4000",
            lambda k: _payload(note(k), text="x" * 4001),
            "schema_violation",
            "$.payload.text",
            "length <= 4000",
        ),
        _bad(
            "non-ascii-key",
            lambda k: _payload(note(k), 标题="x"),
            "schema_violation",
            "$.payload.标题",
            "object keys must be ASCII",
        ),
        # Money and numbers.
        _bad(
            "amount-float",
            lambda k: _payload(_loss(k), amount_minor=12.5),
            "schema_violation",
            "$.payload.amount_minor",
            floats,
        ),
        _raw(
            "amount-float-integral",
            _encode(_loss("amount-float-integral")).replace(b"1250000", b"1250000.0"),
            "schema_violation",
            "$.payload.amount_minor",
            floats,
        ),
        _raw(
            "amount-exponent",
            _encode(_loss("amount-exponent")).replace(b"1250000", b"1.25e6"),
            "schema_violation",
            "$.payload.amount_minor",
            floats,
        ),
        _bad(
            "amount-above-2-53",
            lambda k: _payload(_loss(k), amount_minor=MAX_SAFE_INTEGER + 1),
            "schema_violation",
            "$.payload.amount_minor",
            "integer outside ±(2^53−1)",
        ),
        _bad(
            "amount-negative",
            lambda k: _payload(_loss(k), amount_minor=-1),
            "schema_violation",
            "$.payload.amount_minor",
            "Expected `int` >= 0",
        ),
        _bad(
            "amount-bool",
            lambda k: _payload(_loss(k), amount_minor=True),
            "schema_violation",
            "$.payload.amount_minor",
            "Expected `int`, got `bool`",
        ),
        _bad(
            "currency-lower-case",
            lambda k: _payload(_loss(k), currency="usd"),
            "schema_violation",
            "$.payload.currency",
            "matching regex '^[A-Z]{3}$'",
        ),
        # Limits.
        _bad(
            "envelope-over-63kib",
            lambda k: _corrected(k, wide),
            "oversize",
            "$",
            "the limit is 64512",
        ),
        _bad(
            "string-over-8192",
            lambda k: _payload(note(k), text="x" * 9000),
            "oversize",
            "$.payload.text",
            "string of 9000 characters; the limit is 8192",
        ),
        _bad(
            "too-many-items",
            lambda k: _corrected(k, {f"f{i}": i for i in range(300)}),
            "oversize",
            "$.payload.corrected",
            "300 items; the limit is 256",
        ),
        _bad(
            "nested-too-deep",
            lambda k: _corrected(k, {"field": _nested(20)}),
            "oversize",
            # The first container at depth 17 ($ is depth 0).
            "$.payload.corrected.field" + ".a" * 14,
            "nested deeper than 16",
        ),
        # Decoded fine; refused against what the ledger holds.
        _version_conflict(),
        _duplicate_conflict(),
        _invalid_transition(),
        _version_ahead(),
        _bad(
            "source-spoofed-in-envelope",
            lambda k: _edit(note(k), source="cad"),
            "source_mismatch",
            "$.source",
            "source 'cad' does not match the subject's source token 'desk'",
            identified=True,
        ),
        *_encodings(),
        *_depths_and_sizes(),
        *_numbers_and_times(),
        _bad(
            "subject-mismatch",
            lambda k: note("another-incident"),
            "subject_mismatch",
            "$.incident_id",
            "does not match the subject's incident token 'subject-mismatch'",
            identified=True,
        ),
    ]


CORPUS = _corpus()
STREAM = [case for case in CORPUS if case.in_stream]
# Refused by the sequencer against the recorded events; every other code by decoding alone.
LEDGER_STAGE = {"version_conflict", "duplicate_conflict", "invalid_transition"}


def _param(case: Bad) -> Any:
    if case.bug is None:
        return pytest.param(case, id=case.kind)
    xfail = pytest.mark.xfail(strict=True, raises=case.bug_raises, reason=case.bug)
    return pytest.param(case, id=case.kind, marks=xfail)


def test_the_corpus_has_at_least_40_distinct_kinds() -> None:
    assert len({case.kind for case in STREAM}) == len(STREAM) >= 40
    assert len({case.data for case in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("case", [_param(c) for c in CORPUS if c.code not in LEDGER_STAGE])
def test_the_consumer_refuses_each_kind_naming_the_field(case: Bad) -> None:
    outcome = decode(case.data, case.source, IngestSettings(), case.kind)
    assert isinstance(outcome, Rejected)
    assert (outcome.code, outcome.path) == (case.code, case.path)
    assert case.says in outcome.message
    assert (outcome.event_id is not None) == case.identified


def _goods() -> Callable[[int], dict[str, Any]]:
    """Good events of several types, some right at a limit; event ``i`` has its own
    incident."""
    shanghai = timezone(timedelta(hours=8))
    makers: list[Callable[[str], dict[str, Any]]] = [
        note,
        _reported,
        _loss,
        lambda k: _payload(_loss(k), amount_minor=MAX_SAFE_INTEGER),
        lambda k: _payload(note(k), text="x" * 4000),
        lambda k: _edit(note(k), occurred_at=datetime.now(shanghai).isoformat()),
        lambda k: note(k, at=datetime.now(UTC) + timedelta(minutes=4)),
        lambda k: note(k, expected=0),
        lambda k: _edit(note(k), correlation_id="c" * 128, causation_id="d" * 128),
        lambda k: _edit(note(k, "已检查"), actor={"id": "u2", "name": "王芳"}),
        lambda k: _edit(note(k), incident_id=k + "-" * (64 - len(k))),
        # Brackets inside strings are text, not nesting.
        lambda k: _payload(note(k), text="[{" * 2000),
    ]
    return lambda i: makers[i % len(makers)](f"good-{i:03d}")


async def _publish(nc: Client, topology: Topology, source: str, event: dict[str, Any]) -> None:
    subject = topology.event_subject(source, event["incident_id"])
    await nc.jetstream().publish(
        subject, _encode(event), headers={"Nats-Msg-Id": event["event_id"]}
    )


async def _rejections(
    nc: Client, topology: Topology, expected: int, within: float = 20.0
) -> list[tuple[str, RejectionRecord]]:
    """``(stream subject, record)`` of every rejection, once ``expected`` arrived (and
    a short wait shows no more come)."""
    sub = await nc.jetstream().pull_subscribe(
        topology.rejected_wildcard, durable=None, stream=topology.rejected_stream
    )
    found: list[tuple[str, RejectionRecord]] = []
    deadline = asyncio.get_running_loop().time() + within
    wait = 1.0
    while asyncio.get_running_loop().time() < deadline:
        try:
            msgs = await sub.fetch(max(expected - len(found), 1), timeout=wait)
        except nats.errors.TimeoutError:
            if len(found) >= expected:
                break
            continue
        found += [(m.subject, msgspec.json.decode(m.data, type=RejectionRecord)) for m in msgs]
        if len(found) >= expected:
            wait = 0.3  # one short look for any surplus
    await sub.unsubscribe()
    return found


async def test_each_bad_message_is_rejected_and_the_good_ones_around_it_recorded(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology
) -> None:
    good = _goods()
    recorded: list[dict[str, Any]] = []

    async def publish_good() -> None:
        event = good(len(recorded))
        await _publish(nc, topology, "desk", event)
        recorded.append(event)

    await publish_good()
    for case in STREAM:
        for event in case.before:
            await _publish(nc, topology, "desk", event)
            recorded.append(event)
        headers = case.headers or {"Nats-Msg-Id": f"bad-{case.kind}"}
        subject = topology.event_subject(case.source, case.kind)
        await nc.jetstream().publish(subject, case.data, headers=headers)
        await publish_good()

    assert await wait_for_count(ingesting, len(recorded)) == len(recorded)
    rejections = await _rejections(nc, topology, len(STREAM))
    by_subject = {record.subject: (on, record) for on, record in rejections}
    assert len(rejections) == len(by_subject) == len(STREAM)

    for case in STREAM:
        on, record = by_subject[topology.event_subject(case.source, case.kind)]
        assert on == topology.rejected_subject(case.source), case.kind
        assert record.code == case.code, case.kind
        assert base64.b64decode(record.raw) == case.data[:MAX_RAW_BYTES], case.kind
        assert record.size == len(case.data), case.kind
        assert record.event_id == (case.event_id if case.identified else None), case.kind
        if case.bug is None:  # a known bug's wrong path is pinned by its strict xfail above
            assert record.path == case.path, case.kind
            assert case.says in record.message, case.kind

    rows = await ingesting.fetch("SELECT event_id, record FROM events ORDER BY position")
    assert [str(r["event_id"]) for r in rows] == [e["event_id"] for e in recorded]
    duplicate = next(c for c in STREAM if c.code == "duplicate_conflict")
    stored = next(r["record"] for r in rows if str(r["event_id"]) == duplicate.event_id)
    assert b'"original"' in stored
    assert b'"rewritten"' not in stored
