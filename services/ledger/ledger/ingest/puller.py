"""A pull consumer that keeps one batch request open and collects messages as they come.

nats-py's ``fetch()`` awaits every message of a batch with its own timeout, which costs
more than the rest of the delivery together (figures in tests/bench/README.md).
This keeps the library's connection, messages, acks and reconnection, and replaces only
that loop: one ``CONSUMER.MSG.NEXT`` request of ``batch`` messages is outstanding at a
time, its messages land in a buffer through a subscription callback, and the next request
goes out as soon as the previous one is fulfilled or expires, so delivery continues while
the ledger commits.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import msgspec
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from contracts.topology import Topology

_DONE = {"404", "408"}  # no messages / request expired: the request is over
_HEARTBEAT = "100"


class ConsumerGone(RuntimeError):
    """The server ended the pull (e.g. 409 consumer deleted): rebuild from the ledger."""


class Puller:
    def __init__(self, nc: Client, topology: Topology, batch: int, expires: float = 5.0) -> None:
        self.nc, self.batch, self.expires = nc, batch, expires
        self._next = (
            f"$JS.API.CONSUMER.MSG.NEXT.{topology.events_stream}.{topology.ingest_consumer}"
        )
        self._inbox = nc.new_inbox()
        self._buffer: list[Msg] = []
        self._ready = asyncio.Event()
        self._outstanding = 0
        self._asked_at = 0.0
        self._error: str | None = None
        self._sub: Subscription | None = None
        self.waited_ns = 0  # how long the last ``take`` waited for a first message
        self._arrived = 0  # when the buffer last took a message while empty

    async def start(self) -> None:
        self._sub = await self.nc.subscribe(
            self._inbox,
            cb=self._on_msg,
            pending_msgs_limit=4 * self.batch + 100,
            pending_bytes_limit=256 * 1024 * 1024,
        )
        await self._ask()

    async def stop(self) -> None:
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()

    async def _ask(self) -> None:
        self._outstanding, self._asked_at = self.batch, time.monotonic()
        request = {"batch": self.batch, "expires": int(self.expires * 1e9)}
        await self.nc.publish(self._next, msgspec.json.encode(request), reply=self._inbox)

    async def _on_msg(self, msg: Msg) -> None:
        # The server's status answers come without a reply subject; a stream's message has
        # one (its $JS.ACK subject), whatever headers its publisher gave it: nats-py files a
        # publisher's own "Status" header where it files the server's status, and taking
        # that for a 409 gave up the lead, for a 404 dropped the message, at every reading.
        status = msg.headers.get("Status") if msg.headers and not msg.reply else None
        if status is None:
            if not self._buffer:
                self._arrived = time.perf_counter_ns()
            self._buffer.append(msg)
            self._outstanding -= 1
        elif status in _DONE:
            self._outstanding = 0
        elif status != _HEARTBEAT:
            self._error = f"{status} {msg.headers.get('Description', '') if msg.headers else ''}"
        if self._outstanding <= 0 and len(self._buffer) < self.batch and not self._error:
            await self._ask()
        self._ready.set()

    async def take(self, wait: float, limit: int | None = None) -> list[Msg]:
        """Up to ``limit`` (default ``batch``) messages in stream order, waiting up to
        ``wait`` for the first (not at all when ``wait`` is 0)."""
        if self._error:
            raise ConsumerGone(self._error)
        self.waited_ns = 0
        if not self._buffer and wait > 0:
            self._ready.clear()
            began = time.perf_counter_ns()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ready.wait(), wait)
            waited = (self._arrived if self._buffer else time.perf_counter_ns()) - began
            self.waited_ns = max(0, waited)  # up to the first message's arrival
        await self._revive()
        limit = self.batch if limit is None else limit
        taken, self._buffer = self._buffer[:limit], self._buffer[limit:]
        if self._outstanding <= 0 and len(self._buffer) < self.batch:
            await self._ask()
        return taken

    async def _revive(self) -> None:
        """A request lost with a dropped connection never expires here: ask again."""
        if self._outstanding > 0 and time.monotonic() - self._asked_at > self.expires + 2:
            await self._ask()
