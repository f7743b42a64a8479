"""Who is subject to what, through the running system: organisations and sites recorded as
events, incidents folded by the projector under the profile in force at their report, and
the API's boards, statuses and ``as_of`` views saying which profile they were judged on."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import asyncpg
import msgspec
import pytest
from nats.aio.client import Client

from contracts import builders
from contracts.builders.profile import update_site
from contracts.enums import IncidentKind
from contracts.envelope import Envelope
from contracts.events.profile import SiteProfile
from contracts.levels import CasualtySeverity, Level, Regime, Severity
from incident_ledger.runtime import projector_config
from plumbing.settings import load
from projector.domain.deadlines import parse_pack
from projector.domain.models import Config
from tests import seeding
from tests.integration.profile_story import Ledger, incident, ledger, on, reported

pytestmark = pytest.mark.integration

NY, CHICAGO, BERLIN = "America/New_York", "America/Chicago", "Europe/Berlin"

# A pack judged on the profile in force when read: it applies once the organisation is
# subject to GDPR, whenever that was recorded.
WATCH = """
id = "watch"
version = "1"
title = "Test: judged on the latest profile"
subject = "gdpr"
basis = "latest"

[[rule]]
id = "review"
stage = "initial"
title = "Review within 72 hours of the report"
start = { event = "incident.reported.v1", field = ["detected_at", "occurred_at"] }
within = "72h"
satisfied_by = { event = "note.added.v1" }
"""


@functools.cache
def shipped() -> Config:
    return projector_config(load({}))


def with_watch() -> Config:
    return Config([*shipped().packs, parse_pack(WATCH, "watch.toml")])


def at(text: str, zone: str = "UTC") -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


@pytest.fixture
async def told(pool: asyncpg.Pool, nc: Client) -> AsyncIterator[Ledger]:
    async for value in ledger(pool, nc, with_watch()):
        yield value


async def test_a_bank_and_a_kindergarten_each_get_only_their_own_packs(told: Ledger) -> None:
    # Given a German bank under DORA and a kindergarten group with the kindergarten plan,
    # whose site KG-01 is in Chongqing
    await told.register(
        "bank-de",
        country="DE",
        timezone=BERLIN,
        subject_to=("dora",),
        entity_type="credit_institution",
    )
    await told.register(
        "kg-group",
        sites=("KG-01",),
        country="CN",
        timezone="Asia/Shanghai",
        plans=("kindergarten",),
    )
    # when each reports an incident (the bank's a major cyber incident, classified DORA)
    bank, school = incident("BANK"), incident("KG")
    then = at("2026-11-03 09:00")
    await told.record(
        reported(bank, then, "bank-de", kind=IncidentKind.CYBER_INCIDENT),
        builders.classify(
            severity=Severity.SEV1,
            level=Level.MAJOR,
            regimes=(Regime.DORA,),
            aware_at=then,
            classified_major_at=then,
            **on(bank, then),
        ),
        reported(school, then, "KG-01"),
    )
    await told.fold(with_watch())
    # then the bank's board holds DORA's obligations only, the kindergarten's only its plan's
    banks, schools = await told.deadlines(bank), await told.deadlines(school)
    assert banks
    assert {o["pack_id"] for o in banks.values()} == {"dora"}
    assert schools
    assert {o["pack_id"] for o in schools.values()} == {"kindergarten"}
    # and each status names its place
    assert (await told.status(bank))["organisation_id"] == "bank-de"
    school_status = await told.status(school)
    assert (school_status["organisation_id"], school_status["site_id"]) == ("kg-group", "KG-01")
    # and the kindergarten's clock counts in its site's own time zone (Chongqing, UTC+8)
    report = schools["kindergarten/office_report"]
    assert report["basis"]["timezone"] == "Asia/Shanghai"
    assert datetime.fromisoformat(report["due_at"]) == at("2026-11-03 11:00")


async def test_an_unregistered_site_is_recorded_and_flagged_with_no_obligations(
    told: Ledger,
) -> None:
    # Given no organisation or site registered under NOWHERE-9
    lost = incident("LOST")
    # when an incident there is recorded and folded
    await told.record(reported(lost, at("2026-11-03 09:00"), "NOWHERE-9"))
    await told.fold(with_watch())
    # then it is recorded (the ledger never refuses a real incident for bookkeeping), its
    # status says its site is unregistered, and no pack gave it any obligation
    status = await told.status(lost)
    assert status["site_issue"] == "unregistered_site"
    assert status["organisation_id"] is None
    assert await told.deadlines(lost) == {}
    listed = await told.get("/v1/incidents")
    assert lost in {i["incident_id"] for i in listed["items"]}


async def test_a_profile_change_mid_incident_keeps_the_basis_and_latest_packs_follow(
    told: Ledger,
) -> None:
    # Given a bank under DORA only, registered at position `first`
    first = await told.register(
        "bank-fr", country="FR", timezone="Europe/Paris", subject_to=("dora",)
    )
    # and its major incident, reported and classified
    case, then = incident("FR"), at("2026-11-03 09:00")
    await told.record(
        reported(case, then, "bank-fr", kind=IncidentKind.CYBER_INCIDENT),
        builders.classify(
            severity=Severity.SEV1,
            level=Level.MAJOR,
            regimes=(Regime.DORA,),
            aware_at=then,
            classified_major_at=then,
            **on(case, then),
        ),
    )
    await told.fold(with_watch())
    before = await told.get(f"/v1/incidents/{case}/timeline")
    cut = before["entries"][-1]["recorded_at"]
    # when the bank's profile changes: now subject to GDPR too (position `second`)
    second = await told.update(
        "bank-fr", country="FR", timezone="Europe/Paris", subject_to=("dora", "gdpr")
    )
    assert second > first
    await told.fold(with_watch())
    # then the status and DORA's obligations keep the basis in force at the report
    status = await told.status(case)
    assert status["profile_position"] == first
    now = await told.deadlines(case)
    assert {o["basis_position"] for r, o in now.items() if r.startswith("dora/")} == {first}
    # and GDPR's own pack, judged at the report, still does not apply
    assert not any(r.startswith("gdpr/") for r in now)
    # but the pack judged on the latest profile applies, naming the new basis
    assert now["watch/review"]["basis_position"] == second
    assert "gdpr" in now["watch/review"]["basis"]["subject_to"]
    # and as of a moment before the change, the latest profile was the first one: the
    # pack judged on it did not apply
    then_view = await told.get(f"/v1/incidents/{case}/timeline", as_of=cut)
    assert then_view["status"]["profile_position"] == first
    assert not any(o["ref"].startswith("watch/") for o in then_view["deadlines"])
    assert {o["basis_position"] for o in then_view["deadlines"]} == {first}


async def test_sec_osha_and_hipaa_through_the_running_system(told: Ledger) -> None:
    # Given a US listed company (New York) under SEC, OSHA and HIPAA, with a Chicago site
    await told.register(
        "acme-us", sites=("CHI-1",), country="US", timezone=NY, subject_to=("sec", "osha", "hipaa")
    )
    await told.record(*_chicago_site())
    # SEC: materiality determined Tuesday 25 November 2025, 10:00 New York. Four business
    # days: Wed 26 (1), Thu 27 is Thanksgiving (a federal holiday, skipped), Fri 28 (2),
    # Mon 1 Dec (3), Tue 2 Dec (4); due at the 17:30 EDGAR cutoff, New York time:
    # 2 December 17:30 EST (UTC-5) = 22:30 UTC.
    cyber, material = incident("SEC"), at("2025-11-25 10:00", NY)
    # OSHA: a death learned of at 10:00 and a hospitalisation at 11:00 New York on 5 June
    # 2025 (EDT, UTC-4): the fatality is due 8 hours later, 18:00 EDT = 22:00 UTC; the
    # hospitalisation 24 hours later, 6 June 11:00 EDT = 15:00 UTC.
    injury, june = incident("OSHA"), at("2025-06-05 09:00", NY)
    # HIPAA: a breach at the Chicago site, discovered 15 September 2025 10:00 Chicago (CDT,
    # UTC-5): individuals are told within 60 calendar days, the wall clock kept across the
    # end of DST: 14 November 10:00 CST (UTC-6) = 16:00 UTC.
    breach, aware = incident("HIPAA"), at("2025-09-15 10:00", CHICAGO)
    await told.record(
        reported(cyber, material, "acme-us", kind=IncidentKind.CYBER_INCIDENT),
        builders.classify(
            severity=Severity.SEV2, materiality_determined_at=material, **on(cyber, material)
        ),
        reported(injury, june, "acme-us"),
        builders.record_casualty(
            count=1, severity=CasualtySeverity.FATAL, **on(injury, at("2025-06-05 10:00", NY))
        ),
        builders.record_casualty(
            count=1,
            severity=CasualtySeverity.HOSPITALIZED,
            **on(injury, at("2025-06-05 11:00", NY)),
        ),
        reported(breach, aware, "CHI-1", kind=IncidentKind.DATA_BREACH),
        builders.classify(severity=Severity.SEV3, aware_at=aware, **on(breach, aware)),
    )
    await told.fold(with_watch())
    sec = (await told.deadlines(cyber))["sec/form_8k"]
    assert datetime.fromisoformat(sec["due_at"]) == at("2025-12-02 22:30")
    osha = await told.deadlines(injury)
    assert datetime.fromisoformat(osha["osha/fatality"]["due_at"]) == at("2025-06-05 22:00")
    assert datetime.fromisoformat(osha["osha/severe_injury"]["due_at"]) == at("2025-06-06 15:00")
    hipaa = (await told.deadlines(breach))["hipaa/individuals"]
    assert datetime.fromisoformat(hipaa["due_at"]) == at("2025-11-14 16:00")
    assert hipaa["basis"]["timezone"] == CHICAGO  # the site's zone, over its organisation's


def _chicago_site() -> list[Envelope]:
    """CHI-1 restated in Chicago's time zone (a site overrides its organisation)."""
    return [
        update_site(
            organisation_id="acme-us",
            site_id="CHI-1",
            name="Chicago clinic",
            profile=SiteProfile(timezone=CHICAGO),
            source="desk",
            actor=seeding.REGISTRAR,
            occurred_at=datetime.now(UTC),
        )
    ]


