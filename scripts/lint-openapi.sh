#!/usr/bin/env bash
# Lint the app's OpenAPI document against the NL API Design Rules (Logius Spectral ruleset).
# Zero errors required. Spectral is installed locally under .tools/ on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
SPECTRAL=.tools/node_modules/.bin/spectral
RULESET=${ADR_RULESET:-../shared/adr/ruleset.yaml}
if [ ! -x "$SPECTRAL" ]; then
  npm install --no-save --no-audit --no-fund --prefix .tools @stoplight/spectral-cli@6.16.3 >/dev/null
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
.venv/bin/python -m gateway.api.openapi_doc > "$out/openapi.json"
"$SPECTRAL" lint --fail-severity error -r "$RULESET" "$out/openapi.json"
