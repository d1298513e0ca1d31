#!/usr/bin/env bash
# Builds the base image the Containerfile starts from, without any image registry: Debian
# bookworm by debootstrap into a folder, then `podman import`. Bookworm's python3 is 3.11, the
# version requirements.lock was made for. Everything apt installs happens here, so the
# Containerfile itself needs no package manager (and hadolint has no unpinned apt line to flag).
#
# Usage: scripts/base-image.sh [--force]     (root; needs debootstrap and podman)
# Env:   BASE_IMAGE (default localhost/dso-gateway-base:bookworm), DEBIAN_MIRROR, BASE_WORKDIR
set -euo pipefail

BASE_IMAGE=${BASE_IMAGE:-localhost/dso-gateway-base:bookworm}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# python3-venv brings ensurepip, which the build stage needs for its venv; ca-certificates for
# TLS towards DSO, ZGW and SMTP; tzdata so Europe/Amsterdam resolves without the tzdata wheel.
PACKAGES=python3,python3-venv,ca-certificates,tzdata

if [ "${1:-}" != "--force" ] && podman image exists "$BASE_IMAGE"; then
  echo "base-image: $BASE_IMAGE exists (--force to build it again)"
  exit 0
fi
for tool in debootstrap podman; do
  command -v "$tool" >/dev/null || { echo "base-image: $tool is missing (apt-get install -y podman debootstrap)" >&2; exit 1; }
done

workdir=${BASE_WORKDIR:-$(mktemp -d /var/tmp/dso-gateway-base.XXXXXX)}
trap 'rm -rf "$workdir"' EXIT
rootfs=$workdir/rootfs

echo "base-image: debootstrap bookworm into $rootfs (downloads from $DEBIAN_MIRROR)"
debootstrap --variant=minbase --include="$PACKAGES" bookworm "$rootfs" "$DEBIAN_MIRROR"

# What an image needs no more of: apt's caches and lists, docs and man pages.
chroot "$rootfs" apt-get clean
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*
# debootstrap leaves the build host's name resolution behind; the runtime supplies its own.
: >"$rootfs/etc/resolv.conf"
: >"$rootfs/etc/hostname"

echo "base-image: importing as $BASE_IMAGE"
tar --numeric-owner -C "$rootfs" -c . | podman import \
  --change 'ENV LANG=C.UTF-8' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["/bin/bash"]' \
  - "$BASE_IMAGE"
podman image inspect --format 'base-image: {{.Id}} {{.Size}} bytes' "$BASE_IMAGE"
