#!/usr/bin/env bash
# System lane: podman (runc runtime, netavark + aardvark-dns networking), the docker-compose CLI
# that talks to podman's Docker-compatible API socket, debootstrap for the stand-in base images,
# catatonit (`init: true`) and iptables (netavark needs it to wire container networks).
# Idempotent.
set -euo pipefail
need=()
for pkg in podman runc netavark aardvark-dns catatonit iptables docker-compose debootstrap uidmap; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  apt-get -o DPkg::Lock::Timeout=900 update -qq
  apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${need[@]}"
fi
command -v podman >/dev/null && command -v docker-compose >/dev/null && command -v debootstrap >/dev/null \
  || { echo "20-podman: podman, docker-compose or debootstrap missing after install" >&2; exit 1; }
