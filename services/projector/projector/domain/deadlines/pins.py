"""A pack version's meaning, pinned: every obligation names the ``(pack_id, version)`` it
was computed under, so one version must never stand for two sets of rules. A pack's
digest covers what its file says (rules, calendar, report stages), not its comments or
layout; a changed digest under a version already applied is refused."""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from projector.domain.deadlines.model import Pack

_encode = msgspec.json.Encoder(order="sorted").encode
Pinned = dict[tuple[str, str], bytes]


def written(data: dict[str, Any]) -> bytes:
    """SHA-256 of a pack's TOML as parsed (single values where lists go already made
    lists), in sorted-key JSON: what the file says, whatever the model's code makes of it,
    so that a new field or default in the code never changes an applied pack's digest."""
    return hashlib.sha256(_encode(data)).digest()


def digest(pack: Pack) -> bytes:
    """The loader's digest; for a pack built in code, one of its fields as they stand."""
    if pack.digest:
        return pack.digest
    fields = msgspec.structs.asdict(msgspec.structs.replace(pack, file=""))
    return written(msgspec.to_builtins(fields, enc_hook=repr))


def conflicts(packs: list[Pack], pinned: Pinned) -> list[str]:
    """Why each pack whose version was applied before with other rules is refused."""
    return [
        f"{pack.file or pack.id}: pack {pack.id!r} version {pack.version!r} was applied "
        f"before with other rules (digest {pinned[key].hex()[:12]}, now {now.hex()[:12]}); "
        "a changed pack needs a new version"
        for pack in packs
        if (key := (pack.id, pack.version)) in pinned and pinned[key] != (now := digest(pack))
    ]
