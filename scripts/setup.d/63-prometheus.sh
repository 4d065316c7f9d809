#!/usr/bin/env bash
# System lane: Debian's Prometheus (promtool and the server) and Alertmanager for the monitoring tests
# (monitoring/test/*.system.test.ts): promtool checks the configuration and unit-tests the alert rules, and a real
# Prometheus scrapes a running app and sends its alerts to a real Alertmanager.
# Idempotent. The packaged services are never started by the install and any packaged instance is stopped: the
# tests start their own servers on free loopback ports, and nothing should hold 9090/9093 on a CI machine.
set -euo pipefail
# shellcheck source=lib/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
apt_install_missing prometheus prometheus-alertmanager \
  || { echo "63-prometheus: apt-get install prometheus prometheus-alertmanager failed" >&2; exit 1; }
# Make sure no packaged server keeps its port busy (systemd may be absent: try both routes). The prometheus
# package also pulls in prometheus-node-exporter (9100) as a recommendation on some installs: stop it too.
for service in prometheus prometheus-alertmanager prometheus-node-exporter; do
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl disable --now "$service" >/dev/null 2>&1 || true
  elif [ -x "/etc/init.d/$service" ]; then
    "/etc/init.d/$service" stop >/dev/null 2>&1 || true
  fi
done
[ -x /usr/bin/prometheus ] && [ -x /usr/bin/promtool ] && [ -x /usr/bin/prometheus-alertmanager ] \
  || { echo "63-prometheus: prometheus, promtool or prometheus-alertmanager missing after install" >&2; exit 1; }
echo "63-prometheus: $(/usr/bin/prometheus --version 2>&1 | head -n1)"
echo "63-prometheus: $(/usr/bin/prometheus-alertmanager --version 2>&1 | head -n1)"