async def test_profiles_are_views_of_their_own_and_never_incidents(told: Ledger) -> None:
    # Given a property company with two sites, then restated, and a second company that
    # names one of the first one's site ids
    first = await told.register(
        "estates",
        sites=("EST-1", "EST-2"),
        country="CN",
        timezone="Asia/Shanghai",
        plans=("property",),
    )
    restated = await told.update(
        "estates", country="CN", timezone="Asia/Shanghai", plans=("property", "call_centre")
    )
    await told.register("rival", sites=("EST-2",), country="CN", timezone="Asia/Shanghai")
    # when the projector folds them
    await told.fold(with_watch())
    async with told.pool.acquire() as conn:
        orgs = {r["organisation_id"]: r for r in await conn.fetch("SELECT * FROM organisations")}
        sites = {r["site_id"]: r for r in await conn.fetch("SELECT * FROM sites")}
        streams = await conn.fetchval(
            r"SELECT count(*) FROM incident_status WHERE incident_id LIKE '\_org-%'"
        )
    # then each organisation is one row as last recorded, with the positions of its history
    estates = msgspec.json.decode(orgs["estates"]["doc"])
    assert orgs["estates"]["position"] == restated
    assert estates["history"] == [first, restated]
    assert estates["profile"]["plans"] == "property, call_centre"
    # and a site id belongs to whoever registered it first: the rival's claim is refused
    assert sites["EST-2"]["organisation_id"] == "estates"
    assert msgspec.json.decode(orgs["rival"]["doc"])["refused_sites"] == ["EST-2"]
    # and the profile streams never became incidents
    assert streams == 0
