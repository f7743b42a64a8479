"""Whose a published message's personal values are (``contracts.subjects``), as erasure
finds an erased subject's messages in NATS: a claim's opening holds its claimant's values
and its actor's name, not its reporter's; a message with no value, or one too malformed to
read, holds none; a rejection record holds what its raw bytes hold; no bytes whatever
make the look fail."""

from __future__ import annotations

import base64
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts import builders, canonical
from contracts.envelope import Actor
from contracts.events import Personal
from contracts.subjects import holds_values_of
from ledger.store.held_messages import Match, holds, rejection_holds

pytestmark = pytest.mark.unit


def _claim(personal: Personal | None) -> dict[str, Any]:
    envelope = builders.open_claim(
        claim_number="C-1", insurer="I", policy_number="P", currency="CNY", reserve_minor=1,
        personal=personal, incident_id="INC-1", source="desk", actor=Actor(id="a-1", name="Ann"),
    )  # fmt: skip
    data: dict[str, Any] = canonical.to_builtins(envelope)
    return data


def test_a_claims_opening_holds_its_claimants_values_and_its_actors_name() -> None:
    claim = _claim(Personal(name="Wang Fang"))
    assert holds_values_of(claim, "INC-1:claimant")
    assert holds_values_of(claim, "actor:a-1")
    assert not holds_values_of(claim, "INC-1:reporter")
    assert not holds_values_of(claim, "INC-2:claimant")
    assert not holds_values_of(_claim(None), "INC-1:claimant")  # no personal block


def test_a_malformed_message_holds_no_ones_values() -> None:
    claim = _claim(Personal(name="Wang Fang"))
    del claim["incident_id"]
    assert not holds_values_of(claim, "INC-1:claimant")
    assert not holds_values_of({"type": 3, "actor": "x"}, "actor:x")


@given(st.binary(max_size=300) | st.builds(msgspec.json.encode, st.dictionaries(
    st.sampled_from(["type", "actor", "incident_id", "payload"]),
    st.recursive(st.none() | st.text(max_size=5) | st.integers(),
                 lambda inner: st.lists(inner) | st.dictionaries(st.text(max_size=8), inner)),
)))  # fmt: skip
def test_no_bytes_make_the_look_fail(data: bytes) -> None:
    assert holds(data, "INC-1:claimant") in (True, False)


def test_a_rejection_record_holds_what_its_raw_bytes_hold() -> None:
    raw = msgspec.json.encode(_claim(Personal(name="Wang Fang")))
    record = msgspec.json.encode({"code": "x", "raw": base64.b64encode(raw).decode()})
    assert rejection_holds(record, "INC-1:claimant")
    assert not rejection_holds(record, "INC-1:casualty")
    assert not rejection_holds(b'{"raw": "not base64!"}', "INC-1:claimant")


@given(st.binary(max_size=300), st.text(max_size=40))
def test_no_record_makes_the_rejection_look_fail(raw: bytes, text: str) -> None:
    encoded = msgspec.json.encode({"raw": base64.b64encode(raw).decode()})
    for record in (encoded, raw, msgspec.json.encode({"raw": text})):
        assert rejection_holds(record, "INC-1:claimant") in (True, False)


def test_bytes_nested_past_any_limit_hold_no_ones_values_and_stop_nothing() -> None:
    """A hostile publisher's message rejected for its depth stays in the rejection stream:
    asked whether it holds a subject's values (an erasure's clearing pass reads every
    record), it holds none, instead of exhausting the stack."""
    deep = b"[" * 5000 + b"]" * 5000
    corrected = _claim(Personal(name="Wang Fang")) | {"type": "event.corrected.v1"}
    corrected["payload"] = {"corrects_event_id": "e-1", "corrected": {"personal": "NESTED"}}
    nested = b'{"x":' * 1000 + b'"Wang Fang"' + b"}" * 1000  # too deep to encode from Python
    in_correction = msgspec.json.encode(corrected).replace(b'"NESTED"', nested)
    for raw in (deep, in_correction):
        record = msgspec.json.encode({"raw": base64.b64encode(raw).decode()})
        assert not holds(raw, "INC-1:claimant")
        assert not rejection_holds(record, "INC-1:claimant")
        assert Match(["INC-1:claimant"], rejected=True)(record) == []


SUBJECTS = ["INC-1:claimant", "INC-1:reporter", "actor:a-1", "INC-2:claimant"]


@given(st.sampled_from([None, "Wang Fang"]), st.booleans(), st.binary(max_size=60))
def test_a_scan_for_many_subjects_finds_each_as_a_scan_for_it_alone(
    name: str | None, rejected: bool, noise: bytes
) -> None:
    """One read of a message (or rejection record) for a set of erased subjects names the
    same subjects as asking for each alone, whatever the bytes."""
    claim = msgspec.json.encode(_claim(Personal(name=name) if name else None))
    for data in (claim, noise):
        message = msgspec.json.encode({"raw": base64.b64encode(data).decode()})
        message = message if rejected else data
        alone = rejection_holds if rejected else holds
        assert Match(SUBJECTS, rejected)(message) == [s for s in SUBJECTS if alone(message, s)]
