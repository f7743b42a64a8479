"""Given any message, intake answers with an envelope or a rejection and never raises: a
defect met while decoding or preparing one message is that message's ``internal_error``,
naming the exception's class, counted, and logged without the message's bytes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
import structlog
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.errors import MAX_MESSAGE_CHARS, MAX_PATH_CHARS
from contracts.outcomes import Rejected
from contracts.topology import Topology
from ledger import ledger_metrics as metrics
from ledger.domain.prepared import Prepared, prepare
from ledger.ingest import defects, intake
from plumbing.settings import IngestSettings
from tests.support import note

pytestmark = pytest.mark.unit

TOPOLOGY = Topology("t")
SETTINGS = IngestSettings()
SECRET = b"s3cr3t-bytes"


def _count(error: str) -> float:
    return float(metrics.INTERNAL_ERRORS.labels(error)._value.get())


def _explode(*_: Any, **__: Any) -> Any:
    raise RecursionError(f"maximum recursion depth exceeded near {SECRET!r}")


def test_a_defect_in_decoding_is_the_messages_internal_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(intake, "decode_envelope", _explode)
    before = _count("RecursionError")
    with structlog.testing.capture_logs() as logs:
        outcome = intake.decode(SECRET, "desk", SETTINGS)
    assert isinstance(outcome, Rejected)
    assert (outcome.code, outcome.path, outcome.event_id) == ("internal_error", "$", None)
    assert "RecursionError" in outcome.message
    assert defects.failure_of(outcome) == "RecursionError"
    assert _count("RecursionError") == before + 1
    assert logs
    assert "s3cr3t" not in repr(logs)


def test_a_defect_in_preparing_one_message_spares_the_rest_of_the_batch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = prepare

    def fragile(envelope: Any) -> Prepared:
        if envelope.incident_id == "INC-2":
            raise MemoryError
        return real(envelope)

    monkeypatch.setattr(intake, "prepare", fragile)
    events = [note(f"INC-{n}") for n in range(4)]
    datas = [msgspec.json.encode(e) for e in events]
    subjects = [TOPOLOGY.event_subject("desk", e["incident_id"]) for e in events]
    items = intake.decode_all(datas, subjects, TOPOLOGY, SETTINGS, datetime.now(UTC))
    assert [type(i).__name__ for i in items] == ["Prepared", "Prepared", "Rejected", "Prepared"]
    rejected = items[2]
    assert isinstance(rejected, Rejected)
    assert defects.failure_of(rejected) == "MemoryError"


def test_other_rejections_name_no_failure() -> None:
    outcome = intake.decode(b"{", "desk", SETTINGS)
    assert isinstance(outcome, Rejected)
    assert defects.failure_of(outcome) is None


def test_a_rejections_message_and_path_are_bounded_whatever_was_sent() -> None:
    event = note("INC-1")
    event["payload"] = {"k" * 20_000: 1}
    outcome = intake.decode(msgspec.json.encode(event), "desk", SETTINGS, "INC-1")
    assert isinstance(outcome, Rejected)
    assert outcome.code == "schema_violation"
    assert len(outcome.path) <= MAX_PATH_CHARS
    assert len(outcome.message) <= MAX_MESSAGE_CHARS


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=512) | st.builds(lambda n: b"[" * n, st.integers(0, 20_000)))
def test_no_bytes_make_intake_raise(data: bytes) -> None:
    outcome = intake.decode(data, "desk", SETTINGS, "INC-1")
    assert isinstance(outcome, Rejected)
    assert outcome.code != "internal_error"
