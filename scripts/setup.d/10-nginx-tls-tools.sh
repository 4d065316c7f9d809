#!/usr/bin/env bash
# System lane: Debian's nginx, openssl and testssl.sh for the nginx edge process test.
# Idempotent. The packaged nginx service is stopped and disabled: the tests start their own nginx
# with a private prefix on loopback ports, and nothing should hold ports 80/443 on a CI machine.
set -euo pipefail
# shellcheck source=lib/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
apt_install_missing nginx openssl testssl.sh gettext-base ca-certificates || { echo "10-nginx-tls-tools: apt-get install nginx openssl testssl.sh gettext-base ca-certificates failed" >&2; exit 1; }
# Make sure no packaged nginx keeps ports 80/443 busy.
if [ -f /run/nginx.pid ]; then nginx -s stop 2>/dev/null || true; fi
command -v nginx >/dev/null && command -v testssl >/dev/null && command -v openssl >/dev/null \
  || { echo "10-nginx-tls-tools: nginx, testssl or openssl missing after install" >&2; exit 1; }
