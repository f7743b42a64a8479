"""The latency runs' load generator's publishing: NATS's client protocol written on a plain
socket, each message's bytes made before the run (``frame``), so that sending one costs a
system call and the generator leaves the cores to what is measured.

nats-py's ``publish`` (and JetStream's, with its acknowledgement awaited as a future) cost
the generator about 100 µs of Python a message: half a core at 5,000/s on a machine of two,
taken from the ledger it judges. A message published to a stream's subject without a reply
subject is stored all the same (JetStream answers no one); what reached the ledger is what
its confirmations say, which is all the latency runs read. ``drain`` ends with a PING
answered, which the server sends only once it has read every message before it.

Limits: ``nats://`` (or a bare ``host:port``) without TLS; a user and password in the URL
are sent in CONNECT. JetStream's own refusals (a stream's limits) are not seen without a
reply subject: the runs count what is confirmed, and report the rest as lost.
"""

from __future__ import annotations

import contextlib
import json
import socket
from typing import Final
from urllib.parse import unquote, urlsplit

_CRLF: Final = b"\r\n"
_LOOK: Final = 64  # sends between looks for what the server said (its PINGs: every 20 s here)


class WireError(RuntimeError):
    """The server refused the connection or a message (its ``-ERR`` line)."""


def frame(subject: str, data: bytes, headers: dict[str, str]) -> bytes:
    """One ``HPUB`` of ``data`` on ``subject`` with ``headers``, as the protocol has it."""
    head = b"NATS/1.0\r\n" + b"".join(f"{k}: {v}\r\n".encode() for k, v in headers.items())
    head += _CRLF
    line = f"HPUB {subject} {len(head)} {len(head) + len(data)}\r\n".encode()
    return line + head + data + _CRLF


class WirePublisher:
    def __init__(self, url: str, timeout: float = 10.0) -> None:
        parts, self.timeout = urlsplit(url if "://" in url else f"nats://{url}"), timeout
        if parts.scheme != "nats" or not parts.hostname:
            raise WireError(f"only nats://host:port is spoken here, not {parts.scheme}://…")
        self.sock = socket.create_connection((parts.hostname, parts.port or 4222), timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._read = b""
        if b'"tls_required":true' in self._line():  # the server's INFO
            raise WireError("the server requires TLS, which is not spoken here")
        options: dict[str, object] = {"verbose": False, "pedantic": False, "headers": True}
        if parts.username:
            options |= {"user": unquote(parts.username), "pass": unquote(parts.password or "")}
        self.sock.sendall(b"CONNECT " + json.dumps(options).encode() + b"\r\nPING\r\n")
        self._until_pong()
        self.sock.settimeout(None)  # blocking: a timeout makes every send poll first
        self._sent = 0

    def send(self, data: bytes) -> None:
        """``data`` (one or more ``frame``s) written; the server's PINGs answered every
        ``_LOOK`` sends."""
        self._write(data)
        self._sent += 1
        if self._sent % _LOOK == 0:
            with contextlib.suppress(BlockingIOError):
                self._read += self.sock.recv(65536, socket.MSG_DONTWAIT)
            self._answer()

    def drain(self) -> None:
        """Return once the server has read every message sent (not: once its streams have
        stored them); then close."""
        self.sock.settimeout(self.timeout)
        try:
            self._write(b"PING\r\n")
            self._until_pong()
        except TimeoutError as exc:
            raise WireError(f"no PONG within {self.timeout} s") from exc
        finally:
            self.close()

    def close(self) -> None:
        self.sock.close()

    def _answer(self) -> None:
        while _CRLF in self._read:
            line, self._read = self._read.split(_CRLF, 1)
            self._check(line)

    def _check(self, line: bytes) -> None:
        if line.startswith(b"-ERR"):
            raise WireError(line.decode(errors="replace"))
        if line == b"PING":
            self.sock.sendall(b"PONG\r\n")

    def _write(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as exc:  # the server hung up: say why, if it said
            raise WireError(self._said() or str(exc)) from exc

    def _said(self) -> str:
        """The server's last words (an ``-ERR`` line) before it closed, if any."""
        with contextlib.suppress(OSError):
            self.sock.settimeout(1.0)
            while chunk := self.sock.recv(65536):
                self._read += chunk
        return next((x.decode(errors="replace") for x in self._read.split(_CRLF)
                     if x.startswith(b"-ERR")), "")  # fmt: skip

    def _line(self) -> bytes:
        while _CRLF not in self._read:
            if not (chunk := self.sock.recv(65536)):
                raise WireError("the server closed the connection")
            self._read += chunk
        line, self._read = self._read.split(_CRLF, 1)
        return line

    def _until_pong(self) -> None:
        while (line := self._line()) != b"PONG":
            self._check(line)
