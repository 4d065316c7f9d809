/** The public edge: an ingress-nginx Ingress with TLS from cert-manager, and `/metrics` kept off it. */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { chatIngressAnnotations, metricsDenyAnnotations, tlsSecretName } from '../spec/ingress';

/** Inputs of `IngressEdge`. */
export interface IngressEdgeArgs {
  namespace: pulumi.Input<string>;
  host: string;
  /** The IngressClass of the ingress-nginx controller (assumed installed). */
  ingressClass: string;
  /** The ClusterIssuer cert-manager uses for the certificate. */
  clusterIssuer: pulumi.Input<string>;
  serviceName: pulumi.Input<string>;
  servicePort: number;
}

/**
 * Two Ingresses for the chat's host. `chat`: every path to the app, WebSocket-friendly timeouts, TLS with the host
 * and the Secret cert-manager fills (`cert-manager.io/cluster-issuer` makes it request the certificate).
 * `metrics`: the exact path `/metrics`, denied to every client address (ingress-nginx merges both per host).
 */
export class IngressEdge extends pulumi.ComponentResource {
  readonly ingress: k8s.networking.v1.Ingress;
  readonly metricsIngress: k8s.networking.v1.Ingress;
  /** The Secret holding the certificate. */
  readonly tlsSecretName: string;

  /** Registers the Ingresses. */
  constructor(name: string, args: IngressEdgeArgs, opts?: pulumi.ComponentResourceOptions) {
    super('shagram:k8s:IngressEdge', name, {}, opts);
    const child = { parent: this };
    const labels = { 'app.kubernetes.io/name': 'shagram', 'app.kubernetes.io/component': 'edge' };
    this.tlsSecretName = tlsSecretName(args.host);
    const backend = { service: { name: args.serviceName, port: { number: args.servicePort } } };
    const tls = [{ hosts: [args.host], secretName: this.tlsSecretName }];

    this.ingress = new k8s.networking.v1.Ingress(
      name,
      {
        metadata: {
          name: 'shagram',
          namespace: args.namespace,
          labels,
          annotations: pulumi.output(args.clusterIssuer).apply(chatIngressAnnotations),
        },
        spec: {
          ingressClassName: args.ingressClass,
          tls,
          rules: [{ host: args.host, http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }],
        },
      },
      child,
    );
    this.metricsIngress = new k8s.networking.v1.Ingress(
      `${name}-metrics`,
      {
        metadata: { name: 'shagram-metrics', namespace: args.namespace, labels, annotations: metricsDenyAnnotations() },
        spec: {
          ingressClassName: args.ingressClass,
          tls,
          rules: [{ host: args.host, http: { paths: [{ path: '/metrics', pathType: 'Exact', backend }] } }],
        },
      },
      child,
    );
    this.registerOutputs({});
  }
}
