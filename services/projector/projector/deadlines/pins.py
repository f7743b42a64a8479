"""A pack version's meaning, pinned: every obligation names the ``(pack_id, version)`` it
was computed under, so one version must never stand for two sets of rules. A pack's
digest covers what it says once loaded (rules, calendar, report stages), not its comments
or layout; a changed digest under a version already applied is refused."""

from __future__ import annotations

import hashlib

import msgspec

from projector.deadlines.model import Pack
from projector.deadlines.units import Duration, TimeOfDay


def _text(value: object) -> str:
    if isinstance(value, Duration | TimeOfDay):
        return repr(value)  # "4h", "09:30": as the pack writes them
    raise TypeError(f"no digest form for {type(value).__name__}")


_encode = msgspec.json.Encoder(order="sorted", enc_hook=_text).encode
Pinned = dict[tuple[str, str], bytes]


def digest(pack: Pack) -> bytes:
    """SHA-256 of the loaded pack in sorted-key JSON (sets sorted too), its file aside."""
    return hashlib.sha256(_encode(msgspec.structs.replace(pack, file=""))).digest()


def conflicts(packs: list[Pack], pinned: Pinned) -> list[str]:
    """Why each pack whose version was applied before with other rules is refused."""
    return [
        f"{pack.file or pack.id}: pack {pack.id!r} version {pack.version!r} was applied "
        f"before with other rules (digest {pinned[key].hex()[:12]}, now {now.hex()[:12]}); "
        "a changed pack needs a new version"
        for pack in packs
        if (key := (pack.id, pack.version)) in pinned and pinned[key] != (now := digest(pack))
    ]
