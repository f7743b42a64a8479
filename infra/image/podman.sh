#!/usr/bin/env bash
# podman, with what a container runtime needs on a machine like a CI sandbox:
# - mixed cgroups v1 and v2: crun refuses them ("cgroups in hybrid mode not supported"),
#   runc takes them, so runc is used there when installed (LEDGER_IMAGE_RUNTIME overrides);
# - no CAP_SYS_RESOURCE: the runtime may not raise a resource limit ("setrlimit
#   RLIMIT_NOFILE: Operation not permitted"), so containers and build steps keep this
#   shell's open-file limit and 4,096 processes;
# - no systemd: health checks run only when asked (`podman healthcheck run`), no timer.
#   infra/image/podman.sh run|build|create|... ARGS
set -euo pipefail
global=()
runtime="${LEDGER_IMAGE_RUNTIME:-}"
if [ -z "$runtime" ] && [ -d /sys/fs/cgroup/unified ] && command -v runc >/dev/null; then
  runtime=runc
fi
[ -n "$runtime" ] && global+=(--runtime "$runtime")
command="$1"
shift
limits=(--ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit "nproc=4096:4096")
case "$command" in
  build) exec podman "${global[@]}" build "${limits[@]}" "$@" ;;
  run | create)
    [ -S /run/systemd/private ] || limits+=(--health-interval disable)
    exec podman "${global[@]}" "$command" "${limits[@]}" "$@" ;;
  *) exec podman "${global[@]}" "$command" "$@" ;;
esac
