"""Organisation and site files for ``ledger org`` and ``ledger site``: TOML or JSON (by
the file's suffix; standard input is JSON), one organisation or one site each, turned into
the profile event the ledger records. The format is the event's payload (README,
"Organisations and sites"; an example in ``examples/profiles/``)."""

from __future__ import annotations

import tomllib
from typing import Any, TypeVar

import msgspec

from contracts import builders, canonical
from contracts.envelope import Actor, Envelope
from contracts.errors import ContractError
from contracts.events.profile import OrganisationProfile, SiteProfile


class FileError(ValueError):
    """A file that does not read as an organisation or a site, naming the field."""


class OrganisationFile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    organisation_id: str
    name: str
    profile: OrganisationProfile
    note: str = ""


class SiteFile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    organisation_id: str
    site_id: str
    name: str
    profile: SiteProfile = SiteProfile()
    note: str = ""


def parse(text: str, name: str) -> dict[str, Any]:
    """The table a file holds: TOML when ``name`` ends ``.toml``, else JSON."""
    try:
        value = tomllib.loads(text) if name.endswith(".toml") else msgspec.json.decode(text)
    except (tomllib.TOMLDecodeError, msgspec.DecodeError) as exc:
        raise FileError(f"not {'TOML' if name.endswith('.toml') else 'JSON'}: {exc}") from None
    if not isinstance(value, dict):
        raise FileError("expected one table (object) describing one organisation or site")
    return value


T = TypeVar("T")


def _read(table: dict[str, Any], kind: type[T]) -> T:
    try:
        return msgspec.convert(table, kind)
    except msgspec.ValidationError as exc:
        raise FileError(str(exc)) from None


def organisation_event(
    table: dict[str, Any], *, update: bool, source: str, actor: Actor
) -> dict[str, Any]:
    """``organisation.registered`` (or ``.updated``) of the file's organisation."""
    found = _read(table, OrganisationFile)
    build = builders.update_organisation if update else builders.register_organisation
    return _checked(lambda: build(organisation_id=found.organisation_id, name=found.name,
                                  profile=found.profile, note=found.note, source=source,
                                  actor=actor))  # fmt: skip


def site_event(table: dict[str, Any], *, update: bool, source: str, actor: Actor) -> dict[str, Any]:
    """``site.registered`` (or ``.updated``) of the file's site."""
    found = _read(table, SiteFile)
    build = builders.update_site if update else builders.register_site
    return _checked(lambda: build(organisation_id=found.organisation_id, site_id=found.site_id,
                                  name=found.name, profile=found.profile, note=found.note,
                                  source=source, actor=actor))  # fmt: skip


def _checked(build: Any) -> dict[str, Any]:
    """The event as ``ledger publish`` sends it, checked as the ledger will check it."""
    try:
        envelope: Envelope = build()
    except ContractError as exc:
        raise FileError(str(exc)) from None
    tree: dict[str, Any] = canonical.to_builtins(envelope)
    return tree
