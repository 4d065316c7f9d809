#!/usr/bin/env bash
# System lane: a real ACME round trip for the Let's Encrypt path, on loopback. Debian's pebble (the
# ACME test CA by Let's Encrypt, with pebble-challtestsrv as its DNS) and Debian's certbot run
# nginx/certbot/certbot-loop.sh against the edge (nginx/test/acme.system.test.ts). Production runs certbot from its
# container image against Let's Encrypt; nothing here is used there.
# Idempotent.
set -euo pipefail
# shellcheck source=lib/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
apt_install_missing pebble certbot || { echo "12-acme-test-ca: apt-get install pebble certbot failed" >&2; exit 1; }
command -v pebble >/dev/null && command -v pebble-challtestsrv >/dev/null && command -v certbot >/dev/null \
  || { echo "12-acme-test-ca: pebble, pebble-challtestsrv or certbot missing after install" >&2; exit 1; }
echo "12-acme-test-ca: $(certbot --version 2>&1)"
