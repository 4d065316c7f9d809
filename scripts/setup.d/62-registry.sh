#!/usr/bin/env bash
# System lane: Debian's docker-registry (the CNCF distribution registry, a real OCI registry) for the deploy replay
# lane's loopback Docker Hub mirror and Harbor stand-in, and apache2-utils for `htpasswd` (bcrypt entries for the
# registry's basic auth). Idempotent. The packaged service is never started by the install and a packaged
# instance is stopped: the tests start their own registries on free loopback ports.
set -euo pipefail
# shellcheck source=lib/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
apt_install_missing docker-registry apache2-utils || { echo "62-registry: apt-get install docker-registry apache2-utils failed" >&2; exit 1; }
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl disable --now docker-registry >/dev/null 2>&1 || true
elif [ -x /etc/init.d/docker-registry ]; then
  /etc/init.d/docker-registry stop >/dev/null 2>&1 || true
fi
[ -x /usr/bin/docker-registry ] && command -v htpasswd >/dev/null \
  || { echo "62-registry: docker-registry or htpasswd missing after install" >&2; exit 1; }
echo "62-registry: $(/usr/bin/docker-registry --version 2>&1 | head -n1)"
