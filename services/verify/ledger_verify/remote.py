"""Reading a log served in the ``tlog-tiles`` layout over HTTP(S): the checkpoint, hash
tiles and entry bundles under a URL prefix. Standard library only (``http.client``), one
kept-alive connection per reading thread.

A bearer token, when the log asks for one, is read from ``LEDGER_VERIFY_TOKEN`` (never
from the command line, where other users of the machine could read it)."""

from __future__ import annotations

import gzip
import http.client
import os
import threading
import urllib.parse
from dataclasses import dataclass, field

from ledger_verify.report import Malformed

TOKEN_ENV = "LEDGER_VERIFY_TOKEN"
LIMIT = 32 << 20  # no tile or bundle is near this: a larger answer is not one
Connection = http.client.HTTPConnection


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


class Unreachable(Malformed):
    """The log did not answer (connection refused, timed out, 5xx): try again later."""


@dataclass(frozen=True)
class Remote:
    prefix: str  # e.g. https://ledger.example/v1/audit/tiles
    token: str | None = None
    timeout: float = 30.0
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
            raise self._refused(path, status)
        if len(data) > LIMIT:
            raise Malformed(f"{path}: the answer is larger than any tile", "malformed")
        return gzip.decompress(data) if encoding == "gzip" else data

    def _ask(
        self, where: urllib.parse.SplitResult, target: str, headers: dict[str, str]
    ) -> tuple[int, str, bytes]:
        """One GET on this thread's connection; once more on a new one if a kept-alive
        connection was closed meanwhile."""
        for attempt in (1, 2):
            connection = self._connection(where)
            try:
                connection.request("GET", target, headers=headers)
                answer = connection.getresponse()
                data = answer.read(LIMIT + 1)
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

    def _refused(self, path: str, status: int) -> Malformed:
        if status >= 500 or status == 429:
            return Unreachable(f"{path}: the log answered {status}", "unreachable")
        hint = f" (set {TOKEN_ENV})" if status in (401, 403) else ""
        return Malformed(f"{path}: the log answered {status}{hint}", "refused")
