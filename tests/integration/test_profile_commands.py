"""``ledger org`` and ``ledger site`` publish profiles from files and show what the
projector holds; ``ledger token create --org/--site`` makes scoped tokens."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import asyncpg
import pytest

from contracts.topology import Topology
from projector.follow import runner
from tests.integration.api_story import _config

pytestmark = pytest.mark.integration
LEDGER = str(Path(sys.executable).parent / "ledger")
EXAMPLES = Path(__file__).parents[2] / "examples" / "profiles"


@pytest.fixture
def env(database_url: str, nats_url: str, topology: Topology, tmp_path: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    return keep | {"LEDGER_DATABASE_URL": database_url, "LEDGER_NATS_URL": nats_url,
                   "LEDGER_NATS_NAMESPACE": topology.namespace,
                   "LEDGER_DATA_DIR": str(tmp_path), "LEDGER_LOG_FORMAT": "json"}  # fmt: skip


async def ledger(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    done = await asyncio.create_subprocess_exec(
        LEDGER, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(done.communicate(), 60)
    return done.returncode or 0, out.decode(), err.decode()


async def test_an_organisation_and_its_site_are_registered_from_files_and_shown(
    ingesting: asyncpg.Pool, env: dict[str, str]
) -> None:
    code, out, err = await ledger(env, "org", "register", str(EXAMPLES / "organisation.toml"))
    assert code == 0, out + err
    assert "recorded  position" in out
    code, out, err = await ledger(env, "site", "register", str(EXAMPLES / "site.json"))
    assert code == 0, out + err
    async with ingesting.acquire() as conn:
        generation = await runner.prepare(conn, _config())
        await runner.catch_up(conn, generation, _config())
    code, shown, err = await ledger(env, "org", "show", "rheinbank")
    assert code == 0, err
    assert '"name": "Rheinbank AG"' in shown
    assert '"site_id": "rheinbank-muc"' in shown
    code, site, err = await ledger(env, "site", "show", "rheinbank-muc")
    assert code == 0, err
    assert '"organisation_id": "rheinbank"' in site


async def test_a_second_registration_is_reported_rejected(
    ingesting: asyncpg.Pool, env: dict[str, str]
) -> None:
    await ledger(env, "org", "register", str(EXAMPLES / "organisation.toml"))
    code, out, _ = await ledger(env, "org", "register", str(EXAMPLES / "organisation.toml"))
    assert code == 1
    assert "rejected" in out


async def test_a_bad_file_is_refused_before_publishing_naming_the_field(
    env: dict[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    text = (EXAMPLES / "organisation.toml").read_text()
    bad.write_text(text.replace('timezone = "Europe/Berlin"', 'timezone = "Europe/Atlantis"'))
    code, _, err = await ledger(env, "org", "register", str(bad))
    assert code == 1
    assert "$.payload.profile.timezone" in err
    code, _, err = await ledger(env, "org", "show", "nobody")
    assert code == 1


async def test_scoped_tokens_are_made_and_listed_with_their_scope(env: dict[str, str]) -> None:
    code, out, err = await ledger(env, "token", "create", "--role", "auditor", "--name", "ffm",
                                  "--org", "rheinbank", "--site", "rheinbank-ffm")  # fmt: skip
    assert code == 0, err
    assert "(organisation rheinbank, site rheinbank-ffm)" in out
    _, listed, _ = await ledger(env, "token", "list")
    assert "ffm  (organisation rheinbank, site rheinbank-ffm)" in listed
    code, _, err = await ledger(env, "token", "create", "--role", "clerk", "--name", "x",
                                "--site", "rheinbank-ffm")  # fmt: skip
    assert code == 2
    assert "--org" in err
