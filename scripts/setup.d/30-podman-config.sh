#!/usr/bin/env bash
# System lane: podman configuration for this kind of machine (a VM without systemd, no registry access).
#  - default_ulimits = [] : the default nofile ulimit cannot be applied here;
#  - runtime = runc, cgroup_manager = cgroupfs, events_logger = file : no systemd;
#  - short names resolve to localhost/ only (no registry is reachable; stand-in images are built locally).
# Idempotent: rewrites only the files it owns.
set -euo pipefail
mkdir -p /etc/containers /etc/containers/registries.conf.d /run/podman
conf=/etc/containers/containers.conf
marker='# managed by shagram scripts/setup.d/30-podman-config.sh'
if ! grep -qF "$marker" "$conf" 2>/dev/null; then
  [ -f "$conf" ] && cp "$conf" "$conf.before-shagram"
  cat > "$conf" <<CONF
$marker
[containers]
default_ulimits = []

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"

[network]
network_backend = "netavark"
CONF
fi
cat > /etc/containers/registries.conf.d/50-shagram-offline.conf <<'CONF'
# managed by shagram scripts/setup.d/30-podman-config.sh: this machine cannot reach any registry.
unqualified-search-registries = []
short-name-mode = "permissive"
CONF
podman --runtime runc info --format '{{.Host.OCIRuntime.Name}} {{.Store.GraphDriverName}}' >/dev/null \
  || { echo "30-podman-config: podman info failed; see the output above" >&2; exit 1; }
