"""Wiring for the checkpoint signer: its key, state and output directories from the
settings, and where its checkpoints and alerts are published."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import structlog
from ledger_verify import note
from nats.aio.client import Client

from contracts.topology import Topology
from ledger.audit import signer
from plumbing.paths import PRIVATE_DIR, write_private
from plumbing.settings import Settings

log = structlog.get_logger(__name__)
DEV_KEY = "dev-signer.key"


def dev_key(data_dir: Path, origin: str) -> Path:
    """A development signing key in the data directory, made once (``ledger up``)."""
    path = data_dir / DEV_KEY
    if not path.exists():
        # made private when new, never narrowed: under root, the embedded PostgreSQL's
        # service user passes through it to its own directory
        data_dir.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
        write_private(path, (str(note.generate(origin)) + "\n").encode())
    return path


def claim_key(settings: Settings) -> note.Signer | None:
    """The key the API signs bundles' completeness claims with: the checkpoint key, so
    that one pinned verifier key checks both."""
    key_file = settings.audit.key_file
    return None if key_file is None else note.parse_signer(key_file.read_text().strip())


def make(settings: Settings, key_file: Path) -> signer.Signer:
    audit, data_dir = settings.audit, settings.stack.data_dir
    key = note.parse_signer(key_file.read_text().strip())
    policy = signer.Policy(audit.interval, audit.every, audit.idle)
    state_dir = audit.state_dir or data_dir / "signer"
    out_dir = audit.checkpoint_dir or data_dir / "checkpoints"
    return signer.Signer(key, settings.ingest.origin, state_dir, out_dir, policy)


async def run(database_url: str, nc: Client, settings: Settings, stop: asyncio.Event) -> None:
    key_file = settings.audit.key_file
    if key_file is None:
        log.warning("LEDGER_AUDIT_KEY_FILE is unset: checkpoints are not signed")
        return
    topology, js = Topology(settings.nats.namespace), nc.jetstream()

    async def publish(signed: str) -> None:
        ident = hashlib.sha256(signed.encode()).hexdigest()
        await js.publish(
            topology.checkpoint_subject, signed.encode(), headers={"Nats-Msg-Id": ident}
        )

    async def alert(reason: str) -> None:
        await js.publish(topology.audit_alert_subject, reason.encode())

    await signer.run(database_url, make(settings, key_file), publish, alert, stop)
