"""Reading a log served in the ``tlog-tiles`` layout over HTTP(S): the checkpoint, hash
tiles and entry bundles under a URL prefix. Standard library only (``urllib``).

A bearer token, when the log asks for one, is read from ``LEDGER_VERIFY_TOKEN`` (never
from the command line, where other users of the machine could read it)."""

from __future__ import annotations

import gzip
import os
import urllib.error
import urllib.request
from dataclasses import dataclass

from ledger_verify.report import Malformed

TOKEN_ENV = "LEDGER_VERIFY_TOKEN"
LIMIT = 32 << 20  # no tile or bundle is near this: a larger answer is not one


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


class Unreachable(Malformed):
    """The log did not answer (connection refused, timed out, 5xx): try again later."""


@dataclass(frozen=True)
class Remote:
    prefix: str  # e.g. https://ledger.example/v1/audit/tiles
    token: str | None = None
    timeout: float = 30.0

    @classmethod
    def of(cls, url: str) -> Remote:
        return cls(url.rstrip("/"), os.environ.get(TOKEN_ENV) or None)

    def get(self, path: str) -> bytes | None:
        """The resource at ``path`` under the prefix; None when it is not there (404)."""
        request = urllib.request.Request(f"{self.prefix}/{path}")
        request.add_header("Accept-Encoding", "gzip, identity")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                data = answer.read(LIMIT + 1)
                encoding = answer.headers.get("Content-Encoding", "identity")
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            raise self._refused(path, error) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise Unreachable(
                f"{self.prefix}/{path}: no answer ({reason})", "unreachable"
            ) from None
        if len(data) > LIMIT:
            raise Malformed(f"{path}: the answer is larger than any tile", "malformed")
        return gzip.decompress(data) if encoding == "gzip" else data

    def _refused(self, path: str, error: urllib.error.HTTPError) -> Malformed:
        if error.code >= 500 or error.code == 429:
            return Unreachable(f"{path}: the log answered {error.code}", "unreachable")
        hint = f" (set {TOKEN_ENV})" if error.code in (401, 403) else ""
        return Malformed(f"{path}: the log answered {error.code}{hint}", "refused")
