"""The ledger's record of an erasure (``subject.erased.v1``) with ``fields``, for a
retention policy of fields: a record of a whole subject's erasure, made before ``fields``
existed, reads back and encodes to the very bytes it was recorded as (no proof changes);
one of fields names them, and reads back as recorded."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contracts import builders
from contracts.codec import encode_envelope, read_event_bytes
from contracts.envelope import Actor
from contracts.events.privacy import SubjectErased

pytestmark = pytest.mark.unit
RECORDED = (
    b'{"actor":{"id":"ledger-retention","name":"","role":"admin"},"causation_id":null,'
    b'"correlation_id":null,"event_id":"01a25004-12ce-72bb-b8fd-de5a78ccdcfe",'
    b'"expected_version":null,"incident_id":"_privacy",'
    b'"occurred_at":"2026-12-07T10:19:33.966730Z","payload":{"erased_at":'
    b'"2026-12-07T10:19:33.966712Z","erased_by":"ledger-retention",'
    b'"reason":"retention:reporter-1y","subject":"INC-1:reporter"},"source":"ledger",'
    b'"type":"subject.erased.v1"}'
)


def test_a_subjects_erasure_recorded_before_fields_keeps_its_bytes() -> None:
    envelope = read_event_bytes(RECORDED)
    assert isinstance(envelope.payload, SubjectErased)
    assert envelope.payload.fields == ()
    assert encode_envelope(envelope) == RECORDED


def test_an_erasure_of_fields_names_them_and_reads_back() -> None:
    envelope = builders.record_erasure(
        subject="INC-1:reporter", erased_at=datetime(2027, 1, 1, tzinfo=UTC),
        erased_by="ledger-retention", reason="retention:reporter-phone-90d", fields=["phone"],
        incident_id="_privacy", source="ledger", actor=Actor(id="ledger-retention"),
    )  # fmt: skip
    data = encode_envelope(envelope)
    assert b'"fields":["phone"]' in data
    again = read_event_bytes(data)
    assert isinstance(again.payload, SubjectErased)
    assert again.payload.fields == ("phone",)
    assert encode_envelope(again) == data
