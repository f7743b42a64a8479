"""Reading a log served in the ``tlog-tiles`` layout over HTTP(S): the checkpoint, hash
tiles and entry bundles under a URL prefix. Standard library only (``http.client``), one
kept-alive connection per reading thread.

A bearer token, when the log asks for one, is read from ``LEDGER_VERIFY_TOKEN`` (never
from the command line, where other users of the machine could read it)."""

from __future__ import annotations

import functools
import http.client
import io
import json
import os
import socket
import threading
import time
import urllib.parse
import zlib
from dataclasses import dataclass, field

from ledger_verify.report import Malformed

TOKEN_ENV = "LEDGER_VERIFY_TOKEN"
LIMIT = 32 << 20  # no tile or bundle is near this: a larger answer is not one
DEADLINE = 120.0  # seconds for one whole answer, however slowly its bytes come
Connection = http.client.HTTPConnection


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


class Unreachable(Malformed):
    """The log did not answer (connection refused, timed out, 5xx): try again later."""


@dataclass(frozen=True)
class Remote:
    prefix: str  # e.g. https://ledger.example/v1/audit/tiles
    token: str | None = None
    timeout: float = 30.0  # seconds to connect, and the longest silence while reading
    deadline: float = DEADLINE
    limit: int = LIMIT  # bytes of an answer, as sent and once inflated
    local: threading.local = field(default_factory=threading.local, compare=False, repr=False)

    @classmethod
    def of(cls, url: str) -> Remote:
        return cls(url.rstrip("/"), os.environ.get(TOKEN_ENV) or None)

    def get(self, path: str) -> bytes | None:
        """The resource at ``path`` under the prefix; None when it is not there (404)."""
        where = urllib.parse.urlsplit(self.prefix)
        target = f"{where.path.rstrip('/')}/{path}"
        headers = {"Accept-Encoding": "gzip, identity"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        status, encoding, data = self._ask(where, target, headers)
        if status == 404:
            return None
        if status != 200:
            raise self._refused(path, status, _detail(data))
        if len(data) > self.limit:
            raise Malformed(f"{path}: the answer is larger than any tile", "malformed")
        if encoding == "gzip":
            return gunzip(path, data, self.limit)
        if encoding != "identity":
            raise Malformed(f"{path}: the answer's encoding {encoding!r} was not asked for")
        return data

    def _ask(
        self, where: urllib.parse.SplitResult, target: str, headers: dict[str, str]
    ) -> tuple[int, str, bytes]:
        """One GET on this thread's connection; once more on a new one if a kept-alive
        connection was closed meanwhile."""
        for attempt in (1, 2):
            connection = self._connection(where)
            until = time.monotonic() + self.deadline
            connection.response_class = functools.partial(_Answer, until=until)  # type: ignore[assignment]
            try:
                connection.request("GET", target, headers=headers)
                answer = connection.getresponse()
                data = answer.read(self.limit + 1)
                return answer.status, answer.getheader("Content-Encoding", "identity"), data
            except (http.client.HTTPException, OSError) as error:
                connection.close()
                self.local.connection = None
                if attempt == 2 or not isinstance(error, http.client.RemoteDisconnected):
                    message = f"{where.netloc}{target}: no answer ({error})"
                    raise Unreachable(message, "unreachable") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _connection(self, where: urllib.parse.SplitResult) -> Connection:
        connection: Connection | None = getattr(self.local, "connection", None)
        if connection is None:
            kind = http.client.HTTPSConnection if where.scheme == "https" else Connection
            connection = kind(where.netloc, timeout=self.timeout)
            self.local.connection = connection
        return connection

    def _refused(self, path: str, status: int, detail: str) -> Malformed:
        if status >= 500 or status == 429:
            return Unreachable(f"{path}: the log answered {status}{detail}", "unreachable")
        hint = f" (set {TOKEN_ENV})" if status in (401, 403) else ""
        return Malformed(f"{path}: the log answered {status}{hint}{detail}", "refused")


def _detail(answer: bytes) -> str:
    """An error answer's problem detail (RFC 9457), quoted short, or nothing."""
    try:
        detail = json.loads(answer[:8192]).get("detail")  # a longer one is no problem text
    except (ValueError, AttributeError, RecursionError):
        return ""
    return f": {detail[:300]!r}" if isinstance(detail, str) and detail else ""


def gunzip(path: str, data: bytes, limit: int) -> bytes:
    """A gzip answer inflated, at most ``limit`` bytes of it: a small answer inflating to
    more (a "gzip bomb"), or one that is no whole gzip stream, is malformed."""
    inflate = zlib.decompressobj(wbits=31)
    try:
        out = inflate.decompress(data, limit + 1)
    except zlib.error as error:
        raise Malformed(f"{path}: the answer is not valid gzip ({error})", "malformed") from None
    if len(out) > limit or inflate.unconsumed_tail:
        raise Malformed(f"{path}: the answer inflates to more than any tile", "malformed")
    if not inflate.eof:
        raise Malformed(f"{path}: the answer's gzip stream is cut short", "malformed")
    if inflate.unused_data:
        raise Malformed(f"{path}: the answer has bytes after its gzip stream", "malformed")
    return out


_LATE = "the answer took longer than its deadline"


class _Answer(http.client.HTTPResponse):
    """A response read from a socket that gives up at a monotonic deadline: a server
    dripping a byte just before each timeout cannot hold a reader for longer."""

    def __init__(self, sock: socket.socket, *args: object, until: float, **kwargs: object):
        super().__init__(_Timed(sock, until), *args, **kwargs)  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Timed:
    sock: socket.socket
    until: float

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(_TimedReader(self.sock, self.until))


class _TimedReader(io.RawIOBase):
    def __init__(self, sock: socket.socket, until: float) -> None:
        super().__init__()
        self.sock, self.until, self.timeout = sock, until, sock.gettimeout()
        self.raw = sock.makefile("rb", buffering=0)  # keeps the socket open until closed

    def close(self) -> None:
        self.raw.close()
        super().close()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int | None:  # type: ignore[override]
        left = self.until - time.monotonic()
        if left <= 0:
            raise TimeoutError(_LATE)
        late = self.timeout is None or left < self.timeout  # the deadline comes first
        self.sock.settimeout(left if late else self.timeout)
        try:
            return self.raw.readinto(buffer)
        except TimeoutError:
            raise TimeoutError(_LATE if late else "timed out") from None
        finally:
            self.sock.settimeout(self.timeout)
