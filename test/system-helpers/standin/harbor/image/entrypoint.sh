#!/bin/bash
# Starts the stand-in: the admin's registry login (bcrypt, from HARBOR_ADMIN_PASSWORD, which Harbor's core gets
# from common/config/core/env), the registry on loopback, then the API + front on 8080. The container ends when
# either one exits.
set -eu
HTPASSWD=/data/secret/registry/htpasswd
mkdir -p /data/secret/registry /data/registry
[ -f "$HTPASSWD" ] || : > "$HTPASSWD"
htpasswd -bB "$HTPASSWD" admin "$HARBOR_ADMIN_PASSWORD" 2>/dev/null
docker-registry serve /etc/registry/config.yml &
node /harbor/harbor-standin.cjs &
trap 'kill $(jobs -p) 2>/dev/null' TERM INT
wait -n
kill $(jobs -p) 2>/dev/null || true
exit 1
