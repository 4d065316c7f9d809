#!/usr/bin/env bash
# System lane: Debian's PostgreSQL server and client binaries for the PostgreSQL engine tests.
# Idempotent. The tests start their own throwaway clusters (test/system-helpers/postgres.ts: initdb + pg_ctl
# under /usr/lib/postgresql/<version>/bin, on free loopback ports), so the packaged cluster is stopped and set
# to manual start: nothing should hold port 5432 or run a database nobody asked for on a CI machine.
set -euo pipefail
# shellcheck source=lib/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
apt_install_missing postgresql postgresql-client || { echo "60-postgresql: apt-get install postgresql postgresql-client failed" >&2; exit 1; }
# Stop every packaged cluster that runs, and keep it from starting with the machine.
if command -v pg_lsclusters >/dev/null; then
  pg_lsclusters --no-header 2>/dev/null | while read -r version name _port status _rest; do
    if [ "$status" = online ] || [ "${status#online}" != "$status" ]; then pg_ctlcluster "$version" "$name" stop || true; fi
    conf="/etc/postgresql/$version/$name/start.conf"
    if [ -f "$conf" ] && ! grep -qx 'manual' "$conf"; then
      sed -i 's/^\(auto\|disabled\)$/manual/' "$conf"
    fi
  done
fi
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  systemctl disable --now postgresql.service >/dev/null 2>&1 || true
fi
# The helper runs the server binaries as the postgres system user through runuser.
getent passwd postgres >/dev/null || { echo "60-postgresql: the postgres system user is missing after install" >&2; exit 1; }
command -v runuser >/dev/null || { echo "60-postgresql: runuser (util-linux) is missing" >&2; exit 1; }
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && command -v psql >/dev/null \
  || { echo "60-postgresql: initdb, pg_ctl or psql missing after install" >&2; exit 1; }
