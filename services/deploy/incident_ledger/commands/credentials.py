"""``ledger token`` and ``ledger keys``: the API's bearer tokens and the checkpoint
signer's keys."""

from __future__ import annotations

import os
import uuid

import click
from ledger_verify import note

from incident_ledger.commands.cli_context import settings, with_db
from ledger_api import token_store as tokens


@click.group()
def token() -> None:
    """Create, list and revoke API bearer tokens."""


@token.command("create")
@click.option("--role", type=click.Choice(tokens.ROLES), required=True)
@click.option("--name", required=True, help="Who or what holds the token.")
@click.option(
    "--source",
    "sources",
    multiple=True,
    metavar="SOURCE",
    help="A source the publisher may publish as (repeatable; required for publishers).",
)
@click.option("--org", help="Scope the token to this organisation's incidents (default: all).")
@click.option("--site", help="Scope the token to this site of --org.")
def token_create(
    role: str, name: str, sources: tuple[str, ...], org: str | None, site: str | None
) -> None:
    try:
        tokens.check_sources(role, sources)
        scope = tokens.check_scope(org, site)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    info, secret = with_db(
        settings(),
        lambda c: tokens.create(c, role=role, name=name, sources=sources, scope=scope),
    )
    click.echo(f"{info.token_id}  {info.role}  {info.name}{_sources(info)}{_scope(info)}")
    click.echo(secret)
    click.echo("Keep the token now: only its hash is stored.", err=True)


@token.command("list")
def token_list() -> None:
    for info in with_db(settings(), tokens.listing):
        revoked = f"revoked {info.revoked_at:%Y-%m-%d %H:%M}" if info.revoked_at else "active"
        held = f"{info.name}{_sources(info)}{_scope(info)}"
        click.echo(f"{info.token_id}  {info.role:9}  {revoked:24}  {held}")


def _sources(info: tokens.TokenInfo) -> str:
    return f"  (sources: {', '.join(info.sources)})" if info.sources else ""


def _scope(info: tokens.TokenInfo) -> str:
    if info.organisation_id is None:
        return ""
    site = f", site {info.site_id}" if info.site_id else ""
    return f"  (organisation {info.organisation_id}{site})"


@token.command("revoke")
@click.argument("token_id", type=click.UUID)
def token_revoke(token_id: uuid.UUID) -> None:
    if not with_db(settings(), lambda c: tokens.revoke(c, token_id)):
        raise click.ClickException(f"no active token {token_id}")
    click.echo(f"revoked {token_id}")


@click.group()
def keys() -> None:
    """Signing keys for checkpoints; the master key for personal data (privacy, rotate)."""


@keys.command("create")
@click.option("--name", required=True, help="the key's name, e.g. ledger.example.org/incidents")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="key file")
def keys_create(name: str, out: str) -> None:
    """Make an Ed25519 signing key: the private key goes to OUT (mode 600, never
    overwritten), the public verifier key is printed for verifiers to pin."""
    try:
        signer = note.generate(name)
    except note.NoteError as exc:
        raise click.UsageError(str(exc)) from None
    try:  # created with mode 600: the key is never readable by others, not even briefly
        handle = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise click.UsageError(f"{out} exists; a key is never overwritten") from None
    with os.fdopen(handle, "w") as file:
        file.write(str(signer) + "\n")
    os.chmod(out, 0o600)  # whatever the umask took away, the owner reads and writes
    click.echo(str(signer.verifier()))
