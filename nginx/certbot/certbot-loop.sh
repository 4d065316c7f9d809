#!/bin/sh
# Entry point of the certbot service (compose profile "letsencrypt").
# Every $CERTBOT_RENEW_INTERVAL: obtain the certificate for CHAT_HOST, JENKINS_HOST and REGISTRY_HOST (and
# GRAFANA_HOST when it is set: --expand adds it to an existing certificate) through
# the shared webroot, or renew it when it is within 30 days of expiry (--keep-until-expiring), then copy the
# current files into $TLS_OUT_DIR (deploy-hook.sh), where the nginx edge picks them up and reloads.
# The defaults are the container's paths. Optional:
#   LETSENCRYPT_STAGING=1   Let's Encrypt's staging CA (untrusted certificates, generous rate limits)
#   ACME_SERVER=<url>       another ACME directory (another CA, or a test CA such as pebble)
#   CERTBOT_WEBROOT, CERTBOT_CONFIG_DIR, CERTBOT_WORK_DIR, CERTBOT_LOGS_DIR   certbot's folders
#   CERTBOT_ONCE=1          one round, then exit with certbot's status (a first issuance by hand, tests)
#   CERTBOT_RETRY_INTERVAL  wait between tries while there is no certificate yet (default 60s): on a first
#                           deploy the DNS records may still be spreading; once a certificate exists, the loop
#                           waits CERTBOT_RENEW_INTERVAL (default 12h) between renewal checks
set -eu
: "${CHAT_HOST:?}" "${JENKINS_HOST:?}" "${REGISTRY_HOST:?}"
: "${LETSENCRYPT_EMAIL:?set LETSENCRYPT_EMAIL in .env for Let's Encrypt}"
webroot="${CERTBOT_WEBROOT:-/var/www/certbot}"
config_dir="${CERTBOT_CONFIG_DIR:-/etc/letsencrypt}"
hook="$(dirname "$0")/deploy-hook.sh"
ca=""
optional=""
[ -n "${GRAFANA_HOST:-}" ] && optional="-d ${GRAFANA_HOST}"
[ "${LETSENCRYPT_STAGING:-0}" = 1 ] && ca="--staging"
[ -n "${ACME_SERVER:-}" ] && ca="--server ${ACME_SERVER}"
trap 'exit 0' TERM INT
while :; do
  status=0
  # shellcheck disable=SC2086
  certbot certonly --webroot --webroot-path "$webroot" --cert-name shagram \
    --config-dir "$config_dir" --work-dir "${CERTBOT_WORK_DIR:-/var/lib/letsencrypt}" \
    --logs-dir "${CERTBOT_LOGS_DIR:-/var/log/letsencrypt}" \
    -d "$CHAT_HOST" -d "$JENKINS_HOST" -d "$REGISTRY_HOST" $optional \
    --email "$LETSENCRYPT_EMAIL" --agree-tos --no-eff-email --non-interactive \
    --keep-until-expiring --expand $ca \
    || status=$?
  # No certificate yet: try again soon. With one: the next renewal check is CERTBOT_RENEW_INTERVAL away.
  next="${CERTBOT_RENEW_INTERVAL:-12h}"
  [ -s "$config_dir/live/shagram/fullchain.pem" ] || next="${CERTBOT_RETRY_INTERVAL:-60s}"
  if [ "$status" -ne 0 ]; then
    if [ "${CERTBOT_ONCE:-0}" = 1 ]; then echo "certbot-loop: certbot failed (exit $status)" >&2
    else echo "certbot-loop: certbot failed (exit $status); retrying in $next" >&2; fi
  fi
  if [ -s "$config_dir/live/shagram/fullchain.pem" ]; then
    RENEWED_LINEAGE="$config_dir/live/shagram" /bin/sh "$hook"
  fi
  [ "${CERTBOT_ONCE:-0}" = 1 ] && exit "$status"
  sleep "$next" &
  wait $!
done
