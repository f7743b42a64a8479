"""``ledger org`` and ``ledger site`` read TOML or JSON files into the profile events the
ledger records, and name the field a bad file gets wrong before anything is published."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.envelope import Actor
from contracts.events.profile import Plan, Subjection
from incident_ledger.profile_files import FileError, organisation_event, parse, site_event

pytestmark = pytest.mark.unit
EXAMPLES = Path(__file__).parents[3] / "examples" / "profiles"
ACTOR = Actor(id="registrar")
ORGANISATION = {"organisation_id": "acme", "name": "Acme",
                "profile": {"country": "US", "timezone": "America/New_York"}}  # fmt: skip


def test_the_example_files_read_as_the_events_they_describe() -> None:
    org = parse((EXAMPLES / "organisation.toml").read_text(), "organisation.toml")
    event = organisation_event(org, update=False, source="desk", actor=ACTOR)
    assert (event["incident_id"], event["type"]) == ("_org-rheinbank", "organisation.registered.v1")
    assert event["payload"]["profile"]["subject_to"] == ("dora", "gdpr")
    for name in ("site.toml", "site.json"):
        site = parse((EXAMPLES / name).read_text(), name)
        placed = site_event(site, update=True, source="desk", actor=ACTOR)
        assert (placed["incident_id"], placed["type"]) == ("_org-rheinbank", "site.updated.v1")


@pytest.mark.parametrize(
    ("profile", "named"),
    [
        ({"subject_to": ["fsa"]}, "$.profile.subject_to[0]"),
        ({"timezone": "Mars/Olympus"}, "$.payload.profile.timezone"),
        ({"country": "XX"}, "$.payload.profile.country"),
        ({"subdivision": "ZZ"}, "$.payload.profile.subdivision"),
        ({"plans": ["zoo"]}, "$.profile.plans[0]"),
    ],
)
def test_a_bad_profile_is_refused_naming_the_field(profile: dict[str, object], named: str) -> None:
    bad = ORGANISATION | {"profile": ORGANISATION["profile"] | profile}  # type: ignore[operator]
    with pytest.raises(FileError, match=named.replace("[", r"\[").replace("$", r"\$")):
        organisation_event(bad, update=False, source="desk", actor=ACTOR)


@pytest.mark.parametrize(
    ("text", "name", "message"),
    [("a = ", "x.toml", "not TOML"), ("{", "x.json", "not JSON"), ("[1]", "-", "one table")],
)
def test_a_file_that_is_not_a_table_is_named(text: str, name: str, message: str) -> None:
    with pytest.raises(FileError, match=message):
        parse(text, name)


@given(
    subject_to=st.lists(st.sampled_from([str(s) for s in Subjection]), unique=True, max_size=4),
    plans=st.lists(st.sampled_from([str(p) for p in Plan]), unique=True, max_size=3),
    name=st.text(min_size=1, max_size=40).filter(str.strip),
)
def test_what_a_json_file_states_is_what_is_published(
    subject_to: list[str], plans: list[str], name: str
) -> None:
    stated = ORGANISATION | {"name": name, "profile": ORGANISATION["profile"] | {  # type: ignore[operator]
        "subject_to": subject_to, "plans": plans}}  # fmt: skip
    event = organisation_event(
        parse(json.dumps(stated), "org.json"), update=False, source="desk", actor=ACTOR
    )
    assert event["payload"]["name"] == name
    assert list(event["payload"]["profile"]["subject_to"]) == subject_to
    assert list(event["payload"]["profile"]["plans"]) == plans
