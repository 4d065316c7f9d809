/** The ingress-nginx and cert-manager annotations of the chat's Ingress. Pure. */

/** WebSocket connections stay open for hours; ingress-nginx closes an idle proxied connection after this many seconds. */
export const WS_PROXY_TIMEOUT_SECONDS = 3600;
/** Largest request body the edge accepts (the API's JSON bodies are small). */
export const PROXY_BODY_SIZE = '1m';

/** The annotations of the chat's Ingress: long WebSocket timeouts, body size, HTTPS redirect, the certificate issuer. */
export function chatIngressAnnotations(clusterIssuer: string): Record<string, string> {
  return {
    'nginx.ingress.kubernetes.io/proxy-read-timeout': String(WS_PROXY_TIMEOUT_SECONDS),
    'nginx.ingress.kubernetes.io/proxy-send-timeout': String(WS_PROXY_TIMEOUT_SECONDS),
    'nginx.ingress.kubernetes.io/proxy-body-size': PROXY_BODY_SIZE,
    'nginx.ingress.kubernetes.io/ssl-redirect': 'true',
    'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
    'cert-manager.io/cluster-issuer': clusterIssuer,
  };
}

/**
 * The annotations of the second Ingress that keeps `/metrics` off the public edge (as the compose stack's nginx
 * does): ingress-nginx answers 403 to every client address for that path.
 *
 * `use-regex` makes the path match in every letter case and with anything after it: ingress-nginx then writes
 * every location of the host as a case-insensitive regular expression, `location ~* "^/metrics"` (it takes
 * precedence over `pathType: Exact`, which alone gives `location = /metrics` and lets `/METRICS` or `/metrics/`
 * through to the app), and the chat's `/` becomes `~* "^/"`, matched after the longer `/metrics`. The app's routing
 * is case-sensitive as well, so a spelling that got past the edge would still not be the metrics endpoint.
 */
export function metricsDenyAnnotations(): Record<string, string> {
  return {
    'nginx.ingress.kubernetes.io/denylist-source-range': '0.0.0.0/0,::/0',
    'nginx.ingress.kubernetes.io/use-regex': 'true',
  };
}

/**
 * The nginx location ingress-nginx generates for an Ingress path (its template's buildLocation): a regular
 * expression `~* "^<path>"` when any Ingress of the host has `use-regex`, otherwise `= <path>` for `Exact` and the
 * plain prefix for the others. Pure; lets tests check which request paths a generated spec denies.
 */
export function ingressNginxLocation(path: string, pathType: 'Exact' | 'Prefix' | 'ImplementationSpecific', hostUsesRegex: boolean): string {
  if (hostUsesRegex) return `~* "^${path}"`;
  return pathType === 'Exact' ? `= ${path}` : path;
}

/** Whether a request path (as nginx normalises it) matches a location produced by {@link ingressNginxLocation}. Pure. */
export function locationMatches(location: string, requestPath: string): boolean {
  const regex = /^~\* "(.*)"$/.exec(location);
  if (regex) return new RegExp(regex[1] as string, 'i').test(requestPath);
  if (location.startsWith('= ')) return requestPath === location.slice(2);
  return requestPath.startsWith(location);
}

/** The Secret cert-manager writes the chat's certificate into. */
export function tlsSecretName(host: string): string {
  return `${host.replace(/\./g, '-')}-tls`;
}
