"""Given a pack version the projector has applied, when the pack's rules change under the
same version, then the projector refuses it, on PostgreSQL's record of what that version
said; a new version is pinned beside the old, and the record itself cannot be edited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import msgspec
import pytest

from projector.domain.deadlines import PackError, load_pack
from projector.domain.models import Config
from projector.follow import packpins

pytestmark = pytest.mark.integration

SHIPPED = Path(__file__).resolve().parents[2] / "services" / "projector" / "packs"


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(database_url)
    yield conn
    await conn.close()


def dora(tmp_path: Path, old: str = "", new: str = "") -> Config:
    text = (SHIPPED / "dora.toml").read_text(encoding="utf-8")
    path = tmp_path / "dora.toml"
    path.write_text(text.replace(old, new, 1) if old else text, encoding="utf-8")
    return Config([load_pack(path)])


async def test_the_first_use_pins_and_the_same_rules_pass_again(
    conn: asyncpg.Connection, tmp_path: Path
) -> None:
    await packpins.vet(conn, dora(tmp_path))
    await packpins.vet(conn, dora(tmp_path, "\n[[rule]]", "\n# reworded comment\n[[rule]]"))
    assert await conn.fetchval("SELECT count(*) FROM policy_packs") == 1


async def test_changed_rules_under_an_applied_version_are_refused(
    conn: asyncpg.Connection, tmp_path: Path
) -> None:
    await packpins.vet(conn, dora(tmp_path))
    with pytest.raises(PackError, match=r"pack 'dora' version '2025\.2' was applied before"):
        await packpins.vet(conn, dora(tmp_path, 'within = "4h"', 'within = "5h"'))


async def test_a_new_version_is_pinned_beside_the_old(
    conn: asyncpg.Connection, tmp_path: Path
) -> None:
    await packpins.vet(conn, dora(tmp_path))
    bumped = dora(tmp_path, 'version = "2025.2"', 'version = "2026.1"')
    changed = msgspec.structs.replace(bumped.packs[0], title="DORA, revised")
    await packpins.vet(conn, Config([changed]))
    versions = await conn.fetch("SELECT version FROM policy_packs ORDER BY version")
    assert [r["version"] for r in versions] == ["2025.2", "2026.1"]


async def test_a_pinned_version_cannot_be_edited_or_removed(
    conn: asyncpg.Connection, tmp_path: Path
) -> None:
    await packpins.vet(conn, dora(tmp_path))
    for statement in (
        "UPDATE policy_packs SET digest = sha256('other')",
        "DELETE FROM policy_packs",
        "TRUNCATE policy_packs",
    ):
        with pytest.raises(asyncpg.RaiseError, match="policy_packs is append-only"):
            await conn.execute(statement)


async def test_a_refused_set_pins_none_of_its_new_versions(
    conn: asyncpg.Connection, tmp_path: Path
) -> None:
    """Given dora 2025.1 applied, when a reload brings it changed beside a new pack
    version, then the set is refused whole and the new version is not pinned either: it
    was never applied, and may still be corrected without a bump."""
    await packpins.vet(conn, dora(tmp_path))
    changed = dora(tmp_path, 'within = "4h"', 'within = "5h"').packs[0]
    fresh = msgspec.structs.replace(changed, id="dora_next", version="1")
    with pytest.raises(PackError):
        await packpins.vet(conn, Config([changed, fresh]))
    assert await conn.fetchval("SELECT count(*) FROM policy_packs") == 1
