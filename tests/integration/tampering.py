"""What a database superuser can do to a ledger behind the application's back: each
function takes an owner connection, switches the guarding triggers off, changes history
one way and switches them on again. The tamper tests run ``ledger verify`` and
``ledger-verify`` after each."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable

import asyncpg
from ledger_verify import tiles
from ledger_verify.merkle import leaf_hash

Tamper = Callable[[asyncpg.Connection], Awaitable[None]]
TRIGGERS = ("events_no_update", "events_no_delete", "events_positions_gapless")


async def unguarded(owner: asyncpg.Connection, statements: list[str], *args: object) -> None:
    for trigger in TRIGGERS:
        await owner.execute(f"ALTER TABLE events DISABLE TRIGGER {trigger}")
    for statement in statements:
        await owner.execute(statement, *args) if args else await owner.execute(statement)
    for trigger in TRIGGERS:
        await owner.execute(f"ALTER TABLE events ENABLE ALWAYS TRIGGER {trigger}")


async def rehash(owner: asyncpg.Connection, position: int) -> None:
    """The row's hash column, and its successor's link, recomputed from its record."""
    record = await owner.fetchval("SELECT record FROM events WHERE position = $1", position)
    digest = hashlib.sha256(record).digest()
    await unguarded(owner, [
        "UPDATE events SET hash = $2 WHERE position = $1",
        "UPDATE events SET prev_hash = $2 WHERE prev_position = $1",
    ], position, digest)  # fmt: skip


async def reseal(owner: asyncpg.Connection) -> None:
    """merkle_head recomputed over the records as they now are (tiles stay: they only
    grow, and a superuser rewriting them too is caught by the signed roots instead)."""
    records = await owner.fetch("SELECT record FROM events ORDER BY position")
    tree = tiles.TiledRange()
    tree.extend(leaf_hash(r["record"]) for r in records)
    await owner.execute(
        "UPDATE merkle_head SET size = $1, hashes = $2, root = $3",
        tree.size, tree.hashes, tree.root(),
    )  # fmt: skip


def _text_edit(position: int, old: str, new: str) -> str:
    return (
        "UPDATE events SET record = convert_to(replace(convert_from(record, 'UTF8'),"
        f" '{old}', '{new}'), 'UTF8') WHERE position = {position}"
    )


async def flip_a_byte(owner: asyncpg.Connection) -> None:
    await unguarded(owner, [
        "UPDATE events SET record = set_byte(record, 40, get_byte(record, 40) # 1)"
        " WHERE position = 100",
    ])  # fmt: skip


async def edit_and_rehash(owner: asyncpg.Connection) -> None:
    await unguarded(owner, [_text_edit(100, '"text":"step', '"text":"STEP')])
    await rehash(owner, 100)
    await reseal(owner)


async def edit_a_column(owner: asyncpg.Connection) -> None:
    await unguarded(owner, ["UPDATE events SET type = 'incident.closed' WHERE position = 100"])


async def delete_a_row(owner: asyncpg.Connection) -> None:
    await unguarded(owner, ["DELETE FROM events WHERE position = 100"])
    await reseal(owner)


async def _swap(owner: asyncpg.Connection, a: int, b: int) -> None:
    await unguarded(owner, [
        "UPDATE events e SET record = o.record, hash = o.hash FROM events o"
        f" WHERE (e.position, o.position) IN (({a}, {b}), ({b}, {a}))",
    ])  # fmt: skip


async def swap_within_an_incident(owner: asyncpg.Connection) -> None:
    await _swap(owner, 100, 105)  # incidents cycle through 5: same incident


async def swap_across_incidents(owner: asyncpg.Connection) -> None:
    await _swap(owner, 100, 101)


async def truncate_the_tail(owner: asyncpg.Connection) -> None:
    await unguarded(owner, ["DELETE FROM events WHERE position > 550"])
    await reseal(owner)


async def insert_a_forged_row(owner: asyncpg.Connection) -> None:
    """A row slipped in at position 101, every later row moved up one."""
    await unguarded(owner, [
        "UPDATE events SET position = position + 1000000 WHERE position > 100",
        "UPDATE events SET position = position - 999999 WHERE position > 1000000",
        "UPDATE events SET prev_position = prev_position + 1 WHERE prev_position > 100",
        "INSERT INTO events SELECT 101, gen_random_uuid(), 'FORGED', 1, type, source,"
        " occurred_at, recorded_at, record, hash, NULL, NULL FROM events WHERE position = 100",
    ])  # fmt: skip
    await reseal(owner)


async def make_non_canonical(owner: asyncpg.Connection) -> None:
    await unguarded(owner, [_text_edit(100, '{"event":', '{ "event":')])
    await rehash(owner, 100)


CASES: dict[str, tuple[Tamper, str, int | None]] = {
    # name: (the tampering, the finding code expected, the position it names)
    "flipped payload byte": (flip_a_byte, "leaf", 100),
    "payload edited, hashes recomputed": (edit_and_rehash, "leaf", 100),
    "indexed column edited alone": (edit_a_column, "column", 100),
    "deleted row": (delete_a_row, "position", 100),
    "rows swapped within an incident": (swap_within_an_incident, "position", 100),
    "rows swapped across incidents": (swap_across_incidents, "position", 100),
    "tail truncated below the checkpoint": (truncate_the_tail, "truncated", None),
    "forged row inserted": (insert_a_forged_row, "position", 101),
    "non-canonical bytes": (make_non_canonical, "not-canonical", 100),
}
