"""Child processes that die with their parent.

Each child runs in its own session (so a terminal's Ctrl-C reaches only the ledger, which
then stops the children in order) and, on Linux, asks the kernel for a signal when its
parent dies, so even ``kill -9`` of the ledger leaves no orphan server behind.
"""

from __future__ import annotations

import ctypes
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

from plumbing.paths import open_private, private_dir

_PR_SET_PDEATHSIG = 1


_LOWEST: Final = 20_000  # the lowest port chosen at random
_EPHEMERAL: Final = Path("/proc/sys/net/ipv4/ip_local_port_range")


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing is bound to now, for a server about to start. Chosen at random below
    the kernel's ephemeral range where there is room: a port from that range (what binding
    port 0 gives) may be handed to some outgoing connection's end before the server binds
    it, which then fails to start. The kernel's choice if none is found there."""
    below = _ephemeral_start()
    for port in random.sample(range(_LOWEST, below), min(50, max(below - _LOWEST, 0))):
        if _bindable(host, port):
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _ephemeral_start() -> int:
    """The first port of the kernel's ephemeral range (Linux's default where unknown)."""
    try:
        return int(_EPHEMERAL.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def port_or_free(host: str, port: int) -> int:
    """``port`` if nothing listens on it yet, else a free one (a derived port, such as a
    second API's next to ``LEDGER_HTTP_PORT``, may be some other program's)."""
    return port if _bindable(host, port) else free_port(host)


def _die_with_parent(sig: int) -> Callable[[], None]:
    def setup() -> None:
        # Runs after the uid switch: a credential change would clear the setting.
        if sys.platform.startswith("linux"):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, sig)

    return setup


def spawn(
    argv: Sequence[str],
    *,
    log: Path,
    parent_death_signal: int,
    user: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``argv`` with output to ``log`` (mode 600, in a directory of mode 700: a
    server's log may quote what a client sent). Call from the main thread: the kernel's
    parent-death signal follows the thread that forked, not the process."""
    private_dir(log.parent)
    with open_private(log) as out:
        return subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent(parent_death_signal),
            user=user,
            env=env,
        )


def stop(proc: subprocess.Popen[bytes], sig: int, timeout: float = 30.0) -> None:
    """Signal ``proc`` to shut down and wait; kill it if it overstays ``timeout``."""
    if proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_gone(pid: int, timeout: float) -> bool:
    """Wait for a process we do not own (a previous run's server) to exit."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            pass
        time.sleep(0.1)
    return False


def wait_port(host: str, port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with status {proc.returncode} before listening")
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"not listening on {host}:{port} after {timeout:.0f}s")


__all__ = ["free_port", "spawn", "stop", "wait_gone", "wait_port"]
