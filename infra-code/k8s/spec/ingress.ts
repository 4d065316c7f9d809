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
 * does): ingress-nginx answers 403 to every client address for that path only.
 */
export function metricsDenyAnnotations(): Record<string, string> {
  return { 'nginx.ingress.kubernetes.io/denylist-source-range': '0.0.0.0/0,::/0' };
}

/** The Secret cert-manager writes the chat's certificate into. */
export function tlsSecretName(host: string): string {
  return `${host.replace(/\./g, '-')}-tls`;
}
