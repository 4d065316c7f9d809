#!/usr/bin/env bash
# System lane (issue 5): Debian's nginx, openssl and testssl.sh for the nginx edge process test.
# Idempotent. The packaged nginx service is stopped and disabled: the tests start their own nginx
# with a private prefix on loopback ports, and nothing should hold ports 80/443 on a CI machine.
set -euo pipefail
need=()
for pkg in nginx openssl testssl.sh gettext-base ca-certificates; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  apt-get -o DPkg::Lock::Timeout=900 update -qq
  # policy-rc.d 101 = "do not start services from maintainer scripts" (only while we install).
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.shagram && chmod +x /usr/sbin/policy-rc.d.shagram
  if [ ! -e /usr/sbin/policy-rc.d ]; then cp /usr/sbin/policy-rc.d.shagram /usr/sbin/policy-rc.d; added_policy=1; fi
  apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${need[@]}"
  if [ "${added_policy:-0}" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  rm -f /usr/sbin/policy-rc.d.shagram
fi
# Make sure no packaged nginx keeps ports 80/443 busy.
if [ -f /run/nginx.pid ]; then nginx -s stop 2>/dev/null || true; fi
command -v nginx >/dev/null && command -v testssl >/dev/null && command -v openssl >/dev/null \
  || { echo "10-nginx-tls-tools: nginx, testssl or openssl missing after install" >&2; exit 1; }
