"""Packs load and validate; a malformed pack names the file, the rule and the field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from projector.domain.deadlines import PackError, load_pack, load_packs
from tests.unit.projector.deadlines.story import PACKS_DIR

pytestmark = pytest.mark.unit

GOOD_RULE = """
[[rule]]
id = "initial"
stage = "initial"
title = "Initial"
start = { event = "incident.reported.v1" }
within = "4h"
satisfied_by = { event = "report.filed.v1", match = { regime = "dora" } }
"""
HEADER = 'id = "dora"\nversion = "1"\ntitle = "t"\nsubject = "dora"\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "dora.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_shipped_pack_loads_with_a_unique_id_version_and_title() -> None:
    packs = load_packs(PACKS_DIR)
    assert len(packs) == 15
    assert all(p.version and p.title and p.rules for p in packs)


def test_given_a_good_pack_then_it_loads(tmp_path: Path) -> None:
    assert load_pack(write(tmp_path, HEADER + GOOD_RULE)).rules[0].id == "initial"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('within = "4h"', 'within = "4 hours"', 'rule "initial": field "within"'),
        ('within = "4h"', "within = 4", 'rule "initial": field "within"'),
        ('within = "4h"', 'within = "4h"\nbogus = 1', 'rule "initial": field "bogus"'),
        ('"incident.reported.v1"', '"incident.reportd.v1"', 'field "start[0].event[0]"'),
        ('regime = "dora"', 'regim = "dora"', 'field "satisfied_by[0].regim"'),
        ('within = "4h"\n', "", 'rule "initial": field "within"'),
        ('id = "initial"', 'id = "initial"\nwhen = { kind = ["volcano"] }', 'field "when.kind"'),
        ("start = {", 'start = { rule = "nope", ', 'field "start[0]'),
        ('within = "4h"', 'within = "4h"\ncutoff = "25:00"', 'field "cutoff"'),
        ("satisfied_by = {", 'lead = "2bd"\nsatisfied_by = {', 'field "lead"'),
    ],
)
def test_given_a_malformed_rule_then_the_error_names_file_rule_and_field(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    path = write(tmp_path, HEADER + GOOD_RULE.replace(old, new, 1))
    with pytest.raises(PackError) as raised:
        load_pack(path)
    assert str(raised.value).startswith("dora.toml: ")
    assert expected in str(raised.value)


def test_given_no_rules_then_the_pack_refuses_to_load(tmp_path: Path) -> None:
    with pytest.raises(PackError, match=re.escape('dora.toml: pack: field "rule"')):
        load_pack(write(tmp_path, HEADER))


def test_given_an_unknown_time_zone_then_the_pack_refuses_to_load(tmp_path: Path) -> None:
    text = HEADER + 'calendar = { timezone = "Mars/Base" }\n' + GOOD_RULE
    with pytest.raises(PackError, match=re.escape('field "calendar.timezone"')):
        load_pack(write(tmp_path, text))


def test_given_broken_toml_then_the_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(PackError, match=re.escape("dora.toml: not valid TOML")):
        load_pack(write(tmp_path, HEADER + "[[rule]\n"))


def test_given_two_rules_with_one_id_then_the_duplicate_is_named(tmp_path: Path) -> None:
    with pytest.raises(PackError, match=re.escape('rule "initial": field "id": duplicate')):
        load_pack(write(tmp_path, HEADER + GOOD_RULE + GOOD_RULE))


@pytest.mark.parametrize(
    ("applies", "field", "message"),
    [
        ("", "subject", "give exactly one of subject (a regime) or plan"),
        ('subject = "dora"\nplan = "property"\n', "subject", "give exactly one of"),
        ('subject = "fda"\n', "subject", "unknown subject 'fda'; known: cn_cyber"),
        ('plan = "canteen"\n', "plan", "unknown plan 'canteen'; known: call_centre"),
    ],
)
def test_given_a_pack_that_does_not_say_whom_it_concerns_then_refused(
    tmp_path: Path, applies: str, field: str, message: str
) -> None:
    header = 'id = "dora"\nversion = "1"\ntitle = "t"\n' + applies
    with pytest.raises(PackError, match=re.escape(f'dora.toml: pack: field "{field}": {message}')):
        load_pack(write(tmp_path, header + GOOD_RULE))


def test_given_a_fallback_start_then_it_is_checked_like_any_start(tmp_path: Path) -> None:
    rule = GOOD_RULE.replace(
        'start = { event = "incident.reported.v1" }',
        'start = { level = "major", fallback = "incident.vanished.v1" }',
    )
    expected = 'rule "initial": field "start[0].fallback.event[0]": unknown event type'
    with pytest.raises(PackError, match=re.escape(expected)):
        load_pack(write(tmp_path, HEADER + rule))
    fine = rule.replace("incident.vanished.v1", "incident.reported.v1")
    start = load_pack(write(tmp_path, HEADER + fine)).rules[0].start[0]
    assert start.fallback is not None
    assert start.fallback.event == ("incident.reported.v1",)


def test_given_a_basis_then_it_is_report_or_latest(tmp_path: Path) -> None:
    assert load_pack(write(tmp_path, HEADER + GOOD_RULE)).basis == "report"
    latest = load_pack(write(tmp_path, HEADER + 'basis = "latest"\n' + GOOD_RULE))
    assert latest.basis == "latest"
    with pytest.raises(PackError, match=re.escape('dora.toml: pack: field "basis"')):
        load_pack(write(tmp_path, HEADER + 'basis = "whenever"\n' + GOOD_RULE))
