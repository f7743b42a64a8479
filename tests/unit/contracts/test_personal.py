"""Personal data is found from the contract types and blanked by one function, typed or as
JSON, leaving everything else as it was."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts import builders, canonical
from contracts.envelope import Actor, Envelope
from contracts.events import CATALOGUE, NotificationSent, Personal
from contracts.personal import (
    EVENT,
    _collect,
    personal_fields,
    personal_paths,
    personal_values,
    redact,
    replace_in,
    replaced,
)
from contracts.registry import DEFAULT_REGISTRY
from contracts.scenarios import SCENARIOS, generate
from contracts.types import PERSONAL
from projector.domain.losses import Claim, LossRunRow

pytestmark = pytest.mark.unit
START = datetime(2026, 11, 20, 2, 20, tzinfo=UTC)


def test_the_personal_fields_are_those_the_contract_marks() -> None:
    assert personal_fields(Personal) == set(Personal.__struct_fields__)
    assert personal_fields(Actor) == {"name"}
    assert personal_fields(NotificationSent) == {"recipient_name"}
    assert personal_fields(Claim) == personal_fields(LossRunRow) == {"claimant"}
    for payload in CATALOGUE:  # no other payload field is personal of itself
        assert personal_fields(payload) <= {"recipient_name"}, payload


def _without(event: dict[str, Any]) -> dict[str, Any]:
    """``event`` with every personal value taken out, by hand: what redaction must leave."""
    payload = dict(event["payload"])
    if isinstance(payload.get("personal"), dict):
        payload["personal"] = dict.fromkeys(payload["personal"])
    if "recipient_name" in payload:
        payload["recipient_name"] = ""
    return event | {"actor": event["actor"] | {"name": ""}, "payload": payload}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_scenario_event_is_redacted_alike_typed_and_as_json(scenario: str) -> None:
    for envelope in generate(scenario, start=START, incidents=2):
        as_json = canonical.to_builtins(envelope)
        typed = canonical.to_builtins(redact(envelope))
        assert typed == redact(as_json, EVENT) == _without(as_json)


# marked, so that no value can equal a non-personal one of the event ("CNY", "test")
names = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40).map(
    lambda s: "☃" + s
)


@given(person=st.builds(Personal, name=names, phone=names, address=names, note=names), who=names)
def test_no_personal_value_survives_in_the_encoded_event(person: Personal, who: str) -> None:
    envelope: Envelope = builders.open_claim(
        claim_number="CLM-1", insurer="Insurer", policy_number="POL-1", currency="CNY",
        personal=person, incident_id="INC-1", source="test", actor=Actor(id="a-1", name=who),
    )  # fmt: skip
    shown = msgspec.json.encode(redact(canonical.to_builtins(envelope), EVENT)).decode()
    typed = msgspec.json.encode(redact(envelope)).decode()
    for value in (who, person.name, person.phone, person.address, person.note):
        assert msgspec.json.encode(value).decode() not in shown
        assert msgspec.json.encode(value).decode() not in typed


def test_values_without_personal_fields_are_returned_as_they_are() -> None:
    doc = {"incident_id": "INC-1", "status": "open"}
    assert redact(doc, dict[str, Any]) is doc
    row = {"claimant": "Zhang San", "claim_number": "CLM-1"}
    assert redact([row], list[LossRunRow]) == [{"claimant": "", "claim_number": "CLM-1"}]


class _Row(msgspec.Struct, frozen=True):
    name: Annotated[str, PERSONAL]
    ids: tuple[str, ...]
    tags: list[str]


def test_a_row_of_plain_lists_is_blanked_without_copying_them() -> None:
    """Given a typed row whose lists hold only plain values (a loss run's ``loss_ids``),
    when it is redacted, then its personal field is blank and its lists are the same
    objects, not walked and rebuilt (a long run redacts every row)."""
    row = _Row(name="张三", ids=("a", "b"), tags=["x"])
    shown = redact(row)
    assert (shown.name, shown.ids, shown.tags) == ("", ("a", "b"), ["x"])
    assert shown.ids is row.ids
    assert shown.tags is row.tags


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
_PLACED = st.sampled_from(["", "Zhang San", 7, None, ["x"], {"name": "y"}])


@given(
    st.sampled_from(sorted(DEFAULT_REGISTRY.types)),
    st.dictionaries(st.sampled_from(["name", "phone", "note", "other"]), _PLACED, max_size=4),
    _PLACED,
    _JSON,
)
def test_personal_values_are_found_as_the_paths_say_whatever_the_shape(
    event_type: str, personal: dict[str, Any], actor_name: Any, noise: Any
) -> None:
    """Given an event of any shape a publisher may send (what NATS holds is searched for an
    erased subject's values), when its personal values are asked for, then exactly the
    non-empty strings at its type's personal paths are found."""
    event: dict[str, Any] = {
        "type": event_type,
        "actor": {"id": "a-1", "name": actor_name},
        "payload": {"personal": personal, "recipient_name": actor_name, "other": noise},
    }
    expected: list[tuple[tuple[str, ...], str]] = []
    for path in personal_paths(event_type):
        _collect(event, path, (), expected)
    assert personal_values(event) == expected


@given(
    st.sampled_from(sorted(DEFAULT_REGISTRY.types)),
    st.dictionaries(st.sampled_from(["name", "phone", "note", "other"]), _PLACED, max_size=4),
    _PLACED,
)
def test_values_replaced_in_place_are_those_a_copy_replaces(
    event_type: str, personal: dict[str, Any], actor_name: Any
) -> None:
    """Given an event and its personal values, when each is replaced by a token in the
    event itself (the ingest's sealing, on an event decoded for it alone), then the event
    is what a copy with the same replacements is, and the copy left its original alone."""
    event: dict[str, Any] = {
        "type": event_type,
        "actor": {"id": "a-1", "name": actor_name},
        "payload": {"personal": personal, "recipient_name": actor_name},
    }
    changes = [(path, f"pd1.{i}") for i, (path, _) in enumerate(personal_values(event))]
    before = msgspec.json.encode(event)
    copy = replaced(event, changes)
    assert msgspec.json.encode(event) == before
    replace_in(event, changes)
    assert event == copy
