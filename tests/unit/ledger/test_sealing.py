"""Sealed personal values (ledger.store.sealing, ledger.domain.sealable.may_hold_personal,
contracts.subjects): a value sealed twice in the same place gives the same token (a
redelivery is a duplicate), in another event another token; the token proves a value only
with its salt; a subject's key opens its values, another's does not; every event type's
personal fields are where the ingest's cheap look finds them."""

from __future__ import annotations

import hmac
import uuid
from datetime import UTC, datetime

import msgspec
import pytest
from cryptography.exceptions import InvalidTag
from hypothesis import given
from hypothesis import strategies as st

from contracts import builders, canonical
from contracts.enums import IncidentKind, NotifyChannel, RecipientRole, ReportChannel
from contracts.envelope import Actor, Envelope
from contracts.events import Personal, Site
from contracts.personal import personal_paths, personal_values
from contracts.registry import DEFAULT_REGISTRY
from contracts.subjects import subject_of
from incident_ledger.simulation import history
from ledger.domain.sealable import may_hold_personal
from ledger.store import sealing
from ledger.store.sealing import MasterKey

pytestmark = pytest.mark.unit
KEY, OTHER = sealing.new_subject_key(), sealing.new_subject_key()


@given(st.binary(max_size=200), st.text(max_size=200))
def test_a_commitment_is_hmac_sha256_of_the_value_under_its_salt(salt: bytes, value: str) -> None:
    # a salt of any length, as a data subject may disclose one (longer than a block too)
    assert sealing.commitment(salt, value) == hmac.digest(salt, value.encode(), "sha256")


def test_nonces_are_drawn_fresh_for_each_batch() -> None:
    first, second = sealing.nonces(50), sealing.nonces(50)
    assert {len(n) for n in first + second} == {12}
    assert len(set(first + second)) == 100


@given(st.text(min_size=1, max_size=200))
def test_a_value_sealed_opens_with_its_key_and_proves_itself_only_with_its_salt(
    value: str,
) -> None:
    event = str(uuid.uuid4())
    made = sealing.seal(KEY, event, "payload.personal.name", value)
    again = sealing.seal(KEY, event, "payload.personal.name", value)  # redelivered
    assert again.token == made.token
    assert made.token != sealing.seal(KEY, str(uuid.uuid4()), "payload.personal.name", value).token
    assert len(made.token) <= 128  # fits the narrowest personal field (Ref)
    salt, opened = sealing.unseal(KEY, made.commitment, made.sealed)
    assert opened == value
    assert sealing.matches(made.token, value, sealing.b64(salt))
    assert not sealing.matches(made.token, value + "x", sealing.b64(salt))
    assert not sealing.matches(made.token, value, sealing.b64(bytes(16)))
    with pytest.raises(InvalidTag):
        sealing.unseal(OTHER, made.commitment, made.sealed)


def test_a_token_is_the_one_every_earlier_ingest_made_for_the_same_value() -> None:
    # given a subject's key, an event and a value, sealed by the ingest before this one
    key, event = bytes(range(32)), "0b6f0c0e-7a4b-4a55-9a43-2b8f1b9c8a11"
    earlier = "pd1.OvpxBiBXogPF0UhKfosJbss-gNHc4o-b6e2kEeyKWEg"
    # then the same event sealed again (redelivered after an upgrade) gives that token,
    # whether the key comes as bytes or with its cipher made once
    for form in (key, sealing.SubjectKey(key)):
        assert sealing.seal(form, event, "payload.personal.name", "张三 Zhang San").token == earlier


@given(st.binary(min_size=32, max_size=32), st.text(max_size=50))
def test_a_subject_key_made_once_seals_as_its_bytes_do(key: bytes, value: str) -> None:
    made = sealing.seal(sealing.SubjectKey(key), "e-1", "payload.personal.phone", value)
    assert made.token == sealing.seal(key, "e-1", "payload.personal.phone", value).token
    assert sealing.unseal(key, made.commitment, made.sealed)[1] == value
    assert repr(sealing.SubjectKey(key)) == "SubjectKey(…)"  # never the key


