#!/usr/bin/env bash
# Install what the browser tests need: axe-core (injected through Playwright for the WCAG checks)
# under .tools/axe, and Debian's chromium (Playwright drives it; never `playwright install`).
# Idempotent: does nothing for what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f .tools/axe/node_modules/axe-core/axe.min.js ]; then
  # A prefix of its own: an npm --no-save install prunes whatever else shares its prefix.
  npm install --no-save --no-audit --no-fund --prefix .tools/axe axe-core@4.10.3 >/dev/null
fi
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends chromium
