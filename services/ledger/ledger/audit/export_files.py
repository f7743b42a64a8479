"""Writing what ``ledger-verify`` reads: full exports and incident bundles.

Pure writers over the file system and ``zipfile``, built on ``ledger_verify``'s own tree
and parsers, so that what the server writes is by construction what the verifier
checks; they refuse (``ValueError``) anything the verifier would reject for its form,
such as a checkpoint that does not sign the records written.
"""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from ledger_verify import canonical, note
from ledger_verify.bundle import FORMAT as BUNDLE_FORMAT
from ledger_verify.bundle import parse_completeness
from ledger_verify.export import FORMAT as EXPORT_FORMAT
from ledger_verify.merkle import leaf_hash
from ledger_verify.tiles import WIDTH, TiledRange, tile_path, tiles_of

MAX_RECORD = 0xFFFF  # an entry bundle frames each record with a uint16 length
_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed member times: the same bundle gives the same bytes


def _text_of(signed: str) -> str:
    """A signed note's text, unverified: the writer only checks what it is handed."""
    return signed.rpartition("\n\n")[0] + "\n"


class ExportWriter:
    """Writes an export directory as records arrive, holding at most one tile per level
    and one entry bundle, whatever the log's length."""

    def __init__(self, directory: Path, origin: str) -> None:
        self.dir, self.origin = directory, origin
        directory.mkdir(parents=True, exist_ok=True)
        self.tree, self.entries = TiledRange(), bytearray()
        self.tiles: dict[int, bytearray] = {}  # per level: the hashes of its unfinished tile
        self.columns = (directory / "columns.ndjson").open("wb")

    def __enter__(self) -> ExportWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def size(self) -> int:
        return self.tree.size

    def root(self) -> bytes:
        """The root of the records added so far: what the checkpoint must sign."""
        return self.tree.root()

    def add(self, record: bytes, columns: Mapping[str, Any]) -> None:
        """Appends the record at the next position (1, 2, …) and its columns."""
        position = self.tree.size + 1
        if len(record) > MAX_RECORD:
            raise ValueError(
                f"the record at position {position} is {len(record)} bytes; "
                f"an entry bundle holds records of at most {MAX_RECORD:,}"
            )
        line = canonical.encode(dict(columns))
        self.entries += len(record).to_bytes(2, "big") + record
        self.tree.append(leaf_hash(record))
        self.columns.write(line + b"\n")
        if self.tree.size % WIDTH == 0:
            self._write(tile_path("entries", self.tree.size // WIDTH - 1), self.entries)
            self.entries = bytearray()
            self._full_tiles()

    def finish(self, checkpoint: str, size: int, *, strict: bool = True) -> None:
        """Writes the partial tiles, the checkpoint and the manifest. ``strict``: the
        checkpoint must sign exactly the records added. An export of a live database is
        not strict: it writes what the database holds, and ``ledger-verify`` judges."""
        got = note.parse_checkpoint(_text_of(checkpoint))
        if strict and (size != self.tree.size or got != (self.origin, size, self.tree.root())):
            raise ValueError(
                f"the checkpoint ({got[0]}, size {got[1]}) does not sign the {self.tree.size} "
                f"records written for {self.origin}"
            )
        self._full_tiles()
        for level, index, width in tiles_of(self.tree.size):
            if width < WIDTH:
                self._write(tile_path(level, index, width), self.tiles[level])
        if self.entries:
            done = self.tree.size
            self._write(tile_path("entries", done // WIDTH, done % WIDTH), self.entries)
        (self.dir / "checkpoint").write_text(checkpoint)
        manifest = {"format": EXPORT_FORMAT, "origin": self.origin, "size": size}
        (self.dir / "manifest.json").write_bytes(canonical.encode(manifest) + b"\n")
        self.close()

    def close(self) -> None:
        self.columns.close()

    def _full_tiles(self) -> None:
        for write in self.tree.take():
            hashes = self.tiles.setdefault(write.level, bytearray())
            hashes += write.hashes
            if len(hashes) == WIDTH * 32:
                self._write(tile_path(write.level, write.index), hashes)
                self.tiles[write.level] = bytearray()

    def _write(self, name: str, data: bytes | bytearray) -> None:
        path = self.dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def completeness_text(
    origin: str,
    incident_id: str,
    k: int,
    size: int,
    root: bytes,
    last_position: int,
    last_hash: bytes,
) -> str:
    """The text of the signed claim that the incident had exactly ``k`` records among the
    first ``size``, the last at ``last_position`` (0 and 32 zero bytes when ``k`` is 0)."""
    text = (
        f"{origin}\nincident-completeness\nincident {incident_id}\nevents {k}\nsize {size}\n"
        f"root {base64.b64encode(root).decode()}\nlast {last_position} {last_hash.hex()}\n"
    )
    claim = parse_completeness(text)
    if (claim.origin, claim.incident_id, claim.events) != (origin, incident_id, k):
        raise ValueError(f"incident {incident_id!r} of {origin!r} has no completeness claim")
    return text


def bundle_manifest(
    *, origin: str, incident_id: str, completeness: str, records: Sequence[bytes],
    proofs: Sequence[Sequence[bytes]], columns: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:  # fmt: skip
    """The manifest of one incident's bundle, once the signed claim is shown to be about
    these records, each with one proof and one columns object (zip and JSON alike)."""
    claim = parse_completeness(_text_of(completeness))
    if (claim.origin, claim.incident_id, claim.events) != (origin, incident_id, len(records)):
        raise ValueError("the completeness claim is not about these records")
    if not len(records) == len(proofs) == len(columns):
        raise ValueError("one proof and one columns object per record")
    return {
        "format": BUNDLE_FORMAT, "origin": origin, "incident_id": incident_id,
        "size": claim.size, "events": claim.events,
    }  # fmt: skip


def bundle_zip(
    *,
    origin: str,
    incident_id: str,
    checkpoint: str,
    completeness: str,
    records: Sequence[bytes],
    proofs: Sequence[Sequence[bytes]],
    columns: Sequence[Mapping[str, Any]],
    consistency: tuple[int, int, Sequence[bytes]] | None = None,
) -> bytes:
    """The bundle zip of one incident: its records in position order, each with the
    inclusion proof of its leaf in the checkpoint's tree, and the signed claim."""
    manifest = bundle_manifest(
        origin=origin, incident_id=incident_id, completeness=completeness, records=records,
        proofs=proofs, columns=columns,
    )  # fmt: skip
    positions = [c["position"] for c in columns]  # the rows' own: records may be damaged
    members = {
        "manifest.json": _line(manifest),
        "checkpoint": checkpoint.encode(),
        "completeness": completeness.encode(),
        "records.ndjson": b"".join(record + b"\n" for record in records),
        "proofs.ndjson": b"".join(
            _line({"position": p, "proof": [h.hex() for h in proof]})
            for p, proof in zip(positions, proofs, strict=True)
        ),
        "columns.ndjson": b"".join(_line(dict(c)) for c in columns),
    }
    if consistency is not None:
        members["consistency.json"] = _line(consistency_object(consistency))
    return _zip(members)


def consistency_object(consistency: tuple[int, int, Sequence[bytes]]) -> dict[str, Any]:
    """A consistency proof between two tree sizes as a bundle carries it (zip and JSON)."""
    start, end, proof = consistency
    return {"from": start, "to": end, "proof": [h.hex() for h in proof]}


def _line(value: dict[str, Any]) -> bytes:
    return canonical.encode(value) + b"\n"


def _zip(members: Mapping[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, _EPOCH), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
