#!/bin/sh
# Run by the nginx image's /docker-entrypoint.sh before nginx starts.
# Starts a small background watcher: every $EDGE_TLS_RELOAD_INTERVAL seconds (default 300) it compares a
# checksum of the certificate and key with the last one seen, and when they changed (certbot renewed them)
# and the configuration still tests fine, it asks nginx to reload. EDGE_TLS_RELOAD_INTERVAL=0 disables it.
set -eu
interval="${EDGE_TLS_RELOAD_INTERVAL:-300}"
cert="${EDGE_TLS_CERT:?EDGE_TLS_CERT is not set}"
key="${EDGE_TLS_KEY:?EDGE_TLS_KEY is not set}"
[ "$interval" = 0 ] && exit 0
sum() { cat "$cert" "$key" 2>/dev/null | cksum; }
(
  last="$(sum)"
  while sleep "$interval"; do
    now="$(sum)"
    if [ "$now" != "$last" ]; then
      if nginx -t -q; then
        nginx -s reload && echo "shagram-tls-reload: certificate changed, nginx reloaded" && last="$now"
      else
        echo "shagram-tls-reload: certificate changed but nginx -t fails; not reloading" >&2
      fi
    fi
  done
) </dev/null >/proc/1/fd/1 2>/proc/1/fd/2 &
echo "$0: watching $cert every ${interval}s for renewals"
