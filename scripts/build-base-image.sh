#!/usr/bin/env bash
# Builds the local base image (Debian bookworm + python3 + venv) without any registry:
# debootstrap a minimal root filesystem, trust the host's CA bundle, and `docker import` it.
# Idempotent: does nothing when the tag already exists.
set -euo pipefail
TAG="${1:-${BASE_IMAGE:-inference-pipeline/base:bookworm}}"
log() { printf '[build-base-image] %s\n' "$*" >&2; }

if docker image inspect "$TAG" >/dev/null 2>&1; then log "$TAG exists"; exit 0; fi
command -v debootstrap >/dev/null 2>&1 || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }

# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
mirror=$(debian_mirror)
rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
log "debootstrap bookworm into $rootfs"
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$rootfs" "$mirror" >/dev/null
# Package downloads inside builds go through the same proxy the host trusts.
cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
# Trim what a server image never reads (docs, man pages, locales, apt caches).
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
       "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
       "$rootfs"/usr/share/locale/* "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/log/*.log
tar -C "$rootfs" -c . | docker import --change 'ENV LANG=C.UTF-8' - "$TAG" >/dev/null
log "built $TAG ($(docker image inspect -f '{{.Size}}' "$TAG") bytes)"
