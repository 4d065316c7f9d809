#!/usr/bin/env bash
# System lane: Debian's redis-server for the Redis fan-out tests.
# Idempotent. The packaged service is never started by the install and any packaged instance is
# stopped: the tests start their own redis-server on free loopback ports (test/system-helpers/redis.ts),
# and nothing should hold port 6379 on a CI machine.
set -euo pipefail
# shellcheck source=lib/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
apt_install_missing redis-server redis-tools || { echo "61-redis: apt-get install redis-server redis-tools failed" >&2; exit 1; }
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
