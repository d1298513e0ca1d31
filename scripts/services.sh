#!/usr/bin/env bash
# Start what the test suites need. Under CI=true every service must come up (exit 1 otherwise);
# on a developer machine a missing service is reported and its suites skip with that reason.
set -uo pipefail
cd "$(dirname "$0")/.."
failed=()

run() {
  local name=$1; shift
  if "$@"; then echo "services: $name ready"; else echo "services: $name NOT available"; failed+=("$name"); fi
}

pg_up() {
  if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start 2>/dev/null || true
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null && break; sleep 1; done
  fi
  pg_isready -h 127.0.0.1 -p 5432 -q
}

run postgresql pg_up
if [ -x scripts/brokers.sh ] || [ -f scripts/brokers.sh ]; then
  run brokers bash scripts/brokers.sh start
fi
if [ -f scripts/browser.sh ]; then
  run chromium bash scripts/browser.sh
fi

if [ ${#failed[@]} -gt 0 ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "services: CI=true and not available: ${failed[*]}" >&2
    exit 1
  fi
  echo "services: suites needing ${failed[*]} will be skipped on this machine"
fi
exit 0
