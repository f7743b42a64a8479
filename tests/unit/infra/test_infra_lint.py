"""Given the deployable configurations, when ``make lint-infra`` checks them offline, then
the committed ones pass and a deliberate error (a misspelled field or directive, a value
of the wrong type) fails, naming the file, the resource and the field."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.infra.loading import INFRA, REPO

pytestmark = pytest.mark.unit
LINT = [sys.executable, str(INFRA / "lint.py")]


def _lint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LINT, *args], capture_output=True, text=True, cwd=REPO)


def _k8s_copy(tmp_path: Path, file: str, old: str, new: str) -> Path:
    copy = tmp_path / "k8s"
    shutil.copytree(INFRA / "k8s", copy)
    text = (copy / file).read_text()
    assert old in text
    (copy / file).write_text(text.replace(old, new, 1))
    return copy


def test_the_committed_configurations_pass() -> None:
    result = _lint()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAIL" not in result.stdout
    assert "ok   postgres.yaml Cluster/ledger-pg (its CRD's schema)" in result.stdout
    assert "ok   ledger.yaml Deployment/ledger-ingest (Kubernetes 1.34.0)" in result.stdout


def test_a_misspelled_field_in_a_deployment_fails(tmp_path: Path) -> None:
    k8s = _k8s_copy(tmp_path, "ledger.yaml", "readinessProbe:", "readinesProbe:")
    result = _lint("--k8s", str(k8s))
    assert result.returncode == 1
    assert "FAIL ledger.yaml Deployment/ledger-ingest" in result.stdout
    assert "'readinesProbe' was unexpected" in result.stdout


def test_a_misspelled_field_in_the_postgres_cluster_fails(tmp_path: Path) -> None:
    # The CloudNativePG Cluster is checked against its CRD's schema (saved in
    # infra/k8s/schemas/), as strictly as Kubernetes' own kinds.
    k8s = _k8s_copy(tmp_path, "postgres.yaml", "\n  storage:", "\n  storag:")
    result = _lint("--k8s", str(k8s))
    assert result.returncode == 1
    assert "FAIL postgres.yaml Cluster/ledger-pg: spec:" in result.stdout
    assert "'storag' was unexpected" in result.stdout


def test_a_wrong_type_in_the_nats_statefulset_fails(tmp_path: Path) -> None:
    k8s = _k8s_copy(tmp_path, "nats.yaml", "replicas: 3", 'replicas: "three"')
    result = _lint("--k8s", str(k8s))
    assert result.returncode == 1
    assert "FAIL nats.yaml StatefulSet/ledger-nats: spec.replicas:" in result.stdout


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_a_misspelled_systemd_directive_fails(tmp_path: Path) -> None:
    units = tmp_path / "systemd"
    shutil.copytree(INFRA / "systemd", units)
    unit = units / "ledger-ingest.service"
    unit.write_text(unit.read_text().replace("ProtectSystem=strict", "ProtectSytem=strict"))
    result = _lint("--systemd", str(units))
    assert result.returncode == 1
    assert "Unknown key 'ProtectSytem'" in result.stdout
