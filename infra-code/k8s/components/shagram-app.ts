/** The chat server on Kubernetes: Secret, Deployment, Service, PodDisruptionBudget and HorizontalPodAutoscaler. */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { ResourceSizing } from '../config';
import { APP_UID, appContainer, appLabels, appVolumes, TERMINATION_GRACE_SECONDS } from '../spec/app';
import { dockerConfigJson } from '../spec/registry';
import { podSecurityContext } from '../spec/security';

/** Inputs of `ShagramApp`. */
export interface ShagramAppArgs {
  namespace: pulumi.Input<string>;
  /** Full image reference (`${registryHost}/shagram/shagram:<git-sha>`). */
  image: string;
  chatHost: string;
  /** Initial replica count; afterwards the HPA owns `spec.replicas`. */
  replicas: number;
  hpa: { minReplicas: number; maxReplicas: number; cpuTargetPercent: number };
  resources: ResourceSizing;
  /** Secret values. */
  jwtSecret: pulumi.Input<string>;
  databaseUrl: pulumi.Input<string>;
  redisUrl: pulumi.Input<string>;
  /** Pull credentials for the image's registry (secret password); none: the nodes pull anonymously. */
  registry?: { host: string; username: string; password: pulumi.Input<string> };
}

/** Name of the Deployment and the Service (the Ingress's backend). */
export const APP_NAME = 'shagram';
/** The Service's port (it forwards to the container's 8080). */
export const APP_SERVICE_PORT = 80;

/**
 * The app. Secrets reach the pods only through `secretKeyRef`s to an auto-named Secret: a changed secret creates a
 * new Secret (the provider replaces Secrets rather than editing them), so its new name rolls the Deployment.
 */
export class ShagramApp extends pulumi.ComponentResource {
  readonly secret: k8s.core.v1.Secret;
  readonly pullSecret?: k8s.core.v1.Secret;
  readonly deployment: k8s.apps.v1.Deployment;
  readonly service: k8s.core.v1.Service;
  readonly pdb: k8s.policy.v1.PodDisruptionBudget;
  readonly hpa: k8s.autoscaling.v2.HorizontalPodAutoscaler;
  /** The Secret's values (secret), as given to it. */
  readonly secretData: pulumi.Output<Record<string, string>>;
  /** The Service's name and port (the Ingress backend). */
  readonly serviceName: pulumi.Output<string>;
  readonly servicePort: number;

  /** Registers the app's resources. */
  constructor(name: string, args: ShagramAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super('shagram:k8s:ShagramApp', name, {}, opts);
    const child = { parent: this };
    // Children do not inherit the component's dependsOn: the Secret and the Deployment carry it (database, Redis).
    const after = { parent: this, dependsOn: opts?.dependsOn };
    const labels = appLabels();
    const namespace = args.namespace;

    this.secretData = pulumi.secret(pulumi.all({ JWT_SECRET: args.jwtSecret, DATABASE_URL: args.databaseUrl, REDIS_URL: args.redisUrl }));
    this.secret = new k8s.core.v1.Secret(`${name}-env`, { metadata: { namespace, labels }, type: 'Opaque', stringData: this.secretData }, after);

    if (args.registry) {
      const r = args.registry;
      this.pullSecret = new k8s.core.v1.Secret(
        `${name}-pull`,
        {
          metadata: { namespace, labels },
          type: 'kubernetes.io/dockerconfigjson',
          stringData: pulumi.secret(pulumi.output(r.password).apply((pw) => ({ '.dockerconfigjson': dockerConfigJson(r.host, r.username, pw) }))),
        },
        child,
      );
    }

    this.deployment = new k8s.apps.v1.Deployment(
      name,
      {
        metadata: { name: APP_NAME, namespace, labels },
        spec: {
          replicas: args.replicas,
          selector: { matchLabels: labels },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: { labels },
            spec: {
              terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
              securityContext: podSecurityContext(APP_UID),
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              imagePullSecrets: this.pullSecret ? [{ name: this.pullSecret.metadata.name }] : undefined,
              containers: [appContainer({ image: args.image, chatHost: args.chatHost, secretName: this.secret.metadata.name, resources: args.resources })],
              volumes: appVolumes(),
              // Spread the replicas over nodes when the cluster has several.
              topologySpreadConstraints: [
                { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: labels } },
              ],
            },
          },
        },
      },
      // The HPA changes spec.replicas; Pulumi must not reset it on the next `pulumi up`.
      { ...after, ignoreChanges: ['spec.replicas'] },
    );

    this.service = new k8s.core.v1.Service(
      name,
      {
        metadata: { name: APP_NAME, namespace, labels },
        spec: { type: 'ClusterIP', selector: labels, ports: [{ name: 'http', port: APP_SERVICE_PORT, targetPort: 'http', protocol: 'TCP' }] },
      },
      child,
    );

    this.pdb = new k8s.policy.v1.PodDisruptionBudget(
      name,
      { metadata: { name: APP_NAME, namespace, labels }, spec: { minAvailable: 1, selector: { matchLabels: labels } } },
      child,
    );

    this.hpa = new k8s.autoscaling.v2.HorizontalPodAutoscaler(
      name,
      {
        metadata: { name: APP_NAME, namespace, labels },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.deployment.metadata.name },
          minReplicas: args.hpa.minReplicas,
          maxReplicas: args.hpa.maxReplicas,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: args.hpa.cpuTargetPercent } } }],
          // Scale down slowly: every removed pod closes its WebSockets (clients reconnect elsewhere).
          behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
        },
      },
      child,
    );

    this.serviceName = this.service.metadata.name;
    this.servicePort = APP_SERVICE_PORT;
    this.registerOutputs({ serviceName: this.serviceName });
  }
}
