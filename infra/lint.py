"""``make lint-infra``: the deployable configurations checked offline.

- Every Kubernetes manifest in ``infra/k8s/`` against the schemas of Kubernetes
  KUBERNETES_VERSION as shipped in ``kubernetes-validate`` (strict: an unknown or
  misspelled field fails, as ``kubectl apply --validate=strict`` would).
- The CloudNativePG ``Cluster`` against its CRD's schema where one is saved in
  ``infra/k8s/schemas/`` (made strict the same way); without it, named as not checked.
- The Dockerfile with ``hadolint``; the systemd units with ``systemd-analyze verify``
  where systemd is installed (skipped with a message otherwise). A unit's program that
  is not installed on this machine is not an error here.

``python infra/lint.py [--k8s DIR] [--systemd DIR] [--dockerfile FILE]``: exit 1 on any
error, each printed with the file, the resource and the field.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

KUBERNETES_VERSION = "1.34.0"
HERE = Path(__file__).resolve().parent
CRD_SCHEMAS = {("postgresql.cnpg.io/v1", "Cluster"): "postgresql.cnpg.io_v1_cluster.json"}
NOT_KUBERNETES = {"Kustomization"}  # kustomize's own file; its names are checked by a test
NOT_INSTALLED = re.compile(r"Command \S+ is not executable: No such file or directory")


def documents(k8s_dir: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in sorted(k8s_dir.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                yield path, document


def strict(schema: Any) -> Any:
    """``schema`` refusing properties it does not name, except where the CRD keeps
    unknown fields on purpose (``x-kubernetes-preserve-unknown-fields``)."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    made = {key: strict(value) for key, value in schema.items()}
    keeps_unknown = schema.get("x-kubernetes-preserve-unknown-fields")
    if "properties" in schema and "additionalProperties" not in schema and not keeps_unknown:
        made["additionalProperties"] = False
    return made


def _where(path: Any) -> str:
    return ".".join(str(part) for part in path) or "(top)"


def crd_errors(document: dict[str, Any], schema_file: Path) -> list[str]:
    schema = strict(json.loads(schema_file.read_text()))
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"{_where(e.absolute_path)}: {e.message}" for e in errors]


def kubernetes_errors(document: dict[str, Any], version: str) -> list[str]:
    try:
        kubernetes_validate.validate(document, version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        return [f"{_where(exc.path)}: {exc.message}"]
    except kubernetes_validate.SchemaNotFoundError as exc:
        return [exc.message]
    return []


def _crd(document: dict[str, Any]) -> str | None:
    return CRD_SCHEMAS.get((document.get("apiVersion", ""), document.get("kind", "")))


def check_manifest(document: dict[str, Any], version: str) -> list[str] | None:
    """The errors of one resource; None when it is not a Kubernetes resource."""
    if document.get("kind") in NOT_KUBERNETES:
        return None
    crd = _crd(document)
    if crd is not None:
        schema = HERE / "k8s" / "schemas" / crd
        return crd_errors(document, schema) if schema.exists() else None
    return kubernetes_errors(document, version)


def check_k8s(k8s_dir: Path, version: str) -> int:
    failed = 0
    for path, document in documents(k8s_dir):
        name = f"{path.name} {document.get('kind')}/{document.get('metadata', {}).get('name')}"
        errors = check_manifest(document, version)
        if errors is None:
            why = "no CRD schema saved here" if _crd(document) else "not a Kubernetes resource"
            print(f"skip {name} ({why})")
            continue
        for error in errors:
            print(f"FAIL {name}: {error}")
        failed += bool(errors)
        if not errors:
            against = "its CRD's schema" if _crd(document) else f"Kubernetes {version}"
            print(f"ok   {name} ({against})")
    return failed


def check_systemd(unit_dir: Path) -> int:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        print("skip systemd units: systemd-analyze is not installed here")
        return 0
    units = sorted(str(p) for p in unit_dir.glob("*.service"))
    result = subprocess.run([tool, "verify", *units], capture_output=True, text=True)
    lines = (result.stdout + result.stderr).splitlines()
    errors = [line for line in lines if line.strip() and not NOT_INSTALLED.search(line)]
    for error in errors:
        print(f"FAIL systemd: {error}")
    if not errors:
        print(f"ok   systemd-analyze verify: {len(units)} units")
    return len(errors)


def check_dockerfile(dockerfile: Path) -> int:
    tool = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(tool).exists():
        print("skip Dockerfile: hadolint is not installed here")
        return 0
    result = subprocess.run([tool, str(dockerfile)], capture_output=True, text=True)
    for line in (result.stdout + result.stderr).splitlines():
        print(f"FAIL hadolint: {line}")
    if result.returncode == 0:
        print(f"ok   hadolint {dockerfile.name}")
    return int(result.returncode != 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="infra/lint.py", description=__doc__)
    parser.add_argument("--k8s", type=Path, default=HERE / "k8s")
    parser.add_argument("--systemd", type=Path, default=HERE / "systemd")
    parser.add_argument("--dockerfile", type=Path, default=HERE.parent / "Dockerfile")
    parser.add_argument("--kubernetes-version", default=KUBERNETES_VERSION)
    args = parser.parse_args(argv)
    failed = check_k8s(args.k8s, args.kubernetes_version)
    failed += check_systemd(args.systemd)
    failed += check_dockerfile(args.dockerfile)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