def test_a_master_key_wraps_and_rotates_subject_keys() -> None:
    old, new = MasterKey.parse(MasterKey.generate()), MasterKey.parse(MasterKey.generate())
    wrapped = sealing.wrap(old, "INC-1:claimant", KEY)
    assert sealing.unwrap(old, "INC-1:claimant", wrapped) == KEY
    assert sealing.unwrap(new, "INC-1:claimant", sealing.wrap(new, "INC-1:claimant", KEY)) == KEY
    with pytest.raises(InvalidTag):  # bound to its subject
        sealing.unwrap(old, "INC-1:reporter", wrapped)
    with pytest.raises(ValueError, match="begins with"):
        MasterKey.parse("not a key")


@pytest.mark.parametrize("tag", sorted(DEFAULT_REGISTRY.types))
def test_every_personal_field_is_where_the_ingest_looks(tag: str) -> None:
    for path in personal_paths(tag):
        assert (
            path == ("actor", "name")
            or path[:2] in {("payload", "personal")}
            or path
            == (
                "payload",
                "recipient_name",
            )
        ), (tag, path)


def test_subjects_are_named_by_incident_and_role() -> None:
    actor = Actor(id="agent-7", name="Agent Seven", role="agent")
    who = Personal(name="Zhang San", phone="13800000000")
    report = builders.report_incident(
        incident_id="INC-1", source="desk", actor=actor, kind=IncidentKind.FIRE, title="fire",
        site=Site(name="canteen"), channel=ReportChannel.PHONE, personal=who,
    )  # fmt: skip
    event = canonical.to_builtins(report)
    assert may_hold_personal(canonical.encode(report))
    found = {subject_of(event, path) for path, _ in personal_values(event)}
    assert found == {"actor:agent-7", "INC-1:reporter"}
    quiet = builders.report_incident(
        incident_id="INC-2", source="desk", actor=Actor(id="cad"), kind=IncidentKind.FIRE,
        title="fire",
        site=Site(name="canteen"), channel=ReportChannel.PHONE,
    )  # fmt: skip
    assert not may_hold_personal(canonical.encode(quiet))


def _sent(name: str, actor: Actor, summary: str = "") -> Envelope:
    return builders.notify(
        incident_id="INC-3", source="desk", actor=actor, recipient_name=name,
        recipient_role=RecipientRole.SUPERVISOR, channel=NotifyChannel.PHONE, summary=summary,
    )  # fmt: skip


def test_a_notification_naming_no_recipient_is_not_decoded_for_sealing() -> None:
    text = '"recipient_name":"" and ,"name":"" in a summary are only text'
    assert not may_hold_personal(canonical.encode(_sent("", Actor(id="cad"), text)))
    assert may_hold_personal(canonical.encode(_sent("Li Si", Actor(id="cad"), text)))
    agent = Actor(id="agent-7", name="Agent Seven")
    assert may_hold_personal(canonical.encode(_sent("", agent, text)))


@given(st.text(max_size=12), st.text(max_size=12), st.text(max_size=12), st.text(max_size=40))
def test_the_cheap_look_misses_no_personal_value(
    recipient: str, actor_name: str, actor_id: str, summary: str
) -> None:
    event = _sent(recipient, Actor(id=actor_id or "x", name=actor_name), summary)
    if personal_values(canonical.to_builtins(event)):
        assert may_hold_personal(canonical.encode(event))


def test_an_event_decoded_from_canonical_bytes_encodes_back_to_the_same_bytes() -> None:
    """Sealing edits the decoded event and encodes it again: every other byte must stay."""
    for envelope in history(300, now=datetime(2026, 12, 1, tzinfo=UTC)):
        data = canonical.encode_struct(envelope)
        assert canonical.encode_decoded(msgspec.json.decode(data)) == data
