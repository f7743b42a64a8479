"""What held an ingest cycle: the stage a slow cycle spent its time in.

A cycle is one batch's way through the ingest, from the moment its first message was
taken to its acknowledgement: the time spent in each stage, in nanoseconds, indexed by
the constants below (``seal``: its personal values sealed, with the wait for the batch
before it to be sealed; ``turn``: the wait for the batches before it to be taken and
sent). A cycle over the threshold is a stall; it is named after the stage that took the
most time, and its cause is the cyclic garbage collector when collections during the
cycle took at least half of it (a collection holds whichever stage runs), or the machine
(``cpu``) when the process waited that long for a core (other processes had them), else
that stage."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

STAGES = (
    "fetch", "decode", "seal", "turn", "sequence", "reject", "append", "commit", "confirm", "ack",
)  # fmt: skip
FETCH, DECODE, SEAL, TURN, SEQUENCE, REJECT, APPEND, COMMIT, CONFIRM, ACK = range(len(STAGES))
GC_CAUSE, CPU_CAUSE = "gc", "cpu"


class Stall(msgspec.Struct, frozen=True):
    stage: str  # the stage that took the most time
    cause: str  # that stage, "gc" or "cpu" (collections, or waiting for a core: half of it)
    total_ms: float
    stages_ms: dict[str, float]  # every stage the cycle went through


def _ms(ns: int) -> float:
    return round(ns / 1e6, 2)


def classify(
    spent: Sequence[int], threshold_ns: int, gc_ns: int = 0, cpu_wait_ns: int = 0
) -> Stall | None:
    """The stall, if the cycle that spent ``spent`` (ns by stage) took longer than
    ``threshold_ns``; ``gc_ns``: the time collections took during it; ``cpu_wait_ns``: the
    time the process waited for a core meanwhile."""
    total = sum(spent)
    if total <= threshold_ns:
        return None
    worst = max(range(len(spent)), key=spent.__getitem__)
    cause = STAGES[worst]
    if 2 * gc_ns >= total:
        cause = GC_CAUSE
    elif 2 * cpu_wait_ns >= total:
        cause = CPU_CAUSE
    return Stall(
        stage=STAGES[worst],
        cause=cause,
        total_ms=_ms(total),
        stages_ms={STAGES[i]: _ms(ns) for i, ns in enumerate(spent) if ns},
    )
