"""Given the Makefile, then every target it declares is run by CI (``.ci/run``, directly
or as a prerequisite of one it runs) or checked by a named test; and the recipes that no
other test runs do what ``make help`` and the README say: ``make run`` installs the
runtime dependencies only, ``make lock`` keeps a lock file that is current, ``make clean``
removes only what the Makefile made, and the test targets select registered markers."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib

import pytest

from tests.unit.infra.loading import REPO

pytestmark = [
    pytest.mark.unit,
    pytest.mark.skipif(shutil.which("make") is None, reason="no make here"),
]
MAKEFILE = (REPO / "Makefile").read_text()
TESTED = {  # target: the test module that runs it or checks its recipe
    "run": "tests/unit/infra/test_make_coverage.py",
    "cluster": "tests/cluster/test_up_cluster.py",
    "unit": "tests/unit/infra/test_make_coverage.py",
    "cluster-test": "tests/unit/infra/test_make_coverage.py",
    "soak": "tests/integration/test_bench_smoke.py",
    "bench": "tests/integration/test_bench_smoke.py",
    "bench-latency": "tests/integration/test_bench_smoke.py",
    "schema": "tests/unit/infra/test_make_targets.py",
    "image": "tests/e2e/test_image.py",
    "lock": "tests/unit/infra/test_make_coverage.py",
    "clean": "tests/unit/infra/test_make_coverage.py",
    "help": "tests/unit/infra/test_make_coverage.py",
}


def _recipe(target: str) -> str:
    """What ``make`` would run for ``target``, every prerequisite's recipe included (as a
    make of its own: under ``make test`` a nested make would print its directories)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "-B", target],
        capture_output=True, text=True, cwd=REPO, check=False, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def _declared() -> set[str]:
    phony = re.search(r"^\.PHONY:(.*)$", MAKEFILE, re.MULTILINE)
    assert phony is not None
    return set(phony[1].split())


def _prerequisites(target: str) -> set[str]:
    rule = re.search(rf"^{re.escape(target)}:(.*)$", MAKEFILE, re.MULTILINE)
    return set(rule[1].split()) if rule else set()


def _run_by_ci() -> set[str]:
    """The targets .ci/run names, and all that they depend on."""
    reached = set(re.findall(r"\bmake ([\w-]+)", (REPO / ".ci" / "run").read_text()))
    frontier = set(reached)
    while frontier:
        frontier = set().union(*map(_prerequisites, frontier)) - reached
        reached |= frontier
    return reached


def test_every_declared_target_has_a_rule() -> None:
    ruled = set(re.findall(r"^([\w-]+):", MAKEFILE, re.MULTILINE))
    assert _declared() <= ruled, sorted(_declared() - ruled)


def test_every_target_is_run_by_ci_or_checked_by_a_test() -> None:
    unchecked = _declared() - _run_by_ci() - set(TESTED)
    assert not unchecked, f"targets neither in .ci/run nor in TESTED: {sorted(unchecked)}"
    missing = {t: p for t, p in TESTED.items() if not (REPO / p).is_file()}
    assert not missing
    assert set(TESTED) <= _declared()


def test_run_installs_the_runtime_dependencies_only_and_starts_the_demo() -> None:
    recipe = _recipe("run")
    sync = next(line for line in recipe.splitlines() if " sync " in line)
    assert "--no-dev" in sync
    assert "--frozen" in sync
    assert recipe.rstrip().endswith(".venv/bin/ledger up --demo")


def _markers() -> set[str]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    declared = config["tool"]["pytest"]["ini_options"]["markers"]
    return {line.split(":")[0] for line in declared}


@pytest.mark.parametrize(
    "target", ["test", "unit", "integration", "cluster-test", "bench-smoke", "image"]
)
def test_the_test_targets_select_registered_markers(target: str) -> None:
    pytest_line = next(line for line in _recipe(target).splitlines() if "bin/pytest" in line)
    expression = re.search(r'-m (?:"([^"]+)"|(\S+))', pytest_line)
    assert expression is not None
    words = set(re.findall(r"[\w-]+", expression[1] or expression[2])) - {"and", "or", "not"}
    assert words
    assert words <= _markers()


def test_make_test_leaves_out_the_benchmarks_their_smoke_runs_and_the_image() -> None:
    pytest_line = next(line for line in _recipe("test").splitlines() if "bin/pytest" in line)
    assert '"not bench and not smoke and not image"' in pytest_line


def test_lock_writes_the_lock_file_that_is_committed_current() -> None:
    assert re.search(r"uv lock$", _recipe("lock"), re.MULTILINE)
    uv = REPO / ".tools" / "bin" / "uv"
    if not uv.exists():
        pytest.skip("uv is installed by the Makefile (.tools/bin/uv)")
    checked = subprocess.run(
        [str(uv), "lock", "--check", "--offline"], capture_output=True, text=True, cwd=REPO
    )
    assert checked.returncode == 0, checked.stderr


def test_clean_removes_only_what_the_makefile_made() -> None:
    assert _recipe("clean").split() == ["rm", "-rf", ".venv", ".tools"]


def test_help_names_the_commands_the_readme_starts_with() -> None:
    shown = subprocess.run(["make", "help"], capture_output=True, text=True, cwd=REPO).stdout
    for target in ("run", "test", "bench", "bench-latency", "cluster", "soak", "image"):
        assert f"make {target} " in shown, target


def test_the_makefile_names_no_missing_module() -> None:
    modules = re.findall(r"python -m ((?:tests|contracts)\.[\w.]+)", MAKEFILE)
    assert modules
    for module in modules:
        path = REPO / module.replace(".", "/")
        assert path.with_suffix(".py").is_file() or (path / "__main__.py").is_file(), module
