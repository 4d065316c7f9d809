#!/usr/bin/env bash
# System lane: Debian's cloud-init, only for its schema validator (`cloud-init schema --config-file`),
# which checks the VPS's first-boot document (infra-code/test/cloud-init.system.test.ts). Nothing of cloud-init
# runs on this machine: its services start only at boot under systemd, and the install starts none
# (apt_install_missing).
# Idempotent.
set -euo pipefail
# shellcheck source=lib/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
apt_install_missing cloud-init || { echo "26-cloud-init: apt-get install cloud-init failed" >&2; exit 1; }
command -v cloud-init >/dev/null || { echo "26-cloud-init: cloud-init missing after install" >&2; exit 1; }
echo "26-cloud-init: $(cloud-init --version 2>&1)"
