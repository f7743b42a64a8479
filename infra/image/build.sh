#!/usr/bin/env bash
# Builds the ledger's image with podman and smoke-tests it: it runs as a non-root user,
# `ledger --version` and `ledger-verify --help` answer, and its size is printed.
#
#   infra/image/build.sh [--tag TAG] [--base IMAGE | --local-base] [--no-smoke]
#
# --base IMAGE   the Python base of both stages (default: the Dockerfile's slim Python image)
# --local-base   a Debian bookworm base made here with debootstrap (python3, python3-venv),
#                for a machine that reaches Debian's mirror and PyPI but no image
#                registry; it carries this machine's certificate store, so an image built
#                on it is for checking here, not for shipping.
# podman is run through podman.sh beside this file (what a sandbox's runtime needs).
set -euo pipefail
cd "$(dirname "$0")/../.."

VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -1)"
TAG="localhost/incident-ledger:$VERSION"
BASE=""
LOCAL_BASE_TAG="localhost/incident-ledger-base:bookworm"
SMOKE=1
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) TAG="$2"; shift 2 ;;
    --base) BASE="$2"; shift 2 ;;
    --local-base) BASE="$LOCAL_BASE_TAG"; shift ;;
    --no-smoke) SMOKE=0; shift ;;
    *) echo "build.sh: unknown argument '$1' (see the comment at the top)" >&2; exit 2 ;;
  esac
done
command -v podman >/dev/null || { echo "build.sh: podman is not installed" >&2; exit 3; }

PODMAN="infra/image/podman.sh"

local_base() {
  if podman image exists "$LOCAL_BASE_TAG"; then return; fi
  command -v debootstrap >/dev/null || { echo "build.sh: debootstrap is not installed" >&2; exit 3; }
  local root
  root="$(mktemp -d)"
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
    bookworm "$root" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >/dev/null
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | podman import -q - "$LOCAL_BASE_TAG" >/dev/null
  rm -rf "$root"
}

[ "$BASE" = "$LOCAL_BASE_TAG" ] && local_base
BUILD_ARGS=(--build-arg "VERSION=$VERSION" --build-arg "REVISION=$(git rev-parse HEAD)"
            --build-arg "SOURCE=$(git remote get-url origin 2>/dev/null || echo unknown)")
[ -n "$BASE" ] && BUILD_ARGS+=(--build-arg "PYTHON_IMAGE=$BASE")
"$PODMAN" build -q --format docker --network host "${BUILD_ARGS[@]}" -t "$TAG" . >/dev/null

size=$(podman image inspect "$TAG" --format '{{.Size}}')
echo "image $TAG: $((size / 1000000)) MB"
[ "$SMOKE" = 1 ] || exit 0

run() { "$PODMAN" run --rm --network none "$@"; }
uid=$(run --entrypoint id "$TAG" -u)
[ "$uid" != 0 ] || { echo "build.sh: the image runs as root" >&2; exit 1; }
echo "runs as uid $uid"
run "$TAG" --version
run --entrypoint ledger-verify "$TAG" --help >/dev/null && echo "ledger-verify --help: ok"
