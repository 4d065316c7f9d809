#!/usr/bin/env bash
# System lane (issue 9): Debian's redis-server for the Redis fan-out tests.
# Idempotent. The packaged service is never started by the install and any packaged instance is
# stopped: the tests start their own redis-server on free loopback ports (test/system-helpers/redis.ts),
# and nothing should hold port 6379 on a CI machine.
set -euo pipefail
need=()
for pkg in redis-server redis-tools; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  apt-get -o DPkg::Lock::Timeout=900 update -qq
  # policy-rc.d 101 = "do not start services from maintainer scripts" (only while we install).
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.shagram-redis && chmod +x /usr/sbin/policy-rc.d.shagram-redis
  added_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then cp /usr/sbin/policy-rc.d.shagram-redis /usr/sbin/policy-rc.d; added_policy=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${need[@]}"
  if [ "$added_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  rm -f /usr/sbin/policy-rc.d.shagram-redis
fi
# Make sure no packaged redis-server keeps port 6379 busy (systemd may be absent: try both routes).
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl disable --now redis-server >/dev/null 2>&1 || true
elif [ -x /etc/init.d/redis-server ]; then
  /etc/init.d/redis-server stop >/dev/null 2>&1 || true
fi
if [ -f /run/redis/redis-server.pid ]; then
  pid="$(cat /run/redis/redis-server.pid 2>/dev/null || true)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
fi
[ -x /usr/bin/redis-server ] && command -v redis-cli >/dev/null \
  || { echo "61-redis: redis-server or redis-cli missing after install" >&2; exit 1; }
echo "61-redis: $(/usr/bin/redis-server --version | head -n1)"
