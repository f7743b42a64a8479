"""What held an ingest cycle: the stage a slow cycle spent its time in.

A cycle is one batch's way through the ingest, from the moment its first message was
taken to its acknowledgement: the time spent in each stage, in nanoseconds, indexed by
the constants below. A cycle over the threshold is a stall; it is named after the stage
that took the most time, and its cause is the cyclic garbage collector when collections
during the cycle took at least half of it (a collection holds whichever stage runs)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

STAGES = ("fetch", "decode", "turn", "sequence", "reject", "append", "commit", "confirm", "ack")
FETCH, DECODE, TURN, SEQUENCE, REJECT, APPEND, COMMIT, CONFIRM, ACK = range(len(STAGES))
GC_CAUSE = "gc"


class Stall(msgspec.Struct, frozen=True):
    stage: str  # the stage that took the most time
    cause: str  # that stage, or "gc" when collections took at least half the cycle
    total_ms: float
    stages_ms: dict[str, float]  # every stage the cycle went through


def _ms(ns: int) -> float:
    return round(ns / 1e6, 2)


def classify(spent: Sequence[int], threshold_ns: int, gc_ns: int = 0) -> Stall | None:
    """The stall, if the cycle that spent ``spent`` (ns by stage) took longer than
    ``threshold_ns``; ``gc_ns``: the time collections took during it."""
    total = sum(spent)
    if total <= threshold_ns:
        return None
    worst = max(range(len(spent)), key=spent.__getitem__)
    return Stall(
        stage=STAGES[worst],
        cause=GC_CAUSE if 2 * gc_ns >= total else STAGES[worst],
        total_ms=_ms(total),
        stages_ms={STAGES[i]: _ms(ns) for i, ns in enumerate(spent) if ns},
    )
