"""The claim pack: one zip an insurer can check on its own. Pure.

``report.pdf`` (the incident's report, as the reader may see it: ``report_pdf``),
``timeline.json`` and ``timeline.csv`` (every entry with its hash and link), ``losses.json``
(the loss book and the claim rows), ``evidence.csv`` (each attachment's SHA-256 and the
hash of the record that carries it), ``deadlines.json``, and ``manifest.json`` with the
SHA-256 of every other file. For the clerk role, personal fields are blanked throughout
(:func:`contracts.personal.redact`): events, the loss book and claim rows, deadlines.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import datetime
from typing import Any

import msgspec

from contracts.envelope import Actor
from contracts.personal import EVENT, How, blanked, transform
from projector.domain import losses
from projector.domain.facts import from_record
from projector.domain.models import Config, project
from projector.domain.profiles import Registry
from projector.views import entries as timeline_entries
from projector.views.csv_text import csv_bytes

Profiles = tuple[Registry, int]
EVIDENCE_COLUMNS = (
    "position", "occurred_at", "kind", "uri", "sha256", "retained_until", "description",
    "record_hash",
)  # fmt: skip


def _through(entry: timeline_entries.Entry, how: How) -> timeline_entries.Entry:
    event = transform(msgspec.json.decode(entry.event), how, EVENT)
    raw = msgspec.Raw(msgspec.json.encode(event))
    return msgspec.structs.replace(entry, event=raw, actor=transform(entry.actor, how, Actor))


def _evidence(entries: list[timeline_entries.Entry]) -> bytes:
    rows = [
        [
            e.position,
            e.occurred_at.isoformat(),
            p.get("kind"),
            p.get("uri"),
            p.get("sha256"),
            p.get("retained_until") or "",
            p.get("description") or "",
            e.hash,
        ]
        for e in entries
        if e.type == "evidence.attached.v1" and (p := msgspec.json.decode(e.event)["payload"])
    ]
    return csv_bytes(EVIDENCE_COLUMNS, rows)


def files(
    rows: list[Any],
    config: Config,
    now: datetime,
    *,
    personal: bool,
    profiles: Profiles,
    shown: How | None = None,
    report: bytes | None = None,
) -> dict[str, bytes]:
    """``profiles``: the registry and the position it is read at (see ``models.project``);
    ``shown``: how a reader who sees personal data sees each personal field (the sealed
    values opened; None: as recorded); ``report``: the report as a PDF, to include."""
    pairs = [timeline_entries.entry(r, "en", config) for r in rows]
    facts = [f for _, f in pairs]
    fixes = {e.position: timeline_entries.corrected_id(f) for e, f in pairs}
    entries = timeline_entries.linked(pairs)
    models = project(facts, now=now, config=config, registry=profiles[0], read=profiles[1])
    run = losses.loss_run_rows(models.losses)
    how = shown if personal else blanked
    if how is not None:  # everything leaving, typed or as JSON, through the one redaction
        entries = [_through(e, how) for e in entries]
        models, run = transform(models, how), transform(run, how)
    return {
        **({"report.pdf": report} if report is not None else {}),
        "timeline.json": msgspec.json.encode(entries),
        "timeline.csv": csv_bytes(
            timeline_entries.CSV_COLUMNS,
            (timeline_entries.csv_row(e, fixes[e.position]) for e in entries),
        ),
        "losses.json": msgspec.json.encode({"book": models.losses, "claims": run}),
        "evidence.csv": _evidence(entries),
        "deadlines.json": msgspec.json.encode(models.obligations),
    }


def zipped(
    rows: list[Any],
    config: Config,
    now: datetime,
    *,
    personal: bool,
    profiles: Profiles,
    shown: How | None = None,
    report: bytes | None = None,
) -> bytes:
    contents = files(
        rows, config, now, personal=personal, profiles=profiles, shown=shown, report=report
    )
    last = rows[-1]
    manifest = {
        "incident_id": from_record(
            last["position"], last["version"], last["recorded_at"], last["record"]
        ).incident_id,
        "generated_at": now.isoformat(),
        "personal_data": "included" if personal else "redacted",
        "events": len(rows),
        "head": {"position": last["position"], "hash": last["hash"].hex()},
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in contents.items()},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
        archive.writestr("manifest.json", msgspec.json.encode(manifest))
    return buffer.getvalue()
