#!/usr/bin/env bash
# System lane: Debian's Prometheus (promtool and the server), Alertmanager, node-exporter and blackbox exporter for the
# monitoring tests (monitoring/test/*.system.test.ts): promtool checks the configuration and unit-tests the alert
# rules, a real Prometheus scrapes a running app and sends its alerts to a real Alertmanager, and the exporters show
# that the metric names the rules and the dashboard query are really exported.
# Idempotent. The packaged services are never started by the install and any packaged instance is stopped: the
# tests start their own servers on free loopback ports, and nothing should hold 9090/9093 on a CI machine.
set -euo pipefail
# shellcheck source=lib/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
# busybox: the shell and awk of the Prometheus and Alertmanager images, which run monitoring/render-config.sh.
apt_install_missing prometheus prometheus-alertmanager prometheus-node-exporter prometheus-blackbox-exporter busybox \
  || { echo "63-prometheus: apt-get install prometheus prometheus-alertmanager prometheus-node-exporter prometheus-blackbox-exporter busybox failed" >&2; exit 1; }
# Make sure no packaged server keeps its port busy (systemd may be absent: try both routes).
for service in prometheus prometheus-alertmanager prometheus-node-exporter prometheus-blackbox-exporter; do
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl disable --now "$service" >/dev/null 2>&1 || true
  elif [ -x "/etc/init.d/$service" ]; then
    "/etc/init.d/$service" stop >/dev/null 2>&1 || true
  fi
done
for bin in prometheus promtool prometheus-alertmanager amtool prometheus-node-exporter prometheus-blackbox-exporter busybox; do
  [ -x "/usr/bin/$bin" ] || { echo "63-prometheus: /usr/bin/$bin missing after install" >&2; exit 1; }
done
echo "63-prometheus: $(/usr/bin/prometheus --version 2>&1 | head -n1)"
echo "63-prometheus: $(/usr/bin/prometheus-alertmanager --version 2>&1 | head -n1)"
echo "63-prometheus: $(/usr/bin/prometheus-node-exporter --version 2>&1 | head -n1)"
echo "63-prometheus: $(/usr/bin/prometheus-blackbox-exporter --version 2>&1 | head -n1)"
