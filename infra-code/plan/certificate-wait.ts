/**
 * The wait for the edge's first publicly trusted certificate. Pure: the script only; the program runs it over SSH
 * after the edge deploys (with Let's Encrypt on) and before the app image is pushed through the edge, because a
 * Docker client refuses the edge's self-signed placeholder certificate.
 */
import { shQuote } from './shell';

/** What the wait needs. */
export interface CertificateWaitOptions {
  /** The names the certificate must cover (each checked through the edge on this host). */
  hosts: string[];
  /** Bound, seconds. */
  timeoutSeconds: number;
  /** Seconds between rounds. */
  intervalSeconds?: number;
}

/**
 * Checks each name with `curl` against the host's own edge (`--resolve <name>:443:127.0.0.1`), verifying the chain
 * with the system's trusted CAs; any HTTP answer counts (the chat answers 502 until its stack exists). Repeats until
 * every name verifies or the bound passes, then fails with one line naming the names still untrusted and what to
 * check. Pure.
 */
export function certificateWaitScript(o: CertificateWaitOptions): string {
  if (o.hosts.length === 0) throw new Error('certificateWaitScript: no host names');
  for (const h of o.hosts) if (!/^[a-z0-9.-]+$/.test(h)) throw new Error(`certificateWaitScript: "${h}" is not a host name`);
  const interval = o.intervalSeconds ?? 10;
  const names = o.hosts.map(shQuote).join(' ');
  return `# shagram: wait for the edge's trusted certificate
set -u
deadline=$(( $(date +%s) + ${o.timeoutSeconds} ))
while :; do
  untrusted=''
  for h in ${names}; do
    curl -sS -o /dev/null --max-time 10 --resolve "$h:443:127.0.0.1" "https://$h/" 2>/dev/null || untrusted="$untrusted $h"
  done
  if [ -z "$untrusted" ]; then echo "edge-certificate: trusted for ${o.hosts.join(', ')}"; exit 0; fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "edge-certificate: no trusted certificate after ${o.timeoutSeconds} s for:$untrusted; check that each name's A record points at this host and the certbot log (docker logs edge-certbot-1 or edge_certbot_1)" >&2
    exit 1
  fi
  sleep ${interval}
done
`;
}
