"""Canonical encoding: round trips, stable bytes, and equality with RFC 8785 (JCS)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import msgspec
import msgspec.inspect as mi
import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts import canonical, money, profile_rules
from contracts.codec import decode_envelope, encode_envelope
from contracts.envelope import Actor, Envelope
from contracts.events import CATALOGUE, PRIVACY_STREAM, SubjectErased
from contracts.events.profile import PROFILE_TYPES
from contracts.types import MAX_SAFE_INTEGER, TOKEN_PATTERN

pytestmark = pytest.mark.unit

FAR_FUTURE = datetime(2200, 1, 1, tzinfo=UTC)
ZONES = [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5, minutes=-30))]
SAFE_INTS = st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
# Any character the contract allows in a string: all but U+0000 (and surrogates).
CHARS = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | SAFE_INTS | st.text(CHARS, max_size=30),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(
            st.text(st.characters(min_codepoint=1, max_codepoint=127), max_size=8),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)
AWARE = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.sampled_from(ZONES)
)


def _text(t: mi.StrType) -> st.SearchStrategy[str]:
    if t.pattern:
        strategy = st.from_regex(t.pattern, fullmatch=True)
        return strategy.filter(lambda s: len(s) <= (t.max_length or 10**6))
    return st.text(CHARS, min_size=t.min_length or 0, max_size=min(t.max_length or 40, 40))


def _struct(t: mi.StructType) -> st.SearchStrategy[Any]:
    # A currency is shaped by the schema and must be an ISO 4217 code (contracts.money).
    fields = {
        f.name: st.sampled_from(money.CODES) if f.name == "currency" else strategy(f.type)
        for f in t.fields
    }
    return st.builds(t.cls, **fields)


def strategy(t: mi.Type) -> st.SearchStrategy[Any]:
    """Values of a msgspec type, honouring its constraints (via ``msgspec.inspect``)."""
    simple: dict[type, st.SearchStrategy[Any]] = {
        mi.BoolType: st.booleans(),
        mi.NoneType: st.none(),
        mi.UUIDType: st.uuids(),
        mi.DateTimeType: AWARE,
        mi.AnyType: JSON_VALUES,
    }
    if isinstance(t, mi.Metadata):
        return strategy(t.type)
    if type(t) in simple:
        return simple[type(t)]
    if isinstance(t, mi.StrType):
        return _text(t)
    if isinstance(t, mi.IntType):
        return st.integers(
            t.ge if t.ge is not None else -MAX_SAFE_INTEGER,
            t.le if t.le is not None else MAX_SAFE_INTEGER,
        )
    if isinstance(t, mi.EnumType):
        return st.sampled_from(list(t.cls))
    if isinstance(t, mi.UnionType):
        return st.one_of([strategy(u) for u in t.types])
    if isinstance(t, mi.VarTupleType):
        return st.lists(strategy(t.item_type), max_size=3).map(tuple)
    if isinstance(t, mi.DictType):
        return st.dictionaries(strategy(t.key_type), strategy(t.value_type), min_size=1, max_size=3)
    if isinstance(t, mi.StructType):
        return _struct(t)
    raise NotImplementedError(t)


def _envelope(cls: type[Any]) -> st.SearchStrategy[Envelope]:
    token = st.from_regex(TOKEN_PATTERN, fullmatch=True)
    incidents = token.filter(
        lambda t: not profile_rules.is_profile_stream(t) and t != PRIVACY_STREAM
    )
    return st.builds(
        Envelope,
        event_id=st.uuids(),
        incident_id=st.just(PRIVACY_STREAM) if cls is SubjectErased else incidents,
        type=st.just(cls.TYPE),
        occurred_at=AWARE,
        source=token,
        actor=strategy(mi.type_info(Actor)),
        expected_version=st.none() | st.integers(0, MAX_SAFE_INTEGER),
        correlation_id=st.none() | st.text(CHARS, min_size=1, max_size=20),
        causation_id=st.none(),
        payload=strategy(mi.type_info(cls)),
    )


# Profile events have rules beyond their types (their stream, real time zones and
# countries): test_contracts_profiles.py generates them.
ENVELOPES = st.sampled_from([c for c in CATALOGUE if c not in PROFILE_TYPES]).flatmap(_envelope)


@given(JSON_VALUES)
def test_profile_values_match_rfc8785_and_round_trip(value: Any) -> None:
    data = canonical.encode(value)
    assert data == rfc8785.dumps(value)
    assert msgspec.json.decode(data) == value
    assert canonical.encode(msgspec.json.decode(data)) == data


@settings(max_examples=300, deadline=None)
@given(ENVELOPES)
def test_every_event_type_round_trips_canonically(envelope: Envelope) -> None:
    data = encode_envelope(envelope)
    decoded = decode_envelope(data, now=FAR_FUTURE)
    assert decoded == envelope
    assert encode_envelope(decoded) == data
    assert data == rfc8785.dumps(canonical.to_builtins(envelope))


def test_timestamps_are_utc_with_six_fractional_digits() -> None:
    at = datetime(2026, 11, 20, 10, 20, 0, 5, tzinfo=timezone(timedelta(hours=8)))
    assert canonical.timestamp(at) == "2026-11-20T02:20:00.000005Z"
    assert canonical.encode({"at": at}) == b'{"at":"2026-11-20T02:20:00.000005Z"}'


def test_naive_datetimes_have_no_canonical_form() -> None:
    with pytest.raises(ValueError, match="naive"):
        canonical.timestamp(datetime(2026, 1, 1))
