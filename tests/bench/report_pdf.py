"""PDF report benchmark (issue 23): the seconds from a report's content to its PDF bytes
(the outline, the font cut to the document's characters and fixed at two weights, the
layout, the embedded subsets), for a short report in both languages and for a long one
with ``LEDGER_BENCH_REPORT_NOTES`` notes (default 500) in Chinese and English. Reading
the incident from PostgreSQL is not in this figure. The last line printed is one JSON
object.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from contracts import builders as b
from contracts.enums import IncidentKind, ReportChannel
from contracts.envelope import Actor, Envelope
from contracts.events import Site
from projector.domain.facts import Fact
from projector.domain.models import Config, project
from projector.domain.profiles import Registry
from projector.views import report_pdf
from projector.views.ledger_tie import Checkpoint, LedgerTie, verify_command
from projector.views.reporting import Reader, Report, build

NOTES = int(os.environ.get("LEDGER_BENCH_REPORT_NOTES", "500"))
T0 = datetime(2026, 11, 20, 2, 20, tzinfo=UTC)
ENV: dict[str, Any] = {"incident_id": "BENCH-1", "source": "bench", "actor": Actor(id="b")}
TIE = LedgerTie(incident_id="BENCH-1", position=1, hash="ab" * 32,
                checkpoint=Checkpoint(size=9, root="cd" * 32, signed_at=T0),
                verify=verify_command("BENCH-1"))  # fmt: skip


def _story(notes: int) -> list[Envelope]:
    reported = b.report_incident(kind=IncidentKind.FIRE, title="厨房起火 kitchen fire",
                                 channel=ReportChannel.PHONE,
                                 site=Site(name="食堂 canteen", location_code="C-1"),
                                 occurred_at=T0, **ENV)  # fmt: skip
    said = [
        b.add_note(
            text=f"第{n}次巡查：现场无明火 round {n}: no open flame",
            occurred_at=T0 + timedelta(minutes=n + 1),
            **ENV,
        )
        for n in range(notes)
    ]
    return [reported, *said]


def _report(notes: int) -> Report:
    story = [Fact(i, i, T0, e) for i, e in enumerate(_story(notes), start=1)]
    now = T0 + timedelta(days=1)
    models = project(story, now=now, config=Config([]), registry=Registry())
    reader = Reader(None, "Asia/Shanghai")
    return build(story, models, None, None, now, reader=reader, ledger=TIE)


def run(notes: int) -> tuple[float, int]:
    """Seconds and bytes of one report's PDF."""
    report = _report(notes)
    began = time.perf_counter()
    document = report_pdf.pdf(report)
    return time.perf_counter() - began, len(document)


def main() -> None:
    figures: dict[str, object] = {"notes": NOTES}
    for name, notes in (("short", 0), ("long", NOTES)):
        seconds, size = run(notes)
        figures |= {f"{name}_seconds": round(seconds, 2), f"{name}_bytes": size}
        print(f"{name}: {seconds:.2f} s, {size:,} bytes, {notes} notes")
    print(msgspec.json.encode(figures).decode())


if __name__ == "__main__":
    main()
