"""A slow ingest cycle is named after the stage that took its time (or the collector, when
collections took half of it), and logged in one line; a quick one only observed."""

from __future__ import annotations

import gc

import pytest
import structlog
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import REGISTRY

from ledger import ledger_metrics as metrics
from ledger.domain.stalls import APPEND, COMMIT, DECODE, FETCH, STAGES, classify
from ledger.ingest.stall_log import StallWatch

pytestmark = pytest.mark.unit

MS = 1_000_000


def _spent(**ms: float) -> list[int]:
    return [int(ms.get(stage, 0) * MS) for stage in STAGES]


def test_a_cycle_within_the_threshold_is_no_stall() -> None:
    assert classify(_spent(fetch=1, append=18), 20 * MS) is None


def test_a_stall_names_the_stage_that_took_the_time() -> None:
    stall = classify(_spent(fetch=1, decode=2, append=3, commit=40, ack=0.5), 20 * MS)
    assert stall is not None
    assert (stall.stage, stall.cause, stall.total_ms) == ("commit", "commit", 46.5)
    assert stall.stages_ms == {
        "fetch": 1.0,
        "decode": 2.0,
        "append": 3.0,
        "commit": 40.0,
        "ack": 0.5,
    }


def test_waiting_for_a_core_half_the_cycle_makes_the_machine_its_cause() -> None:
    stall = classify(_spent(fetch=25, append=5), 20 * MS, cpu_wait_ns=15 * MS)
    assert stall is not None
    assert (stall.stage, stall.cause) == ("fetch", "cpu")
    both = classify(_spent(decode=30), 20 * MS, gc_ns=15 * MS, cpu_wait_ns=15 * MS)
    assert both is not None
    assert both.cause == "gc"


def test_collections_taking_half_the_cycle_make_gc_its_cause() -> None:
    stall = classify(_spent(decode=30, append=2), 20 * MS, gc_ns=16 * MS)
    assert stall is not None
    assert (stall.stage, stall.cause) == ("decode", "gc")
    assert classify(_spent(decode=30, append=2), 20 * MS, gc_ns=15 * MS).cause == "decode"  # type: ignore[union-attr]


@given(st.lists(st.integers(0, 10**10), min_size=len(STAGES), max_size=len(STAGES)))
def test_any_stall_is_named_after_its_largest_stage(spent: list[int]) -> None:
    stall = classify(spent, 20 * MS)
    if sum(spent) <= 20 * MS:
        assert stall is None
    else:
        assert stall is not None
        assert spent[STAGES.index(stall.stage)] == max(spent)
        assert set(stall.stages_ms) == {STAGES[i] for i, ns in enumerate(spent) if ns}


def _stalls(cause: str) -> float:
    return float(metrics.STALLS.labels(cause)._value.get())


def test_a_collection_during_a_cycle_is_in_its_stall_line() -> None:
    # Given a watch with a 1 ms threshold, when a full collection runs while a batch of
    # 7 is being decoded, then one line names the stage, the batch and the collection.
    watch = StallWatch(stall_ms=0.001)
    before = _stalls("decode") + _stalls("gc")
    cycle = watch.cycle()
    cycle.mark(FETCH)
    gc.collect()
    cycle.mark(DECODE)
    cycle.mark(APPEND)
    with structlog.testing.capture_logs() as logs:
        watch.finish(cycle, 7)
    [line] = logs
    assert line["event"] == "ingest stall"
    assert line["stage"] == "decode"
    assert line["batch"] == 7
    assert line["gc_during"] is True
    assert line["gc_since_last"][2] >= 1
    assert set(line["stages_ms"]) <= {"fetch", "decode", "append"}
    assert line["cpu_wait_ms"] >= 0
    assert _stalls("decode") + _stalls("gc") == before + 1


def test_a_quick_cycle_is_observed_and_not_logged() -> None:
    watch = StallWatch(stall_ms=60_000)
    seen = _commits()
    cycle = watch.cycle()
    cycle.mark(COMMIT)
    with structlog.testing.capture_logs() as logs:
        watch.finish(cycle, 1)
    assert logs == []
    assert _commits() == seen + 1


def _commits() -> float:
    count = REGISTRY.get_sample_value("ledger_ingest_stage_seconds_count", {"stage": "commit"})
    return count or 0.0


def test_a_stage_time_falls_in_the_bucket_it_does_not_exceed() -> None:
    # Given a histogram, when stages take 0.5 ms, 0.7 ms and 3 s, then the buckets count
    # as Prometheus reads them: cumulative, le inclusive, the slowest only in +Inf.
    histogram = metrics.StageHistogram()
    for ns in (500_000, 700_000, 3_000_000_000):
        histogram.observe_ns(DECODE, ns)
    [family] = histogram.collect()
    samples = {
        (s.name, s.labels.get("le")): s.value
        for s in family.samples
        if s.labels["stage"] == "decode"
    }
    assert samples[("ledger_ingest_stage_seconds_bucket", "0.0005")] == 1
    assert samples[("ledger_ingest_stage_seconds_bucket", "0.001")] == 2
    assert samples[("ledger_ingest_stage_seconds_bucket", "1.0")] == 2
    assert samples[("ledger_ingest_stage_seconds_bucket", "+Inf")] == 3
    assert samples[("ledger_ingest_stage_seconds_count", None)] == 3
    assert samples[("ledger_ingest_stage_seconds_sum", None)] == 3.0012
