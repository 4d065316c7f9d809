/** The Let's Encrypt ClusterIssuer (cert-manager.io/v1). Pure. */
import type { AcmeEnvironment } from '../config';

/** Let's Encrypt's ACME v2 directories. */
export const ACME_SERVERS: Record<AcmeEnvironment, string> = {
  production: 'https://acme-v02.api.letsencrypt.org/directory',
  staging: 'https://acme-staging-v02.api.letsencrypt.org/directory',
};

/** The ClusterIssuer's name (cluster-scoped, so prefixed with the app's name). */
export function clusterIssuerName(env: AcmeEnvironment): string {
  return `shagram-letsencrypt-${env}`;
}

/** The ClusterIssuer's spec: ACME with an HTTP-01 solver served through the given IngressClass. */
export function clusterIssuerSpec(p: { email: string; environment: AcmeEnvironment; ingressClass: string }): Record<string, unknown> {
  return {
    acme: {
      server: ACME_SERVERS[p.environment],
      email: p.email,
      privateKeySecretRef: { name: `${clusterIssuerName(p.environment)}-account-key` },
      solvers: [{ http01: { ingress: { ingressClassName: p.ingressClass } } }],
    },
  };
}
