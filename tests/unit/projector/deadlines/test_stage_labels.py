"""A rule's stage is the pack's own word for it: the stage of the filing that satisfies it,
and every report section a pack writes is for a stage one of its rules has."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.events import ReportFiled
from projector.domain.deadlines import Pack, load_packs

pytestmark = pytest.mark.unit

PACKS = load_packs(Path(__file__).parents[4] / "services" / "projector" / "packs")


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.id)
def test_a_rule_satisfied_by_a_filing_has_the_filing_s_stage(pack: Pack) -> None:
    for rule in pack.rules:
        filed = {
            m.match["stage"]
            for m in rule.satisfied_by
            if ReportFiled.TYPE in m.event and isinstance(m.match.get("stage"), str)
        }
        assert filed <= {rule.stage}, (pack.id, rule.id, rule.stage, filed)


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.id)
def test_every_report_section_is_for_a_stage_the_pack_s_rules_have(pack: Pack) -> None:
    assert set(pack.report) <= {rule.stage for rule in pack.rules}
