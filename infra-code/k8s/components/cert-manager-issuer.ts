/** cert-manager (optionally installed with its Helm chart) and the Let's Encrypt ClusterIssuer. */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { AcmeEnvironment } from '../config';
import { clusterIssuerName, clusterIssuerSpec } from '../spec/issuer';

/** Inputs of `CertManagerIssuer`. */
export interface CertManagerIssuerArgs {
  /** Let's Encrypt account e-mail (expiry notices). */
  email: string;
  environment: AcmeEnvironment;
  /** IngressClass the HTTP-01 solver's temporary Ingress uses. */
  ingressClass: string;
  /** Install cert-manager (chart version) before the issuer; absent: cert-manager is already in the cluster. */
  install?: { version: string };
}

/** The Jetstack chart repository. */
export const CERT_MANAGER_REPO = 'https://charts.jetstack.io';
/** Namespace cert-manager is installed into. */
export const CERT_MANAGER_NAMESPACE = 'cert-manager';

/** A ClusterIssuer `shagram-letsencrypt-<environment>`; with `install`, cert-manager's Helm release (CRDs included) first. */
export class CertManagerIssuer extends pulumi.ComponentResource {
  readonly release?: k8s.helm.v3.Release;
  readonly issuer: k8s.apiextensions.CustomResource;
  /** The ClusterIssuer's name (for the Ingress annotation). */
  readonly issuerName: pulumi.Output<string>;

  /** Registers the release (optional) and the issuer. */
  constructor(name: string, args: CertManagerIssuerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('shagram:k8s:CertManagerIssuer', name, {}, opts);
    const child = { parent: this };
    if (args.install) {
      this.release = new k8s.helm.v3.Release(
        `${name}-cert-manager`,
        {
          name: 'cert-manager',
          chart: 'cert-manager',
          version: args.install.version,
          repositoryOpts: { repo: CERT_MANAGER_REPO },
          namespace: CERT_MANAGER_NAMESPACE,
          createNamespace: true,
          values: { crds: { enabled: true } },
          // The issuer can only be created once the webhook answers.
          waitForJobs: true,
        },
        child,
      );
    }
    const issuerName = clusterIssuerName(args.environment);
    this.issuer = new k8s.apiextensions.CustomResource(
      name,
      {
        apiVersion: 'cert-manager.io/v1',
        kind: 'ClusterIssuer',
        metadata: { name: issuerName },
        spec: clusterIssuerSpec({ email: args.email, environment: args.environment, ingressClass: args.ingressClass }),
      },
      { ...child, dependsOn: this.release ? [this.release] : [] },
    );
    this.issuerName = this.issuer.metadata.name;
    this.registerOutputs({ issuerName: this.issuerName });
  }
}
