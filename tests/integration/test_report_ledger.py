"""A printed report ties back to the ledger: given an incident recorded and a checkpoint
signed, when its report is read, then its footer names the timeline's last entry (position
and record hash) and the latest signed checkpoint, in JSON and in the printed page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from ledger_verify import note
from nats.aio.client import Client

from ledger.audit.signer import Policy, Signer
from tests.integration.api_story import Story, claim, outage, story

pytestmark = pytest.mark.integration

INCIDENT = "DOC-1"


class _Published(list[str]):
    async def __call__(self, signed: str) -> None:
        self.append(signed)


@pytest.fixture
async def told(pool: asyncpg.Pool, nc: Client, tmp_path: Path) -> AsyncIterator[Story]:
    async for value in story(pool, nc):
        await value.append(outage(INCIDENT, minutes_ago=20), claim(INCIDENT, reserve=9_900))
        await value.project()
        key = note.generate("incident-ledger")
        signer = Signer(key, "incident-ledger", tmp_path / "state", tmp_path / "out", Policy())
        async with pool.acquire() as conn:
            assert await signer.tick(conn, _Published(), now=1000.0) is not None
        yield value


async def test_the_footer_names_the_last_entry_and_the_latest_checkpoint(told: Story) -> None:
    last = (await told.get(f"/v1/incidents/{INCIDENT}/timeline")).json()["entries"][-1]
    latest = (await told.get("/v1/audit/checkpoints/latest")).json()
    tie = (await told.get(f"/v1/incidents/{INCIDENT}/report")).json()["ledger"]
    assert (tie["incident_id"], tie["position"], tie["hash"]) == (
        INCIDENT, last["position"], last["hash"])  # fmt: skip
    assert tie["checkpoint"] == {k: latest[k] for k in ("size", "root", "signed_at")}
    assert f"/v1/incidents/{INCIDENT}/bundle" in tie["verify"]
    assert "ledger-verify" in tie["verify"]
    page = (await told.get(f"/v1/incidents/{INCIDENT}/report", format="html", lang="zh")).text
    footer = page[page.index("<footer>") :]
    for shown in (last["hash"], latest["root"], f">{latest['size']}<", f">{last['position']}<"):
        assert shown in footer, shown


async def test_the_reader_chooses_the_language(told: Story) -> None:
    path = f"/v1/incidents/{INCIDENT}/report"
    english = await told.client.get(
        path, params={"format": "html"}, headers={**told.as_("auditor"), "Accept-Language": "en"}
    )
    chinese = (await told.get(path, format="html", lang="zh")).text
    assert "Site and location" in english.text
    assert "现场" not in english.text
    assert "现场" in chinese
    assert "Site and location" not in chinese
    assert (await told.get(path, lang="fr")).status_code == 400
