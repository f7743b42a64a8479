"""Given the systemd units, then every one carries the same hardening, and the ledger's
services are ordered after the migration unit."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest

from tests.unit.infra.loading import INFRA

pytestmark = pytest.mark.unit
UNITS = sorted((INFRA / "systemd").glob("*.service"))
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectKernelLogs": "yes",
    "ProtectControlGroups": "yes",
    "LockPersonality": "yes",
    "MemoryDenyWriteExecute": "yes",
    "RestrictNamespaces": "yes",
    "CapabilityBoundingSet": "",
    "UMask": "0077",
}


def _service(unit: Path) -> dict[str, list[str]]:
    """The [Service] section, every value of a repeated key kept."""
    values: dict[str, list[str]] = {}
    section = ""
    for line in unit.read_text().splitlines():
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_every_unit_is_hardened(unit: Path) -> None:
    service = _service(unit)
    for key, value in HARDENING.items():
        assert service.get(key) == [value], f"{unit.name}: {key}"
    assert "@system-service" in service["SystemCallFilter"]
    assert service["StateDirectory"], "the one place it writes"


def test_the_migration_unit_runs_once_as_the_owner_before_the_services() -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read_string((INFRA / "systemd" / "ledger-migrate.service").read_text())
    assert parser["Service"]["Type"] == "oneshot"
    assert parser["Service"]["ExecStart"].endswith("ledger migrate")
    for unit in UNITS:
        if unit.name.startswith("ledger-") and unit.name != "ledger-migrate.service":
            assert "ledger-migrate.service" in unit.read_text().split("[Service]")[0]
