"""Small builders shared by the tests: events as a publisher would send them."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from contracts import canonical
from contracts.codec import decode_envelope
from contracts.envelope import Envelope
from ledger.store.sealing import MasterKey

MASTER = MasterKey.parse(MasterKey.generate())
"""The master key of the tests' ingest, seeding and API: personal values sealed as in
production (docs/erasure.md)."""


@functools.cache
def master_key_file() -> str:
    """``MASTER`` in a private file of this process's, for the ``ledger`` processes the
    tests and benchmarks start (``LEDGER_PRIVACY_KEY_FILE``), so that what one seals the
    others open."""
    folder = Path(tempfile.mkdtemp(prefix="ledger-test-key-"))
    path = folder / "privacy.key"
    path.write_text(MASTER.text() + "\n")
    path.chmod(0o600)
    return str(path)


def note(
    incident: str = "INC-1",
    text: str = "checked",
    *,
    source: str = "desk",
    expected: int | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """A ``note.added.v1`` event as JSON-ready data."""
    event: dict[str, Any] = {
        "event_id": str(uuid.uuid4()),
        "incident_id": incident,
        "type": "note.added.v1",
        "occurred_at": canonical.timestamp(at or datetime.now(UTC)),
        "source": source,
        "actor": {"id": "u1", "name": "Li Wei", "role": "duty_manager"},
        "payload": {"text": text},
    }
    if expected is not None:
        event["expected_version"] = expected
    return event


def envelope(data: dict[str, Any]) -> Envelope:
    return decode_envelope(msgspec.json.encode(data))


def note_envelope(incident: str = "INC-1", text: str = "checked", **kw: Any) -> Envelope:
    return envelope(note(incident, text, **kw))


def ledger_process(
    command: str,
    database_url: str,
    nats_url: str,
    namespace: str,
    log: str | None = None,
    extra: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """``ledger <command>`` (ingest, project, sign) as a real process on the given servers,
    with ``extra`` settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env |= {
        "LEDGER_DATABASE_URL": database_url,
        "LEDGER_NATS_URL": nats_url,
        "LEDGER_NATS_NAMESPACE": namespace,
        "LEDGER_LOG_LEVEL": "warning",
        "LEDGER_PRIVACY_KEY_FILE": master_key_file(),
    } | (extra or {})
    err = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - the child keeps it
    ledger = str(Path(sys.executable).parent / "ledger")
    return subprocess.Popen([ledger, command], env=env, stdout=subprocess.DEVNULL, stderr=err)
