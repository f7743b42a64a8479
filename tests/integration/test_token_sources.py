"""Publisher tokens name the sources they may publish as: made with ``ledger token create
--source``, listed, held by the database (only a publisher's may have sources), and known
to the API as the holder's."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from click.testing import CliRunner, Result
from nats.aio.client import Client

from incident_ledger.cli import main
from ledger_api import token_store as tokens
from ledger_api.app import create_app
from plumbing import db
from tests.integration.test_api import bearer, http

pytestmark = pytest.mark.integration


def ledger(database_url: str, nats_url: str, *args: str) -> Result:
    env = {"LEDGER_DATABASE_URL": database_url, "LEDGER_NATS_URL": nats_url}
    return CliRunner().invoke(main, ["token", *args], env=env)


def test_a_publisher_token_is_made_with_its_sources_and_listed_with_them(
    database_url: str, nats_url: str
) -> None:
    made = ledger(database_url, nats_url, "create", "--role", "publisher", "--name", "CAD",
                  "--source", "cad", "--source", "bms", "--source", "cad")  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "(sources: bms, cad)" in made.output
    secret = made.output.splitlines()[1]
    listed = ledger(database_url, nats_url, "list")
    assert "CAD  (sources: bms, cad)" in listed.output

    async def holder() -> tokens.Holder | None:
        conn = await asyncpg.connect(database_url)
        try:
            return await tokens.holder_of(conn, secret)
        finally:
            await conn.close()

    found = asyncio.run(holder())
    assert found is not None
    assert found.sources == ("bms", "cad")


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--role", "publisher"], "--source"),
        (["--role", "clerk", "--source", "cad"], "only publisher tokens"),
        (["--role", "publisher", "--source", "c.d"], "'c.d'"),
        (["--role", "publisher", "--source", ""], "''"),
    ],
)
def test_sources_are_required_of_publishers_and_refused_to_others(
    database_url: str, nats_url: str, args: list[str], named: str
) -> None:
    refused = ledger(database_url, nats_url, "create", "--name", "x", *args)
    assert refused.exit_code == 2
    assert named in refused.output


async def test_the_database_refuses_sources_on_any_other_role(pool: asyncpg.Pool) -> None:
    """Even a token written around ``tokens.create``."""
    with pytest.raises(asyncpg.CheckViolationError):
        await pool.execute(
            "INSERT INTO api_tokens (token_id, name, role, token_hash, sources)"
            " VALUES (gen_random_uuid(), 'x', 'auditor', $1, '{cad}')",
            b"\x00" * 32,
        )


async def test_the_development_token_gets_its_sources_when_made_before_them(
    pool: asyncpg.Pool,
) -> None:
    """Given a publisher token registered with no sources (before revision 0014), when
    ``ledger up`` ensures it again, then it publishes as the sources it is given."""
    secret = tokens.new_secret()
    await pool.execute(
        "INSERT INTO api_tokens (token_id, name, role, token_hash)"
        " VALUES (gen_random_uuid(), 'development publisher', 'publisher', $1)",
        tokens.hash_token(secret),
    )
    async with pool.acquire() as conn:
        await tokens.ensure(conn, role="publisher", name="dev", secret=secret, sources=("demo",))
        holder = await tokens.holder_of(conn, secret)
    assert holder is not None
    assert holder.sources == ("demo",)


async def test_admins_make_publisher_tokens_with_sources_over_http(
    pool: asyncpg.Pool, nc: Client
) -> None:
    async with http(create_app(pool, nc, db.head_revision())) as client:
        client.headers.update(await bearer(pool, "admin"))
        without = await client.post("/v1/tokens", json={"role": "publisher", "name": "cad"})
        made = await client.post(
            "/v1/tokens", json={"role": "publisher", "name": "cad", "sources": ["cad"]}
        )
    assert without.status_code == 400
    assert "--source" in without.json()["detail"]
    assert made.status_code == 201, made.text
    assert made.json()["token"]["sources"] == ["cad"]
