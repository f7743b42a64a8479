"""``ledger losses`` gives the loss run the API gives: seeded through the ingest's writer,
the command's CSV, JSON and XLSX of one run are the endpoint's, its progress goes to
standard error, and a bad option is refused naming it (exit 2)."""

from __future__ import annotations

import asyncio
import io
import os
import sys
from pathlib import Path
from typing import Any

import msgspec
import openpyxl
import pytest

from contracts.topology import Topology
from tests.integration.api_story import Story
from tests.integration.loss_run_story import history as _history
from tests.support import MASTER

pytestmark = pytest.mark.integration
LEDGER = str(Path(sys.executable).parent / "ledger")
INSURED = "澎湖湾物业 Penghu Bay Property"  # as the story's API names it


@pytest.fixture
def env(database_url: str, nats_url: str, topology: Topology, tmp_path: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    (tmp_path / "privacy.key").write_text(MASTER.text() + "\n")  # the tests' (tests.support)
    return keep | {"LEDGER_DATABASE_URL": database_url, "LEDGER_NATS_URL": nats_url,
                   "LEDGER_NATS_NAMESPACE": topology.namespace, "LEDGER_HTTP_INSURED": INSURED,
                   "LEDGER_DATA_DIR": str(tmp_path), "LEDGER_LOG_FORMAT": "json",
                   "LEDGER_PRIVACY_KEY_FILE": str(tmp_path / "privacy.key")}  # fmt: skip


async def _losses(env: dict[str, str], *args: str) -> tuple[int, bytes, str]:
    proc = await asyncio.create_subprocess_exec(
        LEDGER, "losses", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)  # fmt: skip
    out, err = await proc.communicate()
    return proc.returncode or 0, out, err.decode()


async def test_the_commands_csv_and_json_are_the_apis(told: Story, env: dict[str, str]) -> None:
    """Given a loss run's history, when the command and the endpoint give the same run, then
    the CSV is the clerk's byte for byte and the JSON with personal data the auditor's; the
    rows written are counted on standard error."""
    *_, third = await _history(told)
    at = third.isoformat()
    code, csv, err = await _losses(env, "--as-of", at, "--format", "csv")
    assert code == 0, err
    assert csv == (await told.get("/v1/losses", "clerk", as_of=at, format="csv")).content
    rows = len((await told.get("/v1/losses", "clerk", as_of=at)).json()["rows"])
    assert f"wrote {rows:,} rows" in err
    code, out, err = await _losses(env, "--as-of", at, "--format", "json", "--with-personal-data")
    assert code == 0, err
    assert msgspec.json.decode(out) == (await told.get("/v1/losses", as_of=at)).json()


async def test_the_commands_xlsx_and_todays_run_are_the_apis(
    told: Story, env: dict[str, str], tmp_path: Path
) -> None:
    """Given the history, when today's run is written to a file as XLSX, then its cells are
    the endpoint's; and today's CSV on standard output is the endpoint's too."""
    await _history(told)
    target = tmp_path / "run.xlsx"
    code, _, err = await _losses(env, "--format", "xlsx", "-o", str(target))
    assert code == 0, err
    assert f"wrote {target}" in err
    api = (await told.get("/v1/losses", "clerk", format="xlsx")).content
    assert _cells(target.read_bytes()) == _cells(api)
    code, csv, _ = await _losses(env)
    assert csv == (await told.get("/v1/losses", "clerk", format="csv")).content


def _cells(xlsx: bytes) -> list[list[Any]]:
    """Every cell of every sheet but the moment the file was made (the header sheet's)."""
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    rows = [list(r) for sheet in book for r in sheet.iter_rows(values_only=True)]
    return [r for r in rows if not (r and str(r[0]).startswith("Generated at"))]


@pytest.mark.parametrize(
    ("args", "named"),
    [(["--as-of", "2026-11-22 08:00"], "--as-of"), (["--valuation-date", "2026-02-30"],
     "--valuation-date"), (["--valuation-date", "2999-01-01"], "--valuation-date"),
     (["--format", "pdf"], "--format")],
)  # fmt: skip
async def test_bad_input_is_refused_naming_the_option(
    env: dict[str, str], args: list[str], named: str
) -> None:
    """Given a malformed or impossible option, then nothing is written and exit is 2 with an
    error naming the option."""
    code, out, err = await _losses(env, *args)
    assert (code, out) == (2, b"")
    assert named in err
