"""Bad input: every refusal is a ContractError with the right code and field path."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from contracts import canonical
from contracts.codec import MAX_ENVELOPE_BYTES, decode_envelope, read_event
from contracts.errors import ContractError
from contracts.events import IncidentReported
from contracts.limits import Limits

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _refusal(obj: Any, **kwargs: Any) -> ContractError:
    data = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
    with pytest.raises(ContractError) as info:
        decode_envelope(data, now=NOW, **kwargs)
    return info.value


def _set(obj: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    *parents, last = path.split(".")
    node = obj
    for key in parents:
        node = node[key]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value
    return obj


_DELETE = object()

CASES = [
    ("payload.kind", 7, "schema_violation", "$.payload.kind"),
    ("payload.kind", "meteor", "schema_violation", "$.payload.kind"),
    ("payload.site.name", 1.5, "schema_violation", "$.payload.site.name"),
    ("payload.title", _DELETE, "schema_violation", "$.payload.title"),
    ("payload.colour", "red", "schema_violation", "$.payload.colour"),
    ("actor", _DELETE, "schema_violation", "$.actor"),
    ("actor.id", "", "schema_violation", "$.actor.id"),
    ("event_id", "not-a-uuid", "schema_violation", "$.event_id"),
    ("incident_id", "INC 42", "schema_violation", "$.incident_id"),
    ("incident_id", "x" * 65, "schema_violation", "$.incident_id"),
    ("incident_id", "a.b", "schema_violation", "$.incident_id"),
    ("source", "bad/source", "schema_violation", "$.source"),
    ("occurred_at", "2026-11-20T10:20:00", "schema_violation", "$.occurred_at"),
    ("occurred_at", "yesterday", "schema_violation", "$.occurred_at"),
    ("occurred_at", "2026-11-20T12:06:00Z", "future_timestamp", "$.occurred_at"),
    ("payload.detected_at", "2026-11-20T10:19:00", "schema_violation", "$.payload.detected_at"),
    ("type", "incident.reported.v9", "unknown_type", "$.type"),
    ("type", "incident.exploded.v1", "unknown_type", "$.type"),
    ("type", 5, "schema_violation", "$.type"),
    ("type", _DELETE, "schema_violation", "$.type"),
    ("payload", _DELETE, "schema_violation", "$.payload"),
    ("expected_version", -1, "schema_violation", "$.expected_version"),
    ("expected_version", 2**53, "schema_violation", "$.expected_version"),
    ("payload.site.unit", "x" * 9000, "oversize", "$.payload.site.unit"),
    ("payload.personal", {"naam": "x"}, "schema_violation", "$.payload.personal.naam"),
]


@pytest.mark.parametrize(("path", "value", "code", "where"), CASES)
def test_refusals_name_the_field(
    reported: dict[str, Any], path: str, value: Any, code: str, where: str
) -> None:
    error = _refusal(_set(reported, path, value))
    assert (error.code, error.path) == (code, where), error


def test_float_money_is_refused(reported: dict[str, Any]) -> None:
    loss = {
        "loss_id": "L1",
        "category": "cash",
        "amount_minor": 12.5,
        "currency": "CNY",
        "basis": "estimate",
    }
    error = _refusal({**reported, "type": "loss.recorded.v1", "payload": loss})
    assert (error.code, error.path) == ("schema_violation", "$.payload.amount_minor")
    assert "float" in error.message


@pytest.mark.parametrize("currency", ["cny", "CN", "YUAN", "ABC", "QQQ"])
def test_currency_is_iso_4217_shaped(reported: dict[str, Any], currency: str) -> None:
    loss = {
        "loss_id": "L1",
        "category": "cash",
        "amount_minor": 1250,
        "currency": currency,
        "basis": "estimate",
    }
    error = _refusal({**reported, "type": "loss.recorded.v1", "payload": loss})
    assert (error.code, error.path) == ("schema_violation", "$.payload.currency")


def test_unknown_version_lists_the_known_ones(reported: dict[str, Any]) -> None:
    error = _refusal({**reported, "type": "incident.reported.v2"})
    assert "incident.reported.v1" in error.message


@pytest.mark.parametrize("data", [b"{", b"", b"\xff\xfe", b'{"a": nope}'])
def test_invalid_json(data: bytes) -> None:
    assert _refusal(data).code == "invalid_json"


def test_not_an_object() -> None:
    assert _refusal(b"[1, 2]").code == "schema_violation"


def test_oversize_envelope(reported: dict[str, Any]) -> None:
    reported["payload"]["description"] = "x" * (MAX_ENVELOPE_BYTES + 1)
    error = _refusal(reported)
    assert (error.code, error.path) == ("oversize", "$")


def test_limits_are_configurable(reported: dict[str, Any]) -> None:
    error = _refusal(reported, limits=Limits(max_envelope_bytes=100))
    assert error.code == "oversize"
    reported["payload"]["corrected"] = list(range(8))
    error = _refusal(reported, limits=Limits(max_items=7))
    assert (error.code, error.path) == ("oversize", "$.payload.corrected")


def test_huge_integers_and_non_ascii_keys(reported: dict[str, Any]) -> None:
    data = json.dumps(reported).replace('"payload": {', '"payload": {"n": 123456789012345678901, ')
    assert _refusal(data.encode()).path == "$.payload.n"
    reported["payload"]["名字"] = "x"
    assert _refusal(reported).code == "schema_violation"


def test_valid_event_decodes_and_canonicalises(reported: dict[str, Any]) -> None:
    envelope = decode_envelope(json.dumps(reported).encode(), now=NOW)
    assert isinstance(envelope.payload, IncidentReported)
    event = canonical.to_builtins(envelope)
    assert event["type"] == "incident.reported.v1"
    assert event["occurred_at"] == "2026-11-20T10:20:00.000000Z"
    assert event["payload"]["site"]["name"] == "澎湖湾"
    assert read_event(msgspec.json.decode(canonical.encode(envelope))) == envelope


def test_skew_is_configurable(reported: dict[str, Any]) -> None:
    reported["occurred_at"] = "2026-11-20T12:04:00Z"
    data = json.dumps(reported).encode()
    assert decode_envelope(data, now=NOW).incident_id == "INC-2026-0042"
    assert _refusal(reported, max_skew=60).code == "future_timestamp"


@pytest.mark.parametrize("currency", ["JPY", "KWD", "XOF", "CNY", "EUR"])
def test_every_iso_4217_code_is_accepted(reported: dict[str, Any], currency: str) -> None:
    """Given a loss in a currency of ISO 4217, when it is decoded, then it is accepted as is."""
    loss = {"loss_id": "L1", "category": "cash", "amount_minor": 1250, "currency": currency,
            "basis": "estimate"}  # fmt: skip
    data = json.dumps({**reported, "type": "loss.recorded.v1", "payload": loss}).encode()
    envelope = decode_envelope(data, now=NOW)
    assert getattr(envelope.payload, "currency", None) == currency
