"""A profile change on an incident's timeline, through the running system: the events of
its organisation's and site's profile recorded after its basis are entries among its own,
in position order, saying that its obligations keep their basis (packs judged on the
latest profile follow it), and its status says the profile changed since."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest
from nats.aio.client import Client

from contracts import builders
from contracts.builders.profile import update_site
from contracts.enums import IncidentKind
from contracts.envelope import Envelope
from contracts.events.profile import SiteProfile
from contracts.levels import Level, Regime, Severity
from tests import seeding
from tests.integration.profile_story import Ledger, incident, ledger, on, reported
from tests.integration.test_profiles import with_watch

pytestmark = pytest.mark.integration

PARIS = "Europe/Paris"


@pytest.fixture
async def told(pool: asyncpg.Pool, nc: Client) -> AsyncIterator[Ledger]:
    async for value in ledger(pool, nc, with_watch()):
        yield value


def _restated(site: str, zone: str) -> list[Envelope]:
    return [
        update_site(
            organisation_id="bank-pc", site_id=site, name=site, profile=SiteProfile(timezone=zone),
            source="desk", actor=seeding.REGISTRAR, occurred_at=datetime.now(UTC),
        )
    ]  # fmt: skip


async def test_the_timeline_shows_each_change_of_the_incidents_profile_after_its_basis(
    told: Ledger,
) -> None:
    # Given a bank under DORA with two branches, and a major incident at branch PC-1
    basis = await told.register(
        "bank-pc", sites=("PC-1", "PC-2"), country="FR", timezone=PARIS, subject_to=("dora",)
    )
    case, then = incident("PC"), datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
    report = await told.record(
        reported(case, then, "PC-1", kind=IncidentKind.CYBER_INCIDENT),
        builders.classify(severity=Severity.SEV1, level=Level.MAJOR, regimes=(Regime.DORA,),
                          aware_at=then, classified_major_at=then, **on(case, then)),
    )  # fmt: skip
    await told.fold(with_watch())
    before = await told.get(f"/v1/incidents/{case}/timeline")
    cut = before["entries"][-1]["recorded_at"]
    # when the bank's profile is restated (now under GDPR too), then its branch PC-1's and
    # its other branch PC-2's, and a note is added to the incident
    bank = await told.update("bank-pc", country="FR", timezone=PARIS, subject_to=("dora", "gdpr"))
    branch = await told.record(*_restated("PC-1", "Europe/Brussels"))
    await told.record(*_restated("PC-2", "Europe/Brussels"))
    noted = await told.record(builders.add_note(text="contained", **on(case, then)))
    await told.fold(with_watch())
    now = await told.get(f"/v1/incidents/{case}/timeline", min_position=noted)
    # then the timeline holds, in position order among the incident's own entries, one
    # entry for each change of its organisation's or its own site's profile (not PC-2's)
    shown = [(e["position"], e["type"]) for e in now["entries"]]
    assert [p for p, _ in shown] == sorted(p for p, _ in shown)
    assert (bank, "organisation.updated.v1") in shown
    assert (branch, "site.updated.v1") in shown
    assert [p for p, _ in shown] == [report, report + 1, bank, branch, noted]
    changes = {e["position"]: e["profile_change"] for e in now["entries"] if e["profile_change"]}
    # and each says its obligations keep the basis at the report, while the pack judged
    # on the latest profile follows the change
    assert set(changes) == {bank, branch}
    for change in changes.values():
        assert change["organisation_id"] == "bank-pc"
        assert change["site_id"] == "PC-1"
        assert change["basis_position"] == now["status"]["profile_position"]
        assert change["followed_by"] == ["watch"]
    assert now["status"]["profile_position"] >= basis
    assert "keep the basis" in now["entries"][2]["summary"]
    # and its own entries carry no profile change
    own = [e for e in now["entries"] if e["position"] in (report, report + 1, noted)]
    assert all(e["profile_change"] is None for e in own)
    # and the status says the profile changed since the basis, at the last change
    assert now["status"]["profile_changed_at"] == branch
    assert (await told.status(case))["profile_changed_at"] == branch
    # and as of a moment before the changes, there were none
    earlier = await told.get(f"/v1/incidents/{case}/timeline", as_of=cut)
    assert not any(e["profile_change"] for e in earlier["entries"])
    assert earlier["status"]["profile_changed_at"] is None


async def test_a_profile_change_moves_the_read_models_status_without_new_incident_events(
    pool: asyncpg.Pool, nc: Client
) -> None:
    # Given the shipped packs only (none judged on the latest profile) and an incident at
    # a registered organisation, folded
    config = with_watch()
    config = type(config)([p for p in config.packs if p.basis != "latest"])
    async for told in ledger(pool, nc, config):
        await told.register("estates-pc", country="CN", timezone="Asia/Shanghai",
                            plans=("property",))  # fmt: skip
        case, then = incident("EPC"), datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
        await told.record(reported(case, then, "estates-pc"))
        await told.fold(config)
        assert (await told.status(case))["profile_changed_at"] is None
        # when only the organisation's profile changes
        changed = await told.update("estates-pc", country="CN", timezone="Asia/Shanghai",
                                    plans=("property", "call_centre"))  # fmt: skip
        await told.fold(config)
        # then the projector's status of the incident says so, from the read models
        async with told.pool.acquire() as conn:
            doc = await conn.fetchval(
                "SELECT doc->>'profile_changed_at' FROM incident_status WHERE incident_id = $1",
                case,
            )
        assert doc == str(changed)
        # and its timeline shows the change, its obligations kept (no pack follows it)
        path = f"/v1/incidents/{case}/timeline"
        entries = (await told.get(path, min_position=changed))["entries"]
        assert entries[-1]["profile_change"]["followed_by"] == []
        assert entries[-1]["position"] == changed
