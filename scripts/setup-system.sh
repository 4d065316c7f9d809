#!/usr/bin/env bash
# Installs what the system test lane needs (Debian packages, podman configuration, stand-in base images).
# Runs every scripts/setup.d/*.sh in name order; each piece is idempotent. Needs root (or sudo).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ "$(id -u)" -ne 0 ]; then
  exec sudo -E bash "$0" "$@"
fi
export DEBIAN_FRONTEND=noninteractive
for step in "$here"/setup.d/*.sh; do
  [ -e "$step" ] || continue
  echo "==> setup: $(basename "$step")"
  bash "$step"
done
echo "==> setup: done"
