"""``ledger rejections`` prints what the ledger refused, one line each, oldest first;
``--follow`` goes on printing new ones until Ctrl-C, and a publisher's text never
reaches the terminal as control characters."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import IO

import asyncpg
import pytest
from nats.aio.client import Client

from contracts.topology import Topology
from tests.integration.test_api_rejections import BAD, publish_bad, rejected

pytestmark = pytest.mark.integration
LEDGER = str(Path(sys.executable).parent / "ledger")


@pytest.fixture
def env(database_url: str, nats_url: str, topology: Topology, tmp_path: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    return keep | {"LEDGER_DATABASE_URL": database_url, "LEDGER_NATS_URL": nats_url,
                   "LEDGER_NATS_NAMESPACE": topology.namespace,
                   "LEDGER_DATA_DIR": str(tmp_path), "LEDGER_LOG_FORMAT": "json"}  # fmt: skip


async def _ledger(
    env: dict[str, str], *args: str, stderr: int | IO[bytes] = asyncio.subprocess.PIPE
) -> asyncio.subprocess.Process:
    """``ledger rejections``; a long-running one writes its log to a file (``stderr``), which
    nobody has to read for it to go on."""
    return await asyncio.create_subprocess_exec(
        LEDGER, "rejections", *args, env=env, preexec_fn=_as_from_a_terminal,
        stdout=asyncio.subprocess.PIPE, stderr=stderr)  # fmt: skip


def _as_from_a_terminal() -> None:
    """Ctrl-C as a terminal's shell gives it: whatever the test worker inherited (in the
    full suite SIGINT reached the command ignored or blocked), default and deliverable."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


async def test_given_rejections_then_each_is_one_line_oldest_first(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology, env: dict[str, str]
) -> None:
    await publish_bad(nc, topology)
    done = await _ledger(env)
    out, err = await asyncio.wait_for(done.communicate(), 60)
    assert done.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert [ln.split("  ")[1] for ln in lines] == [s for s, bodies in BAD.items() for _ in bodies]
    only = await _ledger(env, "--source", "desk", "--since", "2000-01-01T00:00:00Z")
    out, _ = await asyncio.wait_for(only.communicate(), 60)
    assert len(out.decode().splitlines()) == len(BAD["desk"])
    bad = await _ledger(env, "--since", "0.5")
    _, err = await asyncio.wait_for(bad.communicate(), 60)
    assert bad.returncode == 2
    assert "--since" in err.decode()


async def test_following_prints_new_rejections_until_ctrl_c(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology, env: dict[str, str]
) -> None:
    await publish_bad(nc, topology)
    log = Path(env["LEDGER_DATA_DIR"]) / "follow.log"
    with log.open("wb") as err:
        following = await _ledger(env, "--follow", "--source", "cad", stderr=err)
    assert following.stdout is not None
    for _ in BAD["cad"]:
        await asyncio.wait_for(following.stdout.readline(), 60)
    await nc.jetstream().publish(topology.event_subject("cad", "INC-9"), b'\x1b[2J{"a":')
    await rejected(nc, topology, sum(map(len, BAD.values())) + 1)
    new = (await asyncio.wait_for(following.stdout.readline(), 60)).decode()
    assert "  cad  " in new
    assert "\x1b" not in new
    following.send_signal(signal.SIGINT)
    await asyncio.wait_for(following.communicate(), 30)  # its output drained meanwhile
    assert following.returncode == 0, log.read_text(errors="replace")[-3000:]


async def test_before_any_stream_exists_the_command_says_so(env: dict[str, str]) -> None:
    listing = await _ledger(env)
    out, err = await asyncio.wait_for(listing.communicate(), 60)
    assert (listing.returncode, out) == (0, b""), err.decode()
    following = await _ledger(env, "--follow")
    _, err = await asyncio.wait_for(following.communicate(), 60)
    assert following.returncode == 1
    assert "no rejection stream yet" in err.decode()
