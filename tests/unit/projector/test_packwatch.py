"""Packs edited under a running projector: reloaded when good, the last good kept when not."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from incident_ledger.runtime import pack_watch
from plumbing.settings import load
from projector.domain.deadlines import PackError
from projector.domain.models import Config

pytestmark = pytest.mark.unit

SHIPPED = Path(__file__).resolve().parents[3] / "services" / "projector" / "packs"


def touch_later(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


@pytest.fixture
def packs(tmp_path: Path) -> Path:
    for name in ("gdpr.toml", "dora.toml"):
        shutil.copy(SHIPPED / name, tmp_path / name)
    return tmp_path


async def test_an_unchanged_directory_keeps_the_loaded_packs(packs: Path) -> None:
    watch = pack_watch(load({"LEDGER_PROJECTOR_PACKS_DIR": str(packs)}))
    assert await watch.current() is watch.config


async def test_a_new_pack_is_picked_up(packs: Path) -> None:
    watch = pack_watch(load({"LEDGER_PROJECTOR_PACKS_DIR": str(packs)}))
    shutil.copy(SHIPPED / "nis2.toml", packs / "nis2.toml")
    assert sorted(p.id for p in (await watch.current()).packs) == ["dora", "gdpr", "nis2"]


async def test_a_broken_edit_keeps_the_last_good_packs(packs: Path) -> None:
    watch = pack_watch(load({"LEDGER_PROJECTOR_PACKS_DIR": str(packs)}))
    before = watch.config
    (packs / "gdpr.toml").write_text('id = "gdpr"\nversion = "2"\n[[rule]]\nwithin = 5\n')
    touch_later(packs / "gdpr.toml")
    assert await watch.current() is before
    assert sorted(p.id for p in watch.config.packs) == ["dora", "gdpr"]


async def test_an_edit_the_vetting_refuses_keeps_the_last_good_packs(packs: Path) -> None:
    watch = pack_watch(load({"LEDGER_PROJECTOR_PACKS_DIR": str(packs)}))
    before = watch.config
    shutil.copy(SHIPPED / "nis2.toml", packs / "nis2.toml")

    async def refuse(config: Config) -> None:
        raise PackError("nis2.toml: pack 'nis2' version '1' was applied before with other rules")

    assert await watch.current(refuse) is before


async def test_a_change_whose_vetting_failed_on_the_database_is_tried_again(
    packs: Path,
) -> None:
    watch = pack_watch(load({"LEDGER_PROJECTOR_PACKS_DIR": str(packs)}))
    shutil.copy(SHIPPED / "nis2.toml", packs / "nis2.toml")

    async def unreachable(config: Config) -> None:
        raise OSError("database unreachable")

    with pytest.raises(OSError, match="unreachable"):
        await watch.current(unreachable)
    assert sorted(p.id for p in (await watch.current()).packs) == ["dora", "gdpr", "nis2"]
