"""The type registry and the upcaster mechanism (with a test-only v1 → v2 type)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from contracts.codec import decode_envelope, read_event
from contracts.errors import ContractError
from contracts.events import CATALOGUE, Payload
from contracts.registry import DEFAULT_REGISTRY, Registry, upcast

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


class PingV1(Payload, frozen=True, kw_only=True):
    TYPE = "test.ping.v1"
    text: str


class PingV2(Payload, frozen=True, kw_only=True):
    TYPE = "test.ping.v2"
    message: str
    loud: bool = False


def _v1_to_v2(old: Payload) -> Payload:
    assert isinstance(old, PingV1)
    return PingV2(message=old.text)


def _registry() -> Registry:
    registry = Registry([PingV1, PingV2])
    registry.add_upcaster("test.ping.v1", "test.ping.v2", _v1_to_v2)
    return registry


def _ping(version: int, payload: dict[str, object]) -> bytes:
    return json.dumps(
        {
            "event_id": "0193a5b0-4f00-7000-8000-000000000009",
            "type": f"test.ping.v{version}",
            "incident_id": "T-1",
            "occurred_at": "2026-11-20T11:00:00Z",
            "source": "test",
            "actor": {"id": "tester"},
            "payload": payload,
        }
    ).encode()


def test_old_versions_are_recorded_as_sent_and_upcast_on_read() -> None:
    registry = _registry()
    stored = decode_envelope(_ping(1, {"text": "hi"}), now=NOW, registry=registry)
    assert stored.type == "test.ping.v1"
    assert stored.payload == PingV1(text="hi")
    current = registry.upcast(stored)
    assert (current.type, current.payload) == ("test.ping.v2", PingV2(message="hi"))
    assert current.event_id == stored.event_id
    event = json.loads(_ping(1, {"text": "hi"}))
    assert read_event(event, registry).payload == PingV2(message="hi")


def test_unknown_versions_are_refused_not_crashed() -> None:
    with pytest.raises(ContractError) as info:
        decode_envelope(_ping(3, {}), now=NOW, registry=_registry())
    assert (info.value.code, info.value.path) == ("unknown_type", "$.type")
    assert "test.ping.v1, test.ping.v2" in info.value.message


def test_registration_errors() -> None:
    registry = _registry()
    with pytest.raises(ValueError, match="duplicate"):
        registry.add(PingV1)
    with pytest.raises(ValueError, match="registered"):
        registry.add_upcaster("test.ping.v1", "test.ping.v7", _v1_to_v2)


def test_catalogue_tags_are_explicit_and_versioned() -> None:
    assert len(DEFAULT_REGISTRY.types) == len(CATALOGUE)
    for tag, cls in DEFAULT_REGISTRY.types.items():
        assert tag == cls.TYPE
        assert tag.endswith(".v1")
        assert cls.__name__.lower() not in tag
        assert cls.__doc__, tag
        assert any("\u4e00" <= ch <= "\u9fff" for ch in cls.__doc__), tag


def test_default_upcast_is_identity_while_everything_is_v1() -> None:
    stored = decode_envelope(_ping(1, {"text": "x"}), now=NOW, registry=_registry())
    assert upcast(stored) is stored
