#!/usr/bin/env bash
# Debian's Chromium for the browser end-to-end tests (app/test/e2e). Idempotent; run as root by
# scripts/setup-system.sh. The tests drive it with playwright-core; no browser is ever downloaded.
set -euo pipefail
if [ -x /usr/bin/chromium ] && /usr/bin/chromium --version >/dev/null 2>&1; then
  echo "chromium: already installed ($(/usr/bin/chromium --version 2>/dev/null | head -n1))"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends chromium; then
  apt-get update
  apt-get install -y --no-install-recommends chromium || { echo "50-chromium: apt-get install chromium failed" >&2; exit 1; }
fi
/usr/bin/chromium --version >/dev/null 2>&1 || { echo "50-chromium: /usr/bin/chromium does not start" >&2; exit 1; }
echo "chromium: installed ($(/usr/bin/chromium --version 2>/dev/null | head -n1))"
