/** Redis for the chat's pub/sub fan-out and cluster-wide presence: a Deployment in the cluster, or an external URL. */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import type { RedisConfig } from '../config';
import { containerSecurityContext, podSecurityContext } from '../spec/security';
import { redisUrl, serviceHost } from '../spec/urls';

/** Inputs of `RedisCache`. */
export interface RedisCacheArgs {
  namespace: pulumi.Input<string>;
  /** In the cluster (image) or external (URL, secret). */
  redis: RedisConfig;
}

/** Name of the Deployment and its Service. */
export const REDIS_NAME = 'shagram-redis';
/** Redis's port. */
export const REDIS_PORT = 6379;
/** The uid/gid of the `redis` user in the official Debian-based images. */
export const REDIS_UID = 999;

/**
 * Redis. In the cluster: a Secret with a generated password (`requirepass`), a one-replica Deployment without
 * persistence (pub/sub messages and presence are transient: the messages themselves are in PostgreSQL, and presence
 * is rebuilt as clients reconnect) and a ClusterIP Service. External: no resource, only the URL.
 */
export class RedisCache extends pulumi.ComponentResource {
  readonly secret?: k8s.core.v1.Secret;
  readonly deployment?: k8s.apps.v1.Deployment;
  readonly service?: k8s.core.v1.Service;
  /** `REDIS_URL` for the app (secret). */
  readonly url: pulumi.Output<string>;

  /** Registers Redis's resources (none for an external server). */
  constructor(name: string, args: RedisCacheArgs, opts?: pulumi.ComponentResourceOptions) {
    super('shagram:k8s:RedisCache', name, {}, opts);
    const r = args.redis;
    if (r.kind === 'external') {
      this.url = pulumi.secret(r.url);
      this.registerOutputs({});
      return;
    }
    const child = { parent: this };
    const namespace = args.namespace;
    const labels = { 'app.kubernetes.io/name': 'shagram', 'app.kubernetes.io/component': 'redis' };
    const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, child).result;

    this.secret = new k8s.core.v1.Secret(
      `${name}-credentials`,
      { metadata: { namespace, labels }, type: 'Opaque', stringData: pulumi.secret(password.apply((pw) => ({ REDIS_PASSWORD: pw }))) },
      child,
    );
    const probe = { tcpSocket: { port: REDIS_PORT } };
    this.deployment = new k8s.apps.v1.Deployment(
      name,
      {
        metadata: { name: REDIS_NAME, namespace, labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          strategy: { type: 'Recreate' },
          template: {
            metadata: { labels },
            spec: {
              securityContext: podSecurityContext(REDIS_UID),
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              containers: [
                {
                  name: 'redis',
                  image: r.image,
                  // $(REDIS_PASSWORD) is expanded by the kubelet from the env below; it never appears in the spec.
                  args: ['--requirepass', '$(REDIS_PASSWORD)', '--save', '', '--appendonly', 'no'],
                  ports: [{ name: 'redis', containerPort: REDIS_PORT }],
                  env: [{ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: this.secret.metadata.name, key: 'REDIS_PASSWORD' } } }],
                  readinessProbe: { ...probe, periodSeconds: 5 },
                  livenessProbe: { ...probe, periodSeconds: 15, failureThreshold: 4 },
                  resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
                  securityContext: containerSecurityContext(),
                  volumeMounts: [{ name: 'data', mountPath: '/data' }],
                },
              ],
              volumes: [{ name: 'data', emptyDir: {} }],
            },
          },
        },
      },
      child,
    );
    this.service = new k8s.core.v1.Service(
      name,
      {
        metadata: { name: REDIS_NAME, namespace, labels },
        spec: { type: 'ClusterIP', selector: labels, ports: [{ name: 'redis', port: REDIS_PORT, targetPort: 'redis' }] },
      },
      child,
    );
    this.url = pulumi.secret(pulumi.all([password, namespace]).apply(([pw, ns]) => redisUrl({ password: pw, host: serviceHost(REDIS_NAME, ns), port: REDIS_PORT })));
    this.registerOutputs({});
  }
}
