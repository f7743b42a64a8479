"""Organisations' and sites' profile events: what the contract accepts and what it refuses."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.codec import decode_envelope, encode_envelope
from contracts.errors import ContractError
from contracts.events.profile import Plan, Subjection

PROFILE = {
    "entity_type": "credit_institution",
    "country": "DE",
    "subdivision": "BY",
    "timezone": "Europe/Berlin",
    "subject_to": ["dora", "gdpr"],
}
BANK = {"organisation_id": "hausbank", "name": "Hausbank AG", "profile": PROFILE}


def _event(tag: str, payload: dict[str, Any], stream: str = "_org-hausbank") -> bytes:
    return json.dumps(
        {
            "event_id": str(uuid4()),
            "incident_id": stream,
            "type": tag,
            "occurred_at": "2026-12-01T10:00:00+01:00",
            "source": "registry",
            "actor": {"id": "ops-1", "role": "admin"},
            "payload": payload,
        }
    ).encode()


def _refusal(data: bytes) -> tuple[str, str]:
    with pytest.raises(ContractError) as caught:
        decode_envelope(data)
    return caught.value.code, caught.value.path


def test_an_organisation_registers_in_its_own_stream() -> None:
    envelope = decode_envelope(_event("organisation.registered.v1", BANK))
    assert envelope.incident_id == "_org-hausbank"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("timezone", "Europe/Atlantis"),
        ("country", "XX"),
        ("subdivision", "ZZ"),
        ("subject_to", ["dorra"]),
        ("plans", ["nursery"]),
        ("entity_type", "bank"),
    ],
)
def test_a_profile_naming_what_does_not_exist_is_refused_naming_the_field(
    field: str, value: Any
) -> None:
    bad = {**BANK, "profile": {**PROFILE, field: value}}
    code, path = _refusal(_event("organisation.registered.v1", bad))
    assert code == "schema_violation"
    assert path.startswith(f"$.payload.profile.{field}")


def test_a_site_subdivision_needs_its_country() -> None:
    site = {
        "organisation_id": "hausbank",
        "site_id": "muc",
        "name": "München",
        "profile": {"subdivision": "BY"},
    }
    assert _refusal(_event("site.registered.v1", site)) == (
        "schema_violation",
        "$.payload.profile.country",
    )


def test_profile_events_travel_only_in_their_organisations_stream() -> None:
    assert _refusal(_event("organisation.registered.v1", BANK, "_org-other")) == (
        "schema_violation",
        "$.incident_id",
    )
    assert _refusal(_event("organisation.registered.v1", BANK, "INC-1")) == (
        "schema_violation",
        "$.incident_id",
    )


def test_no_incident_event_may_use_a_profile_stream() -> None:
    assert _refusal(_event("note.added.v1", {"text": "hi"})) == (
        "schema_violation",
        "$.incident_id",
    )


ZONES = st.sampled_from(["Europe/Berlin", "Asia/Shanghai", "America/New_York", "UTC"])
PLACES = st.sampled_from([("DE", "BY"), ("CN", None), ("US", "NY"), ("GB", None)])


@settings(max_examples=100, deadline=None)
@given(
    organisation=st.from_regex(r"[A-Za-z0-9_-]{1,59}", fullmatch=True),
    zone=ZONES,
    place=PLACES,
    regimes=st.lists(st.sampled_from(list(Subjection)), unique=True, max_size=5),
    plans=st.lists(st.sampled_from(list(Plan)), unique=True, max_size=5),
)
def test_every_valid_profile_round_trips_canonically(
    organisation: str,
    zone: str,
    place: tuple[str, str | None],
    regimes: list[str],
    plans: list[str],
) -> None:
    profile = {
        "country": place[0],
        "subdivision": place[1],
        "timezone": zone,
        "subject_to": regimes,
        "plans": plans,
    }
    payload = {"organisation_id": organisation, "name": "O", "profile": profile}
    data = _event("organisation.updated.v1", payload, f"_org-{organisation}")
    envelope = decode_envelope(data)
    assert decode_envelope(encode_envelope(envelope)) == envelope


def test_a_profile_stream_begins_with_its_registration_and_takes_it_once() -> None:
    from contracts.lifecycle import NEW, advance

    _, refused = advance(NEW, "site.registered.v1")
    assert refused == "register the organisation before recording site.registered"
    registered, refused = advance(NEW, "organisation.registered.v1")
    assert refused is None
    assert advance(registered, "organisation.registered.v1")[1] is not None
    assert advance(registered, "site.updated.v1")[1] is None
