#!/usr/bin/env bash
# Smoke test of the built image without a container runtime (crun cannot start containers in
# this sandbox): mount the image read-only (`podman image mount`), bind a fresh directory over
# its data volume and a tmpfs over /tmp (the only writable paths, as in compose and Helm), then
# chroot into it as uid 10001 with the image's own ENV and ENTRYPOINT: `db upgrade` on SQLite,
# then `api`, GET /health/live and /health/ready, then `worker` for a few seconds. Anything the
# app writes outside those two paths fails here, since the rest of the mount is read-only.
#
# Usage: scripts/image-smoke.sh     (root; IMAGE defaults to localhost/dso-gateway:latest)
set -euo pipefail

IMAGE=${IMAGE:-localhost/dso-gateway:latest}
started=$(date +%s)
mnt=""
data=$(mktemp -d /var/tmp/dso-gateway-smoke.XXXXXX)
api_pid=""
mounted=()
extra_env=()
pgdb=""

cleanup() {
  if [ -n "$api_pid" ] && kill -0 "$api_pid" 2>/dev/null; then
    kill "$api_pid"; wait "$api_pid" 2>/dev/null || true
  fi
  for ((i=${#mounted[@]}-1; i>=0; i--)); do umount "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}" || true; done
  [ -n "$mnt" ] && podman image unmount "$IMAGE" >/dev/null 2>&1 || true
  rm -rf "$data"
  [ -n "$pgdb" ] && dropdb -h 127.0.0.1 -U postgres --if-exists "$pgdb" || true
}
trap cleanup EXIT

mnt=$(podman image mount "$IMAGE")
echo "image-smoke: $IMAGE mounted at $mnt"
if touch "$mnt/.smoke-write-test" 2>/dev/null; then
  rm -f "$mnt/.smoke-write-test"
  echo "image-smoke: the image mount is writable; remounting it read-only"
  mount --bind "$mnt" "$mnt" && mounted+=("$mnt") && mount -o remount,bind,ro "$mnt"
fi

bind() { mount "$@" && mounted+=("${@: -1}"); }
bind --bind /dev "$mnt/dev"
bind -t proc proc "$mnt/proc"
bind -t tmpfs -o size=256m,mode=1777 tmpfs "$mnt/tmp"
chown 10001:10001 "$data"
bind --bind "$data" "$mnt/var/lib/dso-gateway"

# The image's configuration, as a runtime would apply it.
mapfile -t image_env < <(podman image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$IMAGE" | sed '/^$/d')
entrypoint=$(podman image inspect --format '{{join .Config.Entrypoint " "}}' "$IMAGE")
workdir=$(podman image inspect --format '{{.Config.WorkingDir}}' "$IMAGE")
user=$(podman image inspect --format '{{.Config.User}}' "$IMAGE")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

# Sets cmd to run the image's entrypoint with these arguments. chroot, env and sh each exec the
# next, so a command started with `"${cmd[@]}" &` has $! = the gateway process itself (a shell
# function in the background would be a subshell, and the signal would miss the gateway).
in_image() {
  # Notifications unauthenticated, so the api must stay on 127.0.0.1 (it refuses 0.0.0.0 so).
  cmd=(chroot --userspec="$user" "$mnt" /usr/bin/env -i "${image_env[@]}"
    HOME=/var/lib/dso-gateway DSOGW_API_HOST=127.0.0.1 DSOGW_API_PORT="$port" DSOGW_LOG_FORMAT=json
    "${extra_env[@]}"
    /bin/sh -c 'cd "$0" && exec "$@"' "$workdir" $entrypoint "$@")
}

echo "image-smoke: $entrypoint db upgrade (SQLite under the data volume)"
in_image db upgrade; "${cmd[@]}"
in_image db current; "${cmd[@]}"

# The migration as the Helm hook and the compose service run it: against PostgreSQL, twice (the
# second run must change nothing). Only where a PostgreSQL answers on 127.0.0.1 (SMOKE_POSTGRES=off
# skips it); a database of its own, dropped afterwards.
if [ "${SMOKE_POSTGRES:-auto}" != off ] && command -v createdb >/dev/null && pg_isready -h 127.0.0.1 -q; then
  pgdb=dso_gateway_image_smoke_$$
  createdb -h 127.0.0.1 -U postgres "$pgdb"
  extra_env=(DSOGW_STORE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/$pgdb")
  echo "image-smoke: $entrypoint db upgrade on PostgreSQL (database $pgdb), twice"
  in_image db upgrade; "${cmd[@]}"
  in_image db upgrade; second=$("${cmd[@]}" 2>/dev/null)
  echo "$second"
  case $second in *"nothing changed"*) ;; *) echo "image-smoke: the second upgrade changed something" >&2; exit 1 ;; esac
  in_image db current; "${cmd[@]}"
  extra_env=()
  dropdb -h 127.0.0.1 -U postgres "$pgdb"; pgdb=""
else
  echo "image-smoke: no PostgreSQL on 127.0.0.1 (or SMOKE_POSTGRES=off): the PostgreSQL migration is not tried"
fi

echo "image-smoke: $entrypoint api on 127.0.0.1:$port"
in_image api; "${cmd[@]}" >"$data/api.log" 2>&1 &
api_pid=$!
for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$port/health/live" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$api_pid" 2>/dev/null; then echo "image-smoke: the api exited:" >&2; cat "$data/api.log" >&2; exit 1; fi
  sleep 1
done
live=$(curl -fsS "http://127.0.0.1:$port/health/live") || { echo "image-smoke: no answer on /health/live" >&2; cat "$data/api.log" >&2; exit 1; }
ready=$(curl -fsS "http://127.0.0.1:$port/health/ready") || { echo "image-smoke: /health/ready failed" >&2; cat "$data/api.log" >&2; exit 1; }
echo "image-smoke: /health/live $live, /health/ready $ready"
echo "image-smoke: wrote under the data volume: $(cd "$data" && find . -mindepth 1 -maxdepth 1 ! -name '*.log' | sort | tr '\n' ' ')"
kill "$api_pid"; wait "$api_pid" 2>/dev/null || true
api_pid=""
if pgrep -u 10001 -f "dso-gateway api" >/dev/null; then echo "image-smoke: an api process is left" >&2; exit 1; fi

# The worker has no HTTP port: it must still run after a few seconds (its stages, heartbeat and
# periodic jobs started on the read-only root) and stop cleanly on SIGTERM.
echo "image-smoke: $entrypoint worker"
in_image worker; "${cmd[@]}" >"$data/worker.log" 2>&1 &
api_pid=$!
sleep 8
if ! kill -0 "$api_pid" 2>/dev/null; then echo "image-smoke: the worker exited:" >&2; cat "$data/worker.log" >&2; exit 1; fi
kill -TERM "$api_pid"
worker_rc=0; wait "$api_pid" || worker_rc=$?
api_pid=""
if [ "$worker_rc" -ne 0 ]; then echo "image-smoke: the worker stopped with $worker_rc:" >&2; cat "$data/worker.log" >&2; exit 1; fi
echo "image-smoke: worker ran and stopped on SIGTERM"
echo "image-smoke: OK in $(( $(date +%s) - started )) s"
