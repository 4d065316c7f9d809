/** The whole Kubernetes platform: namespace, PostgreSQL, Redis, the app, cert-manager's issuer and the Ingress. */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { CertManagerIssuer } from './components/cert-manager-issuer';
import { IngressEdge } from './components/ingress-edge';
import { PostgresDatabase } from './components/postgres-database';
import { RedisCache } from './components/redis-cache';
import { ShagramApp } from './components/shagram-app';
import type { K8sConfig } from './config';
import { appImageRef } from '../plan/image-ref';

/** The stack outputs of the Kubernetes program: none of them is a secret. */
export interface KubernetesOutputs {
  chatUrl: pulumi.Output<string>;
  namespace: pulumi.Output<string>;
  /** The initial replica count (the HPA scales between its bounds afterwards). */
  replicas: pulumi.Output<number>;
  appImage: pulumi.Output<string>;
}

/** Handles the tests inspect. */
export interface KubernetesPlatform {
  outputs: KubernetesOutputs;
  namespace: k8s.core.v1.Namespace;
  database: PostgresDatabase;
  redis: RedisCache;
  app: ShagramApp;
  issuer: CertManagerIssuer;
  edge: IngressEdge;
}

/** Registers every resource of the Kubernetes platform for a parsed configuration. */
export function createKubernetesPlatform(cfg: K8sConfig): KubernetesPlatform {
  // Every pod here meets the "restricted" Pod Security Standard; the namespace enforces it.
  const namespace = new k8s.core.v1.Namespace('shagram', {
    metadata: {
      name: cfg.namespace,
      labels: { 'app.kubernetes.io/name': 'shagram', 'pod-security.kubernetes.io/enforce': 'restricted' },
    },
  });
  // The namespace's name output carries the dependency on it to every namespaced resource.
  const ns = namespace.metadata.name;

  const database = new PostgresDatabase('postgres', { namespace: ns, database: cfg.database });
  const redis = new RedisCache('redis', { namespace: ns, redis: cfg.redis });

  const jwtSecret =
    cfg.secrets.jwtSecret !== undefined
      ? pulumi.secret(cfg.secrets.jwtSecret)
      : new random.RandomPassword('jwt-secret', { length: 48, special: false, minUpper: 2, minLower: 2, minNumeric: 2 }).result;

  const image = appImageRef(cfg.registryHost, cfg.imageTag);
  const app = new ShagramApp(
    'shagram',
    {
      namespace: ns,
      image,
      chatHost: cfg.chatHost,
      replicas: cfg.replicas,
      hpa: cfg.hpa,
      resources: cfg.resources,
      jwtSecret,
      databaseUrl: database.url,
      redisUrl: redis.url,
      registry: cfg.registryCredentials
        ? { host: cfg.registryHost, username: cfg.registryCredentials.username, password: pulumi.secret(cfg.registryCredentials.password) }
        : undefined,
    },
    // The app's readiness needs its database and Redis: create them first so the rollout can complete.
    { dependsOn: [database, redis] },
  );

  const issuer = new CertManagerIssuer('letsencrypt', {
    email: cfg.letsencryptEmail,
    environment: cfg.acmeEnvironment,
    ingressClass: cfg.ingressClass,
    install: cfg.installCertManager ? { version: cfg.certManagerVersion } : undefined,
  });

  const edge = new IngressEdge(
    'chat',
    {
      namespace: ns,
      host: cfg.chatHost,
      ingressClass: cfg.ingressClass,
      clusterIssuer: issuer.issuerName,
      serviceName: app.serviceName,
      servicePort: app.servicePort,
    },
    { dependsOn: [app, issuer] },
  );

  return {
    namespace,
    database,
    redis,
    app,
    issuer,
    edge,
    outputs: {
      chatUrl: pulumi.output(`https://${cfg.chatHost}/`),
      namespace: pulumi.output(cfg.namespace),
      replicas: pulumi.output(cfg.replicas),
      appImage: pulumi.output(image),
    },
  };
}
