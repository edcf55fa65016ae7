#!/usr/bin/env bash
# Installs and starts a Docker engine with buildx and compose v2 on Debian 12, idempotently.
# buildx/compose v2 are not in bookworm, so they come from trixie behind a low apt pin.
# The Debian mirror is taken from the machine's own apt sources (never hard-coded here).
set -euo pipefail

log() { printf '[install-docker] %s\n' "$*" >&2; }
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

need_apt_update=1
apt_update_once() {
  if [ "$need_apt_update" -eq 1 ]; then $SUDO apt-get update -qq; need_apt_update=0; fi
}

if ! command -v dockerd >/dev/null 2>&1; then
  log "installing docker.io"
  apt_update_once
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq docker.io >/dev/null
fi

if ! docker buildx version >/dev/null 2>&1 || ! docker compose version >/dev/null 2>&1; then
  mirror=$(debian_mirror)
  log "adding trixie (pinned low) for docker-buildx and docker-compose"
  echo "deb $mirror trixie main" | $SUDO tee /etc/apt/sources.list.d/trixie.list >/dev/null
  printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' | $SUDO tee /etc/apt/preferences.d/trixie-low >/dev/null
  need_apt_update=1; apt_update_once
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -t trixie docker-buildx docker-compose >/dev/null
fi

# A local registry for the push tests (Debian's docker-registry; started by the tests on 127.0.0.1).
if ! command -v docker-registry >/dev/null 2>&1; then
  apt_update_once
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq docker-registry >/dev/null
  # The package starts a service on :5000 where an init system runs; the tests start their own.
  (command -v systemctl >/dev/null 2>&1 && $SUDO systemctl disable --now docker-registry >/dev/null 2>&1) || true
fi

if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  mkdir -p /var/log
  ($SUDO nohup dockerd >/var/log/dockerd.log 2>&1 &)
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { log "dockerd did not start; see /var/log/dockerd.log"; tail -n 20 /var/log/dockerd.log >&2; exit 1; }
fi
log "docker $(docker version --format '{{.Server.Version}}'), $(docker buildx version | head -n1), $(docker compose version --short)"
