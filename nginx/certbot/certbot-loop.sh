#!/bin/sh
# Entry point of the certbot service (compose profile "letsencrypt").
# Every $CERTBOT_RENEW_INTERVAL: obtain the certificate for CHAT_HOST, JENKINS_HOST and REGISTRY_HOST through
# the shared webroot, or renew it when it is within 30 days of expiry (--keep-until-expiring), then copy the
# current files into $TLS_OUT_DIR, where the nginx edge picks them up and reloads.
set -eu
: "${CHAT_HOST:?}" "${JENKINS_HOST:?}" "${REGISTRY_HOST:?}"
: "${LETSENCRYPT_EMAIL:?set LETSENCRYPT_EMAIL in .env for Let's Encrypt}"
staging=""
[ "${LETSENCRYPT_STAGING:-0}" = 1 ] && staging="--staging"
trap 'exit 0' TERM INT
while :; do
  # shellcheck disable=SC2086
  certbot certonly --webroot --webroot-path /var/www/certbot --cert-name shagram \
    -d "$CHAT_HOST" -d "$JENKINS_HOST" -d "$REGISTRY_HOST" \
    --email "$LETSENCRYPT_EMAIL" --agree-tos --no-eff-email --non-interactive \
    --keep-until-expiring --expand $staging \
    || echo "certbot-loop: certbot failed; retrying in ${CERTBOT_RENEW_INTERVAL:-12h}" >&2
  if [ -s /etc/letsencrypt/live/shagram/fullchain.pem ]; then
    RENEWED_LINEAGE=/etc/letsencrypt/live/shagram /bin/sh /shagram/deploy-hook.sh
  fi
  sleep "${CERTBOT_RENEW_INTERVAL:-12h}" &
  wait $!
done
