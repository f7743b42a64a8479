# Everything bootstraps itself: a machine with Python >= 3.11 and make needs nothing else.
PYTHON ?= python3
TOOLS  := .tools
UV     := $(TOOLS)/bin/uv
VENV   := .venv
STAMP  := $(VENV)/.synced
RUNTIME := $(VENV)/.runtime
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
PYTEST_WORKERS ?= 2

.PHONY: run cluster soak test lint lint-infra typecheck unit integration cluster-test bench bench-latency bench-smoke schema image lock clean help

help:
	@echo "make run    - start the whole system with demo data"
	@echo "make test   - lint, type-check and run the whole test suite"
	@echo "make bench  - run the benchmarks in tests/bench/"
	@echo "make bench-latency - publish->commit latency runs and stall causes (QUICK=1: short)"
	@echo "make cluster - 3 NATS nodes, a PostgreSQL replica, every service twice (failover drills)"
	@echo "make bench-smoke - every benchmark command at a tiny size (CI runs it)"
	@echo "make image  - build the container image with podman and smoke-test it (IMAGE_BASE=...)"
	@echo "make soak   - 10 minutes at 2,000 events/s with a fault every minute (not in CI)"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv

# Bytecode compiled once here: where PYTHONDONTWRITEBYTECODE is set (CI images often do),
# every process would otherwise compile every module it imports, each time it starts.
$(STAMP): $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --compile-bytecode --reinstall-package incident-ledger --python $(PYTHON)
	$(VENV)/bin/python -m compileall -q contracts services tests > /dev/null
	@touch $(STAMP)

# Running needs only the runtime dependencies: no test, lint or benchmark tool. --inexact
# keeps the development tools a `make test` installed before.
$(RUNTIME): $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --no-dev --inexact --compile-bytecode --reinstall-package incident-ledger --python $(PYTHON)
	$(VENV)/bin/python -m compileall -q contracts services > /dev/null
	@touch $(RUNTIME)

run: $(RUNTIME)
	$(VENV)/bin/ledger up --demo

cluster: $(RUNTIME)
	$(VENV)/bin/ledger up --cluster --demo

lint: $(STAMP) lint-infra
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# Kubernetes manifests against the schemas of a stated version (offline), the
# CloudNativePG Cluster against its CRD, the Dockerfile (hadolint), the systemd units.
lint-infra: $(STAMP)
	$(VENV)/bin/python infra/lint.py

typecheck: $(STAMP)
	$(VENV)/bin/mypy

test: lint typecheck
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadgroup -m "not bench and not smoke and not image" tests

unit: $(STAMP)
	$(VENV)/bin/pytest -m unit tests

integration: $(STAMP)
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) -m "integration or e2e" tests

soak: $(STAMP)
	$(VENV)/bin/python -m tests.bench.soak

cluster-test: $(STAMP)
	$(VENV)/bin/pytest -m cluster tests

bench: $(STAMP)
	$(VENV)/bin/python -m tests.bench.ingest
	$(VENV)/bin/python -m tests.bench.latency_runs
	$(VENV)/bin/python -m tests.bench.projector
	$(VENV)/bin/python -m tests.bench.api
	$(VENV)/bin/python -m tests.bench.audit
	$(VENV)/bin/python -m tests.bench.pinned_export
	$(VENV)/bin/python -m tests.bench.since_live
	$(VENV)/bin/python -m tests.bench.served_tiles
	$(VENV)/bin/python -m tests.bench.sealing
	$(VENV)/bin/python -m tests.bench.erasure_scale
	$(VENV)/bin/python -m tests.bench.triangle
	$(VENV)/bin/python -m tests.bench.report_pdf
	$(VENV)/bin/python -m tests.bench.lossrun_xlsx
	$(VENV)/bin/python -m tests.bench.console

bench-latency: $(STAMP)
	$(VENV)/bin/python -m tests.bench.latency_runs $(if $(QUICK),--quick)
	$(VENV)/bin/python -m tests.bench.console_board

# Every command of bench, bench-latency and soak at a tiny size: they still run, and no
# request of theirs fails (tests/integration/test_bench_smoke.py). CI runs it after `test`.
bench-smoke: $(STAMP)
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) -m smoke tests/integration/test_bench_smoke.py

# The events' JSON Schemas (contracts/schema/*.json) regenerated from the structs.
schema: $(STAMP)
	$(VENV)/bin/python -m contracts.schema

# The container image built by infra/image/build.sh and run: non-root, its commands, its
# labels, the whole ledger on a read-only root. IMAGE_BASE: a Python base image to build
# on; unset, a Debian base is made with debootstrap (for a machine with no image registry).
image: $(STAMP)
	$(if $(IMAGE_BASE),LEDGER_IMAGE_BASE=$(IMAGE_BASE) )$(VENV)/bin/pytest -m image -s tests/e2e/test_image.py

lock: $(UV)
	$(UV) lock

clean:
	rm -rf $(VENV) $(TOOLS)
