"""Policy packs edited while the projector runs: reloaded, or refused with the last good
ones kept.

A changed pack directory (file names, sizes, modification times) is reloaded through the
composition root's loader. A pack that does not load is logged with the loader's message
(file, rule, field), as is one whose version was applied before with other rules
(``projector.follow.packpins``), and the projector carries on with the packs it had. New packs
apply to
the batches folded from then on; each obligation keeps the pack version it was computed
under.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import structlog

from projector.domain.models import Config

log = structlog.get_logger(__name__)
Fingerprint = tuple[tuple[str, int, int], ...]
Vet = Callable[[Config], Awaitable[None]]


def fingerprint(directory: Path) -> Fingerprint:
    files = sorted(directory.glob("*.toml"))
    return tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files)


class PackWatch:
    def __init__(self, directory: Path, load: Callable[[], Config], config: Config) -> None:
        self.directory, self._load, self.config = directory, load, config
        self._seen = fingerprint(directory)

    async def current(self, vet: Vet | None = None) -> Config:
        """The packs to fold with now: reloaded if the directory changed, they load and
        ``vet`` (which raises ``PackError``) accepts them."""
        seen = fingerprint(self.directory)
        if seen == self._seen:
            return self.config
        try:
            config = self._load()
            if vet is not None:
                await vet(config)  # a database error leaves the change to be tried again
        except ValueError as exc:  # PackError, SettingsError
            log.error("policy packs not reloaded; keeping the last good ones", error=str(exc))
        else:
            self.config = config
            log.info("policy packs reloaded", packs=[p.id for p in config.packs])
        self._seen = seen
        return self.config
