/* eslint-disable @typescript-eslint/no-require-imports -- jest module isolation needs require() for the entry module */
/**
 * The Kubernetes program (stack `k8s`) under `pulumi.runtime.setMocks`: replicas, probes, resources, PDB and HPA,
 * secrets only through secretKeyRefs to secret Secrets, the URLs of PostgreSQL and Redis (in the cluster or
 * external), the Ingress's TLS and annotations, the ClusterIssuer, configuration errors and the outputs.
 */
import * as pulumi from '@pulumi/pulumi';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { KubernetesPlatform } from '../k8s/cluster';
import { parseK8sConfig, type K8sConfigSource } from '../k8s/config';
import { loadK8sConfig, runKubernetesProgram } from '../k8s/program';
import { ACME_SERVERS } from '../k8s/spec/issuer';
import { plaintextSecretOutputs } from '../policy/rules';
import { parsePlatformKind } from '../common/platform-kind';
import { isSecretEnvelope, unwrapSecrets, valueOf } from './harness';

/** One registration as the mocks saw it. */
interface Seen {
  type: string;
  name: string;
  inputs: Record<string, any>;
  raw: Record<string, any>;
}

const JWT = 'jwt-secret-from-config-0123456789abcdef';
const SECRET_KEYS = ['shagram:jwtSecret', 'shagram:databaseUrl', 'shagram:redisUrl', 'shagram:registryPassword'];

/** The k8s stack's configuration used by the tests. */
function k8sConfig(): Record<string, string> {
  return {
    'shagram:platform': 'kubernetes',
    'shagram:chatHost': 'chat.k8s.test',
    'shagram:registryHost': 'registry.k8s.test',
    'shagram:imageTag': '0123456789abcdef0123',
    'shagram:letsencryptEmail': 'ops@k8s.test',
    'shagram:jwtSecret': JWT,
    'shagram:replicas': '3',
  };
}

/** Mocks that record every registration; like the provider, they name a Kubernetes object that has no name. */
function recordingMocks(seen: Seen[]): pulumi.runtime.Mocks {
  return {
    newResource(args) {
      seen.push({ type: args.type, name: args.name, inputs: unwrapSecrets(args.inputs) as Record<string, any>, raw: args.inputs });
      const state: Record<string, any> = { ...args.inputs };
      if (args.type.startsWith('kubernetes:') && args.inputs.metadata && !args.inputs.metadata.name) {
        state.metadata = { ...args.inputs.metadata, name: `${args.name}-a1b2c3d4` };
      }
      if (args.type === 'random:index/randomPassword:RandomPassword') state.result = `Mock${args.name.replace(/[^A-Za-z0-9]/g, '')}Aa11Bb22`;
      return { id: `${args.name}-id`, state };
    },
    call(args) {
      throw new Error(`unexpected invoke ${args.token}`);
    },
  };
}

/** Runs the program with the given config and waits until every resource is registered. */
async function runK8s(config: Record<string, string>): Promise<{ p: KubernetesPlatform; seen: Seen[] }> {
  const seen: Seen[] = [];
  await pulumi.runtime.setMocks(recordingMocks(seen), 'shagram', 'k8s', false);
  pulumi.runtime.setAllConfig(config, SECRET_KEYS.filter((k) => k in config));
  const p = runKubernetesProgram();
  const outs: pulumi.Output<unknown>[] = [
    ...Object.values(p.outputs),
    p.namespace.id,
    p.app.deployment.id,
    p.app.secret.id,
    p.app.service.id,
    p.app.pdb.id,
    p.app.hpa.id,
    p.edge.ingress.id,
    p.edge.metricsIngress.id,
    p.issuer.issuer.id,
    p.database.url,
    p.redis.url,
  ];
  for (const r of [p.app.pullSecret, p.database.statefulSet, p.database.service, p.database.secret, p.redis.deployment, p.redis.service, p.issuer.release]) {
    if (r) outs.push(r.id);
  }
  await Promise.all(outs.map(valueOf));
  await new Promise((r) => setImmediate(r));
  return { p, seen };
}

