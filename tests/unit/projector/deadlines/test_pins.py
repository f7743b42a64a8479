"""Given a pack version already applied, when its file is edited, then only a change in
what the pack says (not in its comments or layout) counts as other rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from projector.domain.deadlines import load_pack
from projector.domain.deadlines.pins import conflicts, digest
from tests.unit.projector.deadlines.story import PACKS_DIR

pytestmark = pytest.mark.unit


def edited(tmp_path: Path, old: str, new: str) -> Path:
    text = (PACKS_DIR / "dora.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "dora.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_comments_and_layout_leave_the_digest_alone(tmp_path: Path) -> None:
    shipped = load_pack(PACKS_DIR / "dora.toml")
    reflowed = load_pack(edited(tmp_path, "\n[[rule]]", "\n# a new comment\n\n\n[[rule]]"))
    assert digest(reflowed) == digest(shipped)
    assert conflicts([reflowed], {(shipped.id, shipped.version): digest(shipped)}) == []


def test_a_changed_rule_under_the_same_version_is_named(tmp_path: Path) -> None:
    shipped = load_pack(PACKS_DIR / "dora.toml")
    changed = load_pack(edited(tmp_path, 'within = "4h"', 'within = "5h"'))
    assert digest(changed) != digest(shipped)
    [problem] = conflicts([changed], {(shipped.id, shipped.version): digest(shipped)})
    assert f"pack 'dora' version {shipped.version!r} was applied before" in problem
    assert "a changed pack needs a new version" in problem


def test_a_changed_report_stage_counts_too(tmp_path: Path) -> None:
    shipped = load_pack(PACKS_DIR / "dora.toml")
    assert shipped.report, "the shipped DORA pack names its report stages"
    stage = next(iter(shipped.report.values()))
    changed = load_pack(edited(tmp_path, f'title = "{stage.title}"', 'title = "Renamed"'))
    assert digest(changed) != digest(shipped)


def test_a_new_version_is_no_conflict(tmp_path: Path) -> None:
    shipped = load_pack(PACKS_DIR / "dora.toml")
    bumped = load_pack(edited(tmp_path, f'version = "{shipped.version}"', 'version = "9999.1"'))
    assert conflicts([bumped], {(shipped.id, shipped.version): digest(shipped)}) == []


def test_a_single_value_and_its_one_item_list_are_the_same_rules(tmp_path: Path) -> None:
    """The digest is of what the file says, as the loader reads it, not of the model's
    fields: a new field or default in the code leaves every applied pack's digest alone."""
    shipped = load_pack(PACKS_DIR / "dora.toml")
    old = 'event = "incident.classified.v1"'
    listed = load_pack(edited(tmp_path, old, 'event = ["incident.classified.v1"]'))
    assert digest(listed) == digest(shipped)
