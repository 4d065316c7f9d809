#!/usr/bin/env bash
# System lane: systemd-analyze (Debian's systemd package) for the backup schedule test
# (infra-code/test/backup-schedule.system.test.ts): it checks the generated service and timer units and the timer's
# calendar expression with systemd's own parser. Idempotent; nothing is started (systemd need not be PID 1).
set -euo pipefail
# shellcheck source=lib/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
apt_install_missing systemd || { echo "64-systemd-analyze: apt-get install systemd failed" >&2; exit 1; }
command -v systemd-analyze >/dev/null || { echo "64-systemd-analyze: systemd-analyze missing after install" >&2; exit 1; }