const one = (seen: Seen[], type: string, name?: string): Seen => {
  const found = seen.filter((s) => s.type === type && (name === undefined || s.inputs.metadata?.name === name));
  expect(found).toHaveLength(1);
  return found[0]!;
};
const T = {
  ns: 'kubernetes:core/v1:Namespace',
  deploy: 'kubernetes:apps/v1:Deployment',
  sts: 'kubernetes:apps/v1:StatefulSet',
  svc: 'kubernetes:core/v1:Service',
  secret: 'kubernetes:core/v1:Secret',
  pdb: 'kubernetes:policy/v1:PodDisruptionBudget',
  hpa: 'kubernetes:autoscaling/v2:HorizontalPodAutoscaler',
  ingress: 'kubernetes:networking.k8s.io/v1:Ingress',
  issuer: 'kubernetes:cert-manager.io/v1:ClusterIssuer',
  release: 'kubernetes:helm.sh/v3:Release',
};

describe('default configuration: in-cluster PostgreSQL and Redis, cert-manager assumed installed', () => {
  let p: KubernetesPlatform;
  let seen: Seen[];
  let app: Seen;
  let container: any;
  let appSecretName: string;

  beforeAll(async () => {
    ({ p, seen } = await runK8s(k8sConfig()));
    app = one(seen, T.deploy, 'shagram');
    container = app.inputs.spec.template.spec.containers[0];
    appSecretName = await valueOf(p.app.secret.metadata.name);
  });

  test('a namespace that enforces the restricted Pod Security Standard', () => {
    const ns = one(seen, T.ns);
    expect(ns.inputs.metadata.name).toBe('shagram');
    expect(ns.inputs.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('the Deployment: replicas from config, the Harbor image with the git SHA, port 8080', () => {
    expect(app.inputs.metadata.namespace).toBe('shagram');
    expect(app.inputs.spec.replicas).toBe(3);
    expect(app.inputs.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    expect(container.image).toBe('registry.k8s.test/shagram/shagram:0123456789ab');
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(app.inputs.spec.selector.matchLabels).toEqual(app.inputs.spec.template.metadata.labels);
  });

  test('readiness on /readyz, liveness on /healthz, both on port 8080', () => {
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 8080 });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 8080 });
    expect(container.startupProbe.httpGet).toEqual({ path: '/healthz', port: 8080 });
  });

  test('requests and limits are set', () => {
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } });
  });

  test('drain: a pre-stop delay and a grace period longer than the 10 s drain', () => {
    const spec = app.inputs.spec.template.spec;
    expect(spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(15);
    const preStop = Number(container.lifecycle.preStop.exec.command[1]);
    expect(container.lifecycle.preStop.exec.command[0]).toBe('sleep');
    expect(spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(preStop + 10);
  });

  test('non-root, read-only root file system, emptyDirs for /app/data and /tmp', () => {
    const spec = app.inputs.spec.template.spec;
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(container.volumeMounts.map((m: any) => m.mountPath).sort()).toEqual(['/app/data', '/tmp']);
    expect(spec.volumes.every((v: any) => v.emptyDir)).toBe(true);
  });

  test('every container in the namespace meets the restricted profile', () => {
    const pods = seen.filter((s) => s.type === T.deploy || s.type === T.sts).map((s) => s.inputs.spec.template.spec);
    expect(pods).toHaveLength(3);
    for (const pod of pods) {
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      for (const c of pod.containers) expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      for (const c of pod.containers) expect(c.resources.limits).toBeDefined();
    }
  });

  test('plain settings as values: NODE_ENV, TRUST_PROXY, WS_ALLOWED_ORIGINS', () => {
    const env = Object.fromEntries(container.env.filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({ NODE_ENV: 'production', PORT: '8080', TRUST_PROXY: 'on', WS_ALLOWED_ORIGINS: 'https://chat.k8s.test' });
  });

  test('JWT_SECRET, DATABASE_URL and REDIS_URL come from secretKeyRefs to the app Secret, never as values', () => {
    for (const key of ['JWT_SECRET', 'DATABASE_URL', 'REDIS_URL']) {
      const e = container.env.find((x: any) => x.name === key);
      expect(e).toEqual({ name: key, valueFrom: { secretKeyRef: { name: appSecretName, key } } });
    }
    expect(appSecretName).toMatch(/^shagram-env-/);
    const spec = JSON.stringify(app.inputs);
    expect(spec).not.toContain(JWT);
    expect(spec).not.toMatch(/postgres:\/\/|redis:\/\/|Mock/);
  });

  test('the app Secret: its data is a Pulumi secret and points at the in-cluster Services', async () => {
    const s = seen.find((x) => x.type === T.secret && x.name === 'shagram-env')!;
    expect(isSecretEnvelope(s.raw.stringData)).toBe(true);
    expect(await pulumi.isSecret(p.app.secretData)).toBe(true);
    expect(s.inputs.stringData).toEqual({
      JWT_SECRET: JWT,
      DATABASE_URL: 'postgres://shagram:Mockpostgrespassword' + 'Aa11Bb22@shagram-postgres.shagram.svc.cluster.local:5432/shagram',
      REDIS_URL: 'redis://:MockredispasswordAa11Bb22@shagram-redis.shagram.svc.cluster.local:6379',
    });
    expect(await pulumi.isSecret(p.database.url)).toBe(true);
    expect(await pulumi.isSecret(p.redis.url)).toBe(true);
  });

  test('the database and Redis password Secrets are secret too, and reach their pods by secretKeyRef', () => {
    for (const name of ['postgres-credentials', 'redis-credentials']) {
      expect(isSecretEnvelope(seen.find((x) => x.type === T.secret && x.name === name)!.raw.stringData)).toBe(true);
    }
    const pg = one(seen, T.sts, 'shagram-postgres').inputs.spec.template.spec.containers[0];
    expect(pg.env.find((e: any) => e.name === 'POSTGRES_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'postgres-credentials-a1b2c3d4', key: 'POSTGRES_PASSWORD' });
    const redis = one(seen, T.deploy, 'shagram-redis').inputs.spec.template.spec.containers[0];
    expect(redis.env).toEqual([{ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'redis-credentials-a1b2c3d4', key: 'REDIS_PASSWORD' } } }]);
    expect(redis.args.slice(0, 2)).toEqual(['--requirepass', '$(REDIS_PASSWORD)']);
  });

  test('PostgreSQL: a StatefulSet with a persistent volume claim template and a headless Service', () => {
    const sts = one(seen, T.sts, 'shagram-postgres');
    const svc = one(seen, T.svc, 'shagram-postgres');
    expect(svc.inputs.spec.clusterIP).toBe('None');
    expect(svc.inputs.spec.ports[0].port).toBe(5432);
    expect(sts.inputs.spec.serviceName).toBe('shagram-postgres');
    expect(sts.inputs.spec.volumeClaimTemplates[0].spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } });
    expect(sts.inputs.spec.template.spec.containers[0].volumeMounts[0]).toEqual({ name: 'data', mountPath: '/var/lib/postgresql/data' });
    expect(svc.inputs.spec.selector).toEqual(sts.inputs.spec.template.metadata.labels);
  });

  test('Redis: a Deployment and a ClusterIP Service on 6379', () => {
    const svc = one(seen, T.svc, 'shagram-redis');
    expect(svc.inputs.spec).toMatchObject({ type: 'ClusterIP', ports: [{ port: 6379 }] });
    expect(svc.inputs.spec.selector).toEqual(one(seen, T.deploy, 'shagram-redis').inputs.spec.template.metadata.labels);
  });

  test('the app Service forwards port 80 to the container port', () => {
    const svc = one(seen, T.svc, 'shagram');
    expect(svc.inputs.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    expect(svc.inputs.spec.selector).toEqual(app.inputs.spec.selector.matchLabels);
  });

  test('a PodDisruptionBudget keeps at least one pod of the Deployment', () => {
    const pdb = one(seen, T.pdb);
    expect(pdb.inputs.spec).toEqual({ minAvailable: 1, selector: { matchLabels: app.inputs.spec.selector.matchLabels } });
  });

  test('an HPA scales the Deployment on CPU between the configured bounds', () => {
    const hpa = one(seen, T.hpa);
    expect(hpa.inputs.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'shagram' });
    expect(hpa.inputs.spec.minReplicas).toBe(3);
    expect(hpa.inputs.spec.maxReplicas).toBe(6);
    expect(hpa.inputs.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);
  });

  test('the Ingress: TLS for the host, WebSocket timeouts, body size, the ClusterIssuer annotation', () => {
    const ing = one(seen, T.ingress, 'shagram');
    expect(ing.inputs.spec.ingressClassName).toBe('nginx');
    expect(ing.inputs.spec.tls).toEqual([{ hosts: ['chat.k8s.test'], secretName: 'chat-k8s-test-tls' }]);
    const a = ing.inputs.metadata.annotations;
    expect(Number(a['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(3600);
    expect(Number(a['nginx.ingress.kubernetes.io/proxy-send-timeout'])).toBeGreaterThanOrEqual(3600);
    expect(a['nginx.ingress.kubernetes.io/proxy-body-size']).toBe('1m');
    expect(a['cert-manager.io/cluster-issuer']).toBe('shagram-letsencrypt-production');
    expect(ing.inputs.spec.rules).toEqual([
      { host: 'chat.k8s.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'shagram', port: { number: 80 } } } }] } },
    ]);
  });

  test('/metrics is denied on the public edge', () => {
    const m = one(seen, T.ingress, 'shagram-metrics');
    expect(m.inputs.metadata.annotations['nginx.ingress.kubernetes.io/denylist-source-range']).toBe('0.0.0.0/0,::/0');
    expect(m.inputs.spec.rules[0].http.paths[0]).toMatchObject({ path: '/metrics', pathType: 'Exact' });
    expect(m.inputs.metadata.annotations['cert-manager.io/cluster-issuer']).toBeUndefined();
  });

  test("the Let's Encrypt production ClusterIssuer with an HTTP-01 solver through ingress-nginx; no Helm release", () => {
    const issuer = one(seen, T.issuer);
    expect(issuer.inputs.metadata.name).toBe('shagram-letsencrypt-production');
    expect(issuer.inputs.spec.acme).toEqual({
      server: 'https://acme-v02.api.letsencrypt.org/directory',
      email: 'ops@k8s.test',
      privateKeySecretRef: { name: 'shagram-letsencrypt-production-account-key' },
      solvers: [{ http01: { ingress: { ingressClassName: 'nginx' } } }],
    });
    expect(seen.filter((s) => s.type === T.release)).toEqual([]);
  });

  test('no image pull Secret without registry credentials', () => {
    expect(p.app.pullSecret).toBeUndefined();
    expect(app.inputs.spec.template.spec.imagePullSecrets).toBeUndefined();
  });

  test('outputs: URL, namespace, replicas, image; none secret', async () => {
    expect(await valueOf(p.outputs.chatUrl)).toBe('https://chat.k8s.test/');
    expect(await valueOf(p.outputs.namespace)).toBe('shagram');
    expect(await valueOf(p.outputs.replicas)).toBe(3);
    expect(await valueOf(p.outputs.appImage)).toBe('registry.k8s.test/shagram/shagram:0123456789ab');
    for (const o of Object.values(p.outputs)) expect(await pulumi.isSecret(o)).toBe(false);
    const values = Object.fromEntries(await Promise.all(Object.entries(p.outputs).map(async ([k, o]) => [k, await valueOf(o as pulumi.Output<unknown>)])));
    expect(plaintextSecretOutputs(values)).toEqual([]);
  });
});

describe('external PostgreSQL and Redis, staging issuer installed with Helm, registry credentials', () => {
  let p: KubernetesPlatform;
  let seen: Seen[];
  const DB = 'postgres://chat:db-pass@pg.example.net:6432/shagram?sslmode=require';
  const REDIS = 'rediss://:redis-pass@redis.example.net:6380';

  beforeAll(async () => {
    ({ p, seen } = await runK8s({
      ...k8sConfig(),
      'shagram:databaseUrl': DB,
      'shagram:redisUrl': REDIS,
      'shagram:letsencryptEnvironment': 'staging',
      'shagram:installCertManager': 'true',
      'shagram:registryUsername': 'robot$shagram+k8s',
      'shagram:registryPassword': 'robot-pass-0123',
      'shagram:namespace': 'chat-prod',
      'shagram:hpaMinReplicas': '2',
      'shagram:hpaMaxReplicas': '10',
      'shagram:hpaCpuTarget': '60',
    }));
  });

  test('no in-cluster PostgreSQL or Redis; the app Secret holds the external URLs', () => {
    expect(seen.filter((s) => s.type === T.sts)).toEqual([]);
    expect(seen.filter((s) => s.type === T.deploy).map((s) => s.inputs.metadata.name)).toEqual(['shagram']);
    const s = seen.find((x) => x.type === T.secret && x.name === 'shagram-env')!;
    expect(isSecretEnvelope(s.raw.stringData)).toBe(true);
    expect(s.inputs.stringData).toMatchObject({ DATABASE_URL: DB, REDIS_URL: REDIS });
  });

  test('the staging directory, and cert-manager installed from its chart before the issuer', () => {
    const issuer = one(seen, T.issuer);
    expect(issuer.inputs.metadata.name).toBe('shagram-letsencrypt-staging');
    expect(issuer.inputs.spec.acme.server).toBe(ACME_SERVERS.staging);
    expect(one(seen, T.ingress, 'shagram').inputs.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('shagram-letsencrypt-staging');
    const release = one(seen, T.release);
    expect(release.inputs).toMatchObject({ chart: 'cert-manager', version: 'v1.16.3', namespace: 'cert-manager', createNamespace: true, values: { crds: { enabled: true } } });
    expect(release.inputs.repositoryOpts).toEqual({ repo: 'https://charts.jetstack.io' });
    expect(seen.indexOf(release)).toBeLessThan(seen.indexOf(one(seen, T.issuer)));
  });

  test('an image pull Secret (secret) for the registry, referenced by the pods', async () => {
    const pull = seen.find((x) => x.type === T.secret && x.name === 'shagram-pull')!;
    expect(pull.inputs.type).toBe('kubernetes.io/dockerconfigjson');
    expect(isSecretEnvelope(pull.raw.stringData)).toBe(true);
    const cfg = JSON.parse(pull.inputs.stringData['.dockerconfigjson']);
    expect(cfg.auths['registry.k8s.test']).toEqual({
      username: 'robot$shagram+k8s',
      password: 'robot-pass-0123',
      auth: Buffer.from('robot$shagram+k8s:robot-pass-0123').toString('base64'),
    });
    const pod = one(seen, T.deploy, 'shagram').inputs.spec.template.spec;
    expect(pod.imagePullSecrets).toEqual([{ name: 'shagram-pull-a1b2c3d4' }]);
    expect(JSON.stringify(pod)).not.toContain('robot-pass-0123');
  });

  test('namespace and HPA bounds from config', () => {
    for (const s of seen.filter((x) => x.type.startsWith('kubernetes:') && ![T.ns, T.issuer, T.release].includes(x.type))) {
      expect(s.inputs.metadata.namespace).toBe('chat-prod');
    }
    expect(one(seen, T.hpa).inputs.spec).toMatchObject({ minReplicas: 2, maxReplicas: 10 });
    expect(one(seen, T.hpa).inputs.spec.metrics[0].resource.target.averageUtilization).toBe(60);
    expect(one(seen, T.deploy, 'shagram').inputs.spec.replicas).toBe(3);
  });

  test('no secret in the outputs', async () => {
    for (const o of Object.values(p.outputs)) {
      expect(await pulumi.isSecret(o)).toBe(false);
      expect(JSON.stringify(await valueOf(o))).not.toMatch(/pass|robot/);
    }
  });
});

describe('configuration errors name the key', () => {
  const src = (values: Record<string, string>, secret: string[] = SECRET_KEYS): K8sConfigSource => ({ values, secretKeys: new Set(secret), env: {} });
  const without = (key: string) => {
    const c = k8sConfig();
    delete c[key];
    return c;
  };

  const cases: [Record<string, string>, string][] = [
    [without('shagram:chatHost'), 'shagram:chatHost: is required (pulumi config set shagram:chatHost <value>)'],
    [without('shagram:letsencryptEmail'), 'shagram:letsencryptEmail: is required (pulumi config set shagram:letsencryptEmail <value>)'],
    [without('shagram:imageTag'), 'shagram:imageTag: is required (pulumi config set shagram:imageTag <value>)'],
    [{ ...k8sConfig(), 'shagram:replicas': '0' }, 'shagram:replicas: must be at least 1'],
    [{ ...k8sConfig(), 'shagram:hpaMaxReplicas': '2' }, 'shagram:hpaMaxReplicas: must be at least shagram:hpaMinReplicas (3)'],
    [{ ...k8sConfig(), 'shagram:appMemoryLimit': '512MB' }, 'shagram:appMemoryLimit: must be a memory quantity such as 256Mi or 1Gi'],
    [{ ...k8sConfig(), 'shagram:letsencryptEnvironment': 'prod' }, 'shagram:letsencryptEnvironment: must be "production" or "staging"'],
    [{ ...k8sConfig(), 'shagram:databaseUrl': 'mysql://x@y/z' }, 'shagram:databaseUrl: must be a URL such as postgres://user:password@db.example.com:5432/shagram'],
    [{ ...k8sConfig(), 'shagram:namespace': 'Shagram_NS' }, 'shagram:namespace: must be a Kubernetes namespace name (lower-case DNS label)'],
    [{ ...k8sConfig(), 'shagram:registryUsername': 'robot' }, 'shagram:registryPassword: is required when the other of shagram:registryUsername / shagram:registryPassword is set'],
    [{ ...k8sConfig(), 'shagram:jwtSecret': 'short' }, 'shagram:jwtSecret: must be at least 32 characters'],
    [{ ...k8sConfig(), 'shagram:certManagerVersion': 'v1.14.4' }, 'shagram:certManagerVersion: must be v1.15.0 or newer (the chart value crds.enabled)'],
  ];
  test.each(cases.map(([values, message]) => [message, values] as const))('%s', (message, values) => {
    expect(() => parseK8sConfig(src(values))).toThrow(message);
  });

  test('stacks/Pulumi.k8s.yaml parses (with an image tag from the environment) and selects the Kubernetes program', () => {
    const file = parseYaml(readFileSync(resolve(__dirname, '../../stacks/Pulumi.k8s.yaml'), 'utf8')) as { config: Record<string, string> };
    expect(parsePlatformKind(file.config)).toBe('kubernetes');
    const cfg = parseK8sConfig({ values: file.config, secretKeys: new Set(), env: { SHAGRAM_IMAGE_TAG: 'abcdef1' } });
    expect(cfg).toMatchObject({ namespace: 'shagram', replicas: 2, database: { kind: 'in-cluster' }, redis: { kind: 'in-cluster' }, installCertManager: false });
  });

  test('a secret key set in plain text is refused', () => {
    expect(() => parseK8sConfig(src({ ...k8sConfig(), 'shagram:redisUrl': 'redis://r:6379' }, ['shagram:jwtSecret']))).toThrow(
      'shagram:redisUrl: is a secret: set it with pulumi config set --secret shagram:redisUrl',
    );
  });

  test('the image tag falls back to SHAGRAM_IMAGE_TAG, shortened to 12 characters', () => {
    const cfg = parseK8sConfig({ ...src(without('shagram:imageTag')), env: { SHAGRAM_IMAGE_TAG: 'ABCDEF0123456789abcd' } });
    expect(cfg.imageTag).toBe('abcdef012345');
  });

  test('shagram:platform: vps by default, kubernetes, anything else refused', () => {
    expect(parsePlatformKind({})).toBe('vps');
    expect(parsePlatformKind({ 'shagram:platform': 'kubernetes' })).toBe('kubernetes');
    expect(() => parsePlatformKind({ 'shagram:platform': 'k8s' })).toThrow('shagram:platform: must be "vps", "kubernetes" or "bootstrap"');
  });

  test('through the runtime: a RunError naming the key, before any resource', async () => {
    const seen: Seen[] = [];
    await pulumi.runtime.setMocks(recordingMocks(seen), 'shagram', 'k8s', false);
    pulumi.runtime.setAllConfig(without('shagram:registryHost'), ['shagram:jwtSecret']);
    let error: unknown;
    try {
      loadK8sConfig({});
    } catch (e) {
      error = e;
    }
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe('invalid configuration: shagram:registryHost: is required (pulumi config set shagram:registryHost <value>)');
    expect(seen).toEqual([]);
  });
});

describe('the entry module with shagram:platform=kubernetes', () => {
  test('runs the Kubernetes program and exports its four outputs, none secret', async () => {
    const seen: Seen[] = [];
    await pulumi.runtime.setMocks(recordingMocks(seen), 'shagram', 'k8s', false);
    pulumi.runtime.setAllConfig(k8sConfig(), ['shagram:jwtSecret']);
    let exported: Record<string, pulumi.Output<unknown> | undefined> = {};
    jest.isolateModules(() => {
      exported = require('../index');
    });
    const defined = Object.fromEntries(Object.entries(exported).filter(([, v]) => v !== undefined)) as Record<string, pulumi.Output<unknown>>;
    expect(Object.keys(defined).sort()).toEqual(['appImage', 'chatUrl', 'namespace', 'replicas']);
    expect(await valueOf(defined.chatUrl!)).toBe('https://chat.k8s.test/');
    for (const o of Object.values(defined)) expect(await pulumi.isSecret(o)).toBe(false);
    await new Promise((r) => setImmediate(r));
    expect(seen.some((s) => s.type === T.deploy)).toBe(true);
    expect(seen.some((s) => s.type.startsWith('command:') || s.type.startsWith('yandex:'))).toBe(false);
  });

  test('an invalid shagram:platform stops the entry, naming the key', async () => {
    await pulumi.runtime.setMocks(recordingMocks([]), 'shagram', 'k8s', false);
    pulumi.runtime.setAllConfig({ ...k8sConfig(), 'shagram:platform': 'swarm' }, ['shagram:jwtSecret']);
    expect(() => jest.isolateModules(() => require('../index'))).toThrow('invalid configuration: shagram:platform: must be "vps", "kubernetes" or "bootstrap"');
  });
});

