"""Given the deployable configurations in infra/, then every manifest is valid YAML, every
``ledger`` command and ``LEDGER_*`` variable they (and the README) name is one the code
has, and the Kubernetes copy of the NATS accounts is the cluster's own."""

from __future__ import annotations

import re
import socket

import click
import pytest
import yaml

from incident_ledger.cli import main
from incident_ledger.stack import process
from plumbing import settings
from plumbing.paths import infra_dir, repo_root

pytestmark = pytest.mark.unit
INFRA = infra_dir()
SUFFIXES = {".yaml", ".service", ".example", ".conf"}
TEXTS = [p for p in INFRA.rglob("*") if p.is_file() and p.suffix in SUFFIXES]
ACCOUNTS = (INFRA / "nats" / "cluster" / "accounts.conf").read_text()


def _commands(group: click.Group = main, prefix: str = "") -> set[str]:
    found = set()
    for name, command in group.commands.items():
        found.add(f"{prefix}{name}")
        if isinstance(command, click.Group):
            found |= _commands(command, f"{prefix}{name} ")
    return found


def _known_variables() -> set[str]:
    users = re.findall(r"\$(LEDGER_NATS_[A-Z]+_PASSWORD)", ACCOUNTS)
    names = ("INGEST", "PROJECTOR", "SIGNER", "API")
    services = {f"LEDGER_{kind}_URL_{s}" for kind in ("NATS", "DATABASE") for s in names}
    services.add("LEDGER_DATABASE_URL_OWNER")  # the migration Job's
    return settings.variables() | set(users) | services


def test_every_manifest_is_valid_yaml_with_a_kind() -> None:
    manifests = sorted((INFRA / "k8s").glob("*.yaml"))
    assert manifests
    for path in manifests:
        for document in yaml.safe_load_all(path.read_text()):
            assert document.get("kind"), path
            assert document.get("apiVersion"), path


def test_the_kustomization_names_files_that_exist() -> None:
    kustomization = yaml.safe_load((INFRA / "k8s" / "kustomization.yaml").read_text())
    named = kustomization["resources"] + [
        f for generator in kustomization["configMapGenerator"] for f in generator["files"]
    ]
    assert all((INFRA / "k8s" / name).is_file() for name in named), named


def test_kubernetes_uses_the_clusters_accounts_unchanged() -> None:
    assert (INFRA / "k8s" / "nats" / "accounts.conf").read_text() == ACCOUNTS


def test_every_ledger_command_named_in_infra_and_readme_exists() -> None:
    commands, named = _commands(), set()
    for path in TEXTS:
        named |= set(re.findall(r'bin/ledger ([a-z-]+)|"ledger", "([a-z-]+)"', path.read_text()))
    readme = (repo_root() / "README.md").read_text()
    named |= {(c, "") for c in re.findall(r"`ledger ([a-z]+(?: [a-z]+)?)", readme)}
    missing = {a or b for a, b in named} - commands
    missing = {m for m in missing if m.split(" ")[0] not in commands}
    assert not missing, f"commands named but not in the CLI: {sorted(missing)}"


def test_every_variable_named_in_infra_is_read_by_the_code() -> None:
    known = _known_variables()
    for path in TEXTS:
        for variable in set(re.findall(r"\bLEDGER_[A-Z_]*[A-Z](?![A-Z_<])", path.read_text())):
            assert variable in known, f"{path.relative_to(INFRA)} names {variable}"


def test_systemd_units_name_their_environment_and_restart() -> None:
    """Every unit reads its environment; every long-running one restarts (the migration
    unit is a oneshot, and the services are ordered after it)."""
    for unit in sorted((INFRA / "systemd").glob("*.service")):
        text = unit.read_text()
        assert "EnvironmentFile=/etc/incident-ledger/" in text, unit
        assert ("Type=oneshot" in text) != ("Restart=always" in text), unit
        if unit.name.startswith("ledger-") and "Type=oneshot" not in text:
            assert "After=network-online.target ledger-migrate.service" in text, unit


def test_a_derived_port_that_is_taken_gives_way_to_a_free_one() -> None:
    """Given a program listening on the port after LEDGER_HTTP_PORT, the cluster's second
    API takes a free port instead of failing to bind."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        other = process.port_or_free("127.0.0.1", busy)
        assert other != busy
    free = process.free_port()
    assert process.port_or_free("127.0.0.1", free) == free


def test_a_free_port_is_chosen_where_no_outgoing_connection_is_given_one() -> None:
    """A port from the kernel's ephemeral range may be handed to an outgoing connection's
    end before its server binds it (a test's API once failed to start so): free ports are
    chosen below that range, and bound by nothing when chosen."""
    below = process._ephemeral_start()
    if below <= 20_000:
        pytest.skip(f"the ephemeral range starts at {below}: no room below it here")
    ports = {process.free_port() for _ in range(20)}
    assert all(20_000 <= p < below for p in ports)
    for port in ports:
        assert process.port_or_free("127.0.0.1", port) == port
