"""A PDF report ties back to the ledger: given an incident recorded and a checkpoint
signed, when its report is downloaded as a PDF, then it comes as an attachment, its text
(read back with pypdf) is in the reader's language with the site's local times, and its
footer names the timeline's last entry and the latest signed checkpoint, the very one the
incident's bundle carries and ``ledger-verify`` accepts."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pypdf
import pytest
from ledger_verify import bundle as offline
from ledger_verify import note
from ledger_verify.report import VALID
from ledger_verify.trust import open_checkpoint
from nats.aio.client import Client

from ledger.audit.signer import Policy, Signer
from projector.views.catalogue import label
from tests.integration.api_story import Story, claim, outage, story
from tests.integration.test_report_ledger import _Published

pytestmark = pytest.mark.integration

INCIDENT = "PDF-1"
KEY = note.generate("incident-ledger")
ORIGIN = "test"  # the log the story's records are appended to (``seeding.append``)


@pytest.fixture
async def told(pool: asyncpg.Pool, nc: Client, tmp_path: Path) -> AsyncIterator[Story]:
    async for value in story(pool, nc, claim_key=KEY):
        await value.append(outage(INCIDENT, minutes_ago=20), claim(INCIDENT, reserve=9_900))
        await value.project()
        signer = Signer(KEY, ORIGIN, tmp_path / "state", tmp_path / "out", Policy())
        async with pool.acquire() as conn:
            assert await signer.tick(conn, _Published(), now=1000.0) is not None
        yield value


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _text(document: bytes) -> str:
    pages = pypdf.PdfReader(io.BytesIO(document)).pages
    return _squeezed("".join(page.extract_text() for page in pages))


async def _pdf(told: Story, role: str = "auditor", lang: str = "zh") -> str:
    answer = await told.get(f"/v1/incidents/{INCIDENT}/report", role, format="pdf", lang=lang)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    disposition = f'attachment; filename="{INCIDENT}-report.pdf"'
    assert answer.headers["content-disposition"] == disposition
    return _text(answer.content)


async def test_the_pdf_speaks_the_readers_language_in_the_sites_time(told: Story) -> None:
    chinese, english = await _pdf(told, lang="zh"), await _pdf(told, lang="en")
    html = (await told.get(f"/v1/incidents/{INCIDENT}/report", format="html", lang="zh")).text
    local = re.search(r"接报时间</th><td>([^<]+)</td>", html)
    assert local is not None
    assert _squeezed(local.group(1)) in chinese  # the printed page's local time, offset too
    assert "排队系统宕机" in chinese
    assert "现场" in chinese
    assert "Siteandlocation" not in chinese
    assert "Siteandlocation" in english


async def test_the_footer_checkpoint_is_the_one_ledger_verify_accepts(
    told: Story, tmp_path: Path
) -> None:
    text = await _pdf(told)
    footer = text[text.index(_squeezed(label("hash", "zh"))) :]
    last = (await told.get(f"/v1/incidents/{INCIDENT}/timeline")).json()["entries"][-1]
    latest = (await told.get("/v1/audit/checkpoints/latest")).json()
    assert last["hash"] in footer
    assert f"{_squeezed(label('position', 'zh'))}{last['position']}" in text
    assert f"{_squeezed(label('checkpoint_size', 'zh'))}{latest['size']}" in footer
    assert latest["root"] in footer
    bundle = tmp_path / f"{INCIDENT}-bundle.zip"
    bundle.write_bytes((await told.get(f"/v1/incidents/{INCIDENT}/bundle")).content)
    verified = offline.verify(bundle, [KEY.verifier()], None)
    assert verified.exit_code == VALID, verified.render_text()
    with zipfile.ZipFile(bundle) as archive:
        signed = archive.read("checkpoint").decode()
    checkpoint = open_checkpoint(signed, [KEY.verifier()], "checkpoint")
    assert f"{_squeezed(label('checkpoint_size', 'zh'))}{checkpoint.size}" in footer
    assert checkpoint.root.hex() in footer


async def test_the_claim_pack_carries_the_pdf_report(told: Story) -> None:
    pack = await told.get(f"/v1/incidents/{INCIDENT}/claim-pack", "clerk")
    with zipfile.ZipFile(io.BytesIO(pack.content)) as archive:
        printed = _text(archive.read("report.pdf"))
        manifest = archive.read("manifest.json").decode()
    assert INCIDENT in printed
    assert "report.pdf" in manifest
    assert (await told.get(f"/v1/incidents/{INCIDENT}/report", format="docx")).status_code == 400
