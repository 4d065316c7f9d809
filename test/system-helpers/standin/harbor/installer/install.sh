#!/bin/bash
# Stand-in for Harbor's offline installer's install.sh (goharbor/harbor make/install.sh): checks Docker and
# Compose, loads the images shipped beside it (`docker load -i harbor.<version>.tar.gz`), runs ./prepare
# (renders docker-compose.yml and the components' config from harbor.yml), then starts Harbor with Compose
# (`docker compose` when the plugin answers, else `docker-compose`, as Harbor's common.sh chooses).
set -e
cd "$(dirname "$0")"
note() { echo "[install.sh] $*"; }
docker version >/dev/null || { echo "[install.sh] ✖ Need to install docker first and run this script again." >&2; exit 1; }
if docker compose version >/dev/null 2>&1; then compose=(docker compose); else compose=(docker-compose); fi
"${compose[@]}" version >/dev/null || { echo "[install.sh] ✖ Need to install docker-compose first and run this script again." >&2; exit 1; }
[ -f harbor.yml ] || { echo "[install.sh] ✖ harbor.yml is missing" >&2; exit 1; }
note "Step 1: loading Harbor images ..."
# Harbor's install.sh runs `docker load -i harbor*.tar.gz`; Docker Engine unpacks the gzip itself, podman's Docker
# API (the engine here) does not, so the stand-in feeds it the decompressed stream (same images, same result).
for images in harbor*.tar.gz; do gzip -dc "$images" | docker load; done
note "Step 2: preparing environment ..."
./prepare
if [ -n "$("${compose[@]}" ps -q 2>/dev/null)" ]; then
  note "Clean up the input dir"
  "${compose[@]}" down -v
fi
note "Step 3: starting Harbor ..."
"${compose[@]}" up -d
note "✔ ----Harbor has been installed and started successfully.----"
