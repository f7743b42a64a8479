"""Given a process with a pool of workers, when it is killed outright (kill -9, no chance to
shut its pool down), then its workers end too instead of living on as orphans."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from plumbing import workers

pytestmark = pytest.mark.unit

PARENT = """
import os, sys, time
from plumbing import workers
if __name__ == "__main__":
    pool = workers.pool(1)
    print(pool.submit(os.getpid).result(), flush=True)
    time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_workers_end_when_their_parent_is_killed() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        worker = int(parent.stdout.readline())
        assert _alive(worker)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10 * workers.FOLLOW_SECONDS + 5
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(worker)
    finally:
        parent.kill()
