# syntax=docker/dockerfile:1
# The ledger's image: the wheel and its locked runtime dependencies, nothing else.
# infra/image/build.sh builds and smoke-tests it (`make image`); by hand:
#   podman build --format docker --build-arg VERSION=0.1.0 --build-arg REVISION="$(git rev-parse HEAD)" \
#     --build-arg SOURCE="$(git remote get-url origin)" -t incident-ledger:0.1.0 .
# One image for every service: the command picks it (`ledger ingest|project|sign|api|migrate`).
# The base of both stages: a slim Python; build.sh --local-base passes one made with debootstrap.
ARG PYTHON_IMAGE=docker.io/library/python:3.12-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
# uv trusts the system's certificate store, as pip does (a proxy's CA included).
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 UV_PYTHON_DOWNLOADS=never UV_NATIVE_TLS=1
# uv exports the lock file and builds the wheel (hatchling, in an isolated build env).
RUN python3 -m venv /opt/build && /opt/build/bin/pip install --no-cache-dir "uv==0.13.9"
WORKDIR /src
COPY pyproject.toml uv.lock README.md ./
COPY contracts contracts
COPY services services
# Package data of the wheel (pyproject.toml maps them into plumbing/shipped/).
COPY migrations migrations
COPY infra/nats infra/nats
COPY infra/postgres infra/postgres
# Runtime dependencies exactly as locked, with their hashes; the dev group stays out, and
# so do pip and setuptools (uv installs into the venv from outside it).
RUN /opt/build/bin/uv export --frozen --no-dev --no-emit-project --format requirements-txt -o /tmp/runtime.txt \
 && /opt/build/bin/uv build --wheel --out-dir /tmp/dist \
 && python3 -m venv --without-pip /opt/ledger/venv \
 && /opt/build/bin/uv pip install --python /opt/ledger/venv/bin/python --no-cache --compile-bytecode \
      --require-hashes --no-deps -r /tmp/runtime.txt \
 && /opt/build/bin/uv pip install --python /opt/ledger/venv/bin/python --no-cache --compile-bytecode \
      --no-deps /tmp/dist/*.whl

FROM ${PYTHON_IMAGE}
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=unknown
LABEL org.opencontainers.image.title="incident-ledger" \
      org.opencontainers.image.description="Event-sourced incident ledger with a tamper-evident audit trail" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0"
# A fixed numeric uid, so that Kubernetes' runAsNonRoot can check it.
RUN groupadd --gid 10001 ledger \
 && useradd --no-log-init --uid 10001 --gid 10001 --home-dir /var/lib/ledger --create-home \
      --shell /usr/sbin/nologin ledger
COPY --from=build /opt/ledger/venv /opt/ledger/venv
COPY --chmod=0755 infra/image/ledger_probe.py /opt/ledger/bin/ledger-probe
ENV PATH=/opt/ledger/bin:/opt/ledger/venv/bin:${PATH} \
    LEDGER_DATA_DIR=/var/lib/ledger \
    LEDGER_LOG_FORMAT=json \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER 10001:10001
WORKDIR /var/lib/ledger
# Every service holds a connection to PostgreSQL and one to NATS while it is healthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["/opt/ledger/venv/bin/python", "/opt/ledger/bin/ledger-probe", "connected"]
ENTRYPOINT ["ledger"]
CMD ["--help"]
