"""Reading ahead: the next few resources of a walk fetched in threads while the current
one is checked, so that a served log is read at the network's pace rather than one round
trip at a time. Standard library only."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

AHEAD = 16  # resources in flight: a few MB of entry bundles at most


class Prefetch:
    """``get(name)`` for names asked in order; ``plan(names)`` says which come next."""

    def __init__(self, fetch: Callable[[str], bytes | None], threads: int = 8) -> None:
        self.fetch, self.pool = fetch, ThreadPoolExecutor(threads, "ledger-verify-fetch")
        self.flying: dict[str, Future[bytes | None]] = {}

    def ahead(self, names: list[str]) -> None:
        """Starts fetching ``names`` (already started ones are left as they are)."""
        for name in names:
            if name not in self.flying and len(self.flying) < AHEAD:
                self.flying[name] = self.pool.submit(self.fetch, name)

    def get(self, name: str) -> bytes | None:
        """The resource, from a fetch started ahead or now; its errors are raised here."""
        flying = self.flying.pop(name, None)
        return flying.result() if flying is not None else self.fetch(name)

    def close(self) -> None:
        for flying in self.flying.values():
            flying.cancel()
        self.pool.shutdown(wait=True, cancel_futures=True)
