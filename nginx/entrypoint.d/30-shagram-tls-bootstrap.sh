#!/bin/sh
# Run by the nginx image's /docker-entrypoint.sh before nginx starts.
# nginx cannot start without a certificate, and Let's Encrypt cannot issue one until nginx answers on
# port 80. So when $EDGE_TLS_CERT / $EDGE_TLS_KEY do not exist yet, write a short-lived self-signed
# placeholder for the three names; certbot replaces it and 40-shagram-tls-reload.sh reloads nginx.
set -eu
cert="${EDGE_TLS_CERT:?EDGE_TLS_CERT is not set}"
key="${EDGE_TLS_KEY:?EDGE_TLS_KEY is not set}"
if [ -s "$cert" ] && [ -s "$key" ]; then
  exit 0
fi
if ! command -v openssl >/dev/null 2>&1; then
  echo "$0: no certificate at $cert and no openssl to make a placeholder; run scripts/dev-certs or certbot first" >&2
  exit 1
fi
mkdir -p "$(dirname "$cert")" "$(dirname "$key")"
tmp="$(mktemp -d)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
  -subj "/CN=${CHAT_HOST:-localhost}" \
  -addext "subjectAltName=DNS:${CHAT_HOST:-localhost},DNS:${JENKINS_HOST:-localhost},DNS:${REGISTRY_HOST:-localhost}${GRAFANA_HOST:+,DNS:$GRAFANA_HOST}" \
  -keyout "$tmp/privkey.pem" -out "$tmp/fullchain.pem" 2>/dev/null
chmod 600 "$tmp/privkey.pem"
mv "$tmp/privkey.pem" "$key"
mv "$tmp/fullchain.pem" "$cert"
rmdir "$tmp"
echo "$0: no certificate yet: wrote a 30-day self-signed placeholder to $cert (certbot will replace it)"
