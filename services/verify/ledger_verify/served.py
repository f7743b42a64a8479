"""Verifying a log served in the ``tlog-tiles`` layout (``GET …/checkpoint``,
``…/tile/…``), as an export is verified (``ledger_verify.export``) but read over HTTP.

A full run reads every entry bundle and hash tile the signed checkpoint's tree has,
recomputes the tree from the records and every upper tile from the tiles below it, and
compares the root with the signed one. From a pin state the run is incremental: only the
entry bundles and level-0 tiles after the pin are read, and the pinned compact range
extended with their leaves must give the newer checkpoint's root, which is the
consistency of the newer tree with the pinned one. A served log has no columns file:
what a run proves of the records is their bytes, order and continuity.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO, Any

from ledger_verify import note
from ledger_verify.export import _Export
from ledger_verify.pin_state import Pinned
from ledger_verify.prefetch import AHEAD, Prefetch
from ledger_verify.remote import Remote
from ledger_verify.report import MALFORMED, Finding, Malformed, Report, Stop
from ledger_verify.tiles import WIDTH, tile_path
from ledger_verify.trust import Checkpoint


def verify(
    remote: Remote,
    keys: list[note.Verifier],
    pin: str | None = None,
    *,
    state: Pinned | None = None,
    quick: bool = True,
) -> Report:
    """Everything wrong with the log served at ``remote``; from ``state``, only the records
    after it are read. A valid run leaves the state at the served checkpoint on
    ``report.state``; ``quick=False``: the plain checker only (the same findings)."""
    report = Report("tiles")
    reader = _Served(remote, keys, report, quick)
    try:
        reader.run(pin, None, state)
    except Stop as stop:
        report.stop(stop)
    finally:
        reader.ahead.close()
    return report


class _Served(_Export):
    has_columns = False

    def __init__(
        self, remote: Remote, keys: list[note.Verifier], report: Report, quick: bool
    ) -> None:
        super().__init__(Path(remote.prefix), keys, report, quick, 1)
        self.remote, self.size = remote, 0
        self.ahead = Prefetch(remote.get)

    def _signed(self) -> str:
        data = self.remote.get("checkpoint")
        if data is None:
            raise Malformed(f"{self.remote.prefix}/checkpoint: none is served", "missing")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise Malformed("the checkpoint is not UTF-8 text", "malformed") from None

    def _manifest(self, checkpoint: Checkpoint) -> None:
        self.size = checkpoint.size  # no manifest: the tree is the checkpoint's

    def _parallel(self, size: int, state: Pinned | None) -> bool:
        return False

    def _widths(self, index: int) -> list[int]:
        """The width the checkpoint's tree gives the entry bundle at ``index``."""
        width = min(WIDTH, self.size - index * WIDTH)
        return [width] if width > 0 else []

    def _entry_bundle(self, index: int, width: int) -> bytes | None:
        """The bundle, and the next bundles and level-0 tiles the walk will ask for."""
        upcoming = [i for i in range(index, index + AHEAD // 2) if self._widths(i)]
        self.ahead.ahead([
            tile_path(kind, i, self._widths(i)[0]) for i in upcoming for kind in ("entries", 0)
        ])  # fmt: skip
        return self.ahead.get(tile_path("entries", index, width))

    def _tile(self, level: int, index: int, width: int) -> bytes | None:
        name = tile_path(level, index, width)
        data = self.ahead.get(name)
        if data is None:
            self.report.add(Finding("missing-tile", f"the tile {name} is not served"), MALFORMED)
        elif len(data) != width * 32:
            message = f"the tile {name} holds {len(data)} bytes, {width * 32} expected"
            self.report.add(Finding("tile-size", message), MALFORMED)
            data = None
        return data

    # No columns are served: none to read, skip or count.
    def _open_columns(self) -> IO[bytes]:
        return io.BytesIO()

    def _line(self, columns: IO[bytes]) -> bytes | None:
        return None

    def _columns(self, columns: IO[bytes], position: int) -> dict[str, Any] | None:
        return None

    def _skip_columns(self, columns: IO[bytes]) -> None:
        return None

    def _columns_left(self, columns: IO[bytes], size: int) -> None:
        return None
