"""A deployment chooses its policy packs; a wrong choice or a broken pack stops the start."""

from __future__ import annotations

from pathlib import Path

import pytest

from incident_ledger.runtime import projector_config
from plumbing.settings import SettingsError, load
from projector.domain.deadlines import PackError

pytestmark = pytest.mark.unit


def test_every_shipped_pack_loads_by_default() -> None:
    assert len(projector_config(load({})).packs) >= 15


def test_a_deployment_applies_only_the_packs_it_names() -> None:
    config = projector_config(load({"LEDGER_PROJECTOR_PACKS": "gdpr, dora"}))
    assert sorted(p.id for p in config.packs) == ["dora", "gdpr"]


def test_an_unknown_pack_is_named() -> None:
    with pytest.raises(SettingsError, match="LEDGER_PROJECTOR_PACKS: no pack volcano"):
        projector_config(load({"LEDGER_PROJECTOR_PACKS": "gdpr,volcano"}))


def test_a_malformed_pack_stops_the_start_naming_file_rule_and_field(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text(
        'id = "broken"\nversion = "1"\ntitle = "Broken"\n\n[[rule]]\nid = "r"\nwithin = 5\n'
    )
    with pytest.raises(PackError, match=r"broken\.toml"):
        projector_config(load({"LEDGER_PROJECTOR_PACKS_DIR": str(tmp_path)}))
