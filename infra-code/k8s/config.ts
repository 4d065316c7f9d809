/**
 * The Kubernetes program's configuration, parsed in one pure step (like `../vps/config.ts` for the VPS program): a
 * missing or invalid key fails `pulumi up` at once with a message naming the key, before any resource is registered.
 */
import { z } from 'zod';
import { boolString, ConfigError, hostname, intString } from '../common/config-fields';

/** Keys of the Kubernetes stack whose values are secrets (`pulumi config set --secret`). */
export const K8S_SECRET_KEYS = ['shagram:jwtSecret', 'shagram:databaseUrl', 'shagram:redisUrl', 'shagram:registryPassword'] as const;

/** Let's Encrypt directory the ClusterIssuer uses. */
export type AcmeEnvironment = 'production' | 'staging';

/** CPU and memory requests and limits of one container (Kubernetes quantities such as `250m`, `512Mi`). */
export interface ResourceSizing {
  cpuRequest: string;
  cpuLimit: string;
  memoryRequest: string;
  memoryLimit: string;
}

/** PostgreSQL: in the cluster (a StatefulSet with a volume) or an external server given by URL. */
export type DatabaseConfig =
  | { kind: 'in-cluster'; image: string; storageGb: number; storageClass?: string }
  | { kind: 'external'; url: string };

/** Redis: in the cluster (a Deployment, no persistence: pub/sub and presence only) or an external server. */
export type RedisConfig = { kind: 'in-cluster'; image: string } | { kind: 'external'; url: string };

/** The parsed Kubernetes configuration. */
export interface K8sConfig {
  namespace: string;
  chatHost: string;
  registryHost: string;
  imageTag: string;
  replicas: number;
  hpa: { minReplicas: number; maxReplicas: number; cpuTargetPercent: number };
  resources: ResourceSizing;
  ingressClass: string;
  letsencryptEmail: string;
  acmeEnvironment: AcmeEnvironment;
  /** Install cert-manager with its Helm chart (false: it is already in the cluster). */
  installCertManager: boolean;
  certManagerVersion: string;
  database: DatabaseConfig;
  redis: RedisConfig;
  /** Pull credentials for the (private) Harbor registry; absent when the nodes can pull anonymously. */
  registryCredentials?: { username: string; password: string };
  secrets: { jwtSecret?: string };
}

/** What `parseK8sConfig` reads: the flat config map, which keys are secret, and the process environment. */
export interface K8sConfigSource {
  values: Record<string, string | undefined>;
  secretKeys: ReadonlySet<string>;
  env: Record<string, string | undefined>;
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const GIT_SHA = /^[0-9a-f]{7,40}$/;
const CPU = /^([1-9]\d*m|\d+(\.\d+)?)$/;
const MEMORY = /^[1-9]\d*(Ki|Mi|Gi)$/;
const IMAGE = /^[a-z0-9][a-z0-9._\-/:]*(@sha256:[0-9a-f]{64})?$/;

const cpu = z.string().regex(CPU, 'must be a CPU quantity such as 250m or 1');
const memory = z.string().regex(MEMORY, 'must be a memory quantity such as 256Mi or 1Gi');
const image = z.string().regex(IMAGE, 'must be an image reference such as postgres:16');
const urlWithScheme = (schemes: string[], example: string) =>
  z.string().refine((v) => {
    try {
      const u = new URL(v);
      return schemes.includes(u.protocol) && u.hostname !== '';
    } catch {
      return false;
    }
  }, `must be a URL such as ${example}`);

/** True for a chart version `vX.Y.Z` of at least v1.15.0. */
function atLeastV1_15(version: string): boolean {
  const [major = 0, minor = 0] = version.slice(1).split('.').map(Number);
  return major > 1 || (major === 1 && minor >= 15);
}

/** cert-manager's chart version; its `crds.enabled` value (used to install the CRDs) exists from v1.15 on. */
const certManagerChartVersion = z
  .string()
  .regex(/^v\d+\.\d+\.\d+$/, 'must be a chart version such as v1.16.3')
  .refine(atLeastV1_15, 'must be v1.15.0 or newer (the chart value crds.enabled)');

function isSecretKey(key: string): boolean {
  return (K8S_SECRET_KEYS as readonly string[]).includes(key);
}

function read<T>(src: K8sConfigSource, key: string, schema: z.ZodType<T, string>, fallback?: string): T {
  const given = src.values[key];
  const raw = given === undefined || given === '' ? fallback : given;
  if (raw === undefined || raw === '') {
    throw new ConfigError(key, `is required (pulumi config set ${key}${isSecretKey(key) ? ' --secret' : ''} <value>)`);
  }
  if (isSecretKey(key) && given !== undefined && given !== '' && !src.secretKeys.has(key)) {
    throw new ConfigError(key, `is a secret: set it with pulumi config set --secret ${key}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(key, parsed.error.issues[0]?.message ?? 'is invalid');
  return parsed.data;
}

function readOptional<T>(src: K8sConfigSource, key: string, schema: z.ZodType<T, string>): T | undefined {
  const v = src.values[key];
  return v === undefined || v === '' ? undefined : read(src, key, schema);
}

/**
 * Parses and validates the Kubernetes stack's configuration (pure). Throws `ConfigError` naming the first bad key.
 * The image tag comes from `shagram:imageTag`, else `SHAGRAM_IMAGE_TAG`, else `GIT_COMMIT`, shortened to 12
 * characters, exactly as in the VPS program.
 */
export function parseK8sConfig(src: K8sConfigSource): K8sConfig {
  const replicas = read(src, 'shagram:replicas', intString(1, 50), '2');
  const minReplicas = read(src, 'shagram:hpaMinReplicas', intString(1, 50), String(replicas));
  const maxReplicas = read(src, 'shagram:hpaMaxReplicas', intString(1, 100), String(Math.max(6, minReplicas)));
  if (maxReplicas < minReplicas) throw new ConfigError('shagram:hpaMaxReplicas', `must be at least shagram:hpaMinReplicas (${minReplicas})`);

  const storageClass = readOptional(src, 'shagram:storageClass', z.string().regex(DNS_LABEL, 'must be a StorageClass name'));
  const databaseUrl = readOptional(src, 'shagram:databaseUrl', urlWithScheme(['postgres:', 'postgresql:'], 'postgres://user:password@db.example.com:5432/shagram'));
  const database: DatabaseConfig =
    databaseUrl !== undefined
      ? { kind: 'external', url: databaseUrl }
      : {
          kind: 'in-cluster',
          image: read(src, 'shagram:postgresImage', image, 'postgres:16'),
          storageGb: read(src, 'shagram:postgresStorageGb', intString(1, 16384), '10'),
          storageClass,
        };
  const redisUrl = readOptional(src, 'shagram:redisUrl', urlWithScheme(['redis:', 'rediss:'], 'redis://:password@redis.example.com:6379'));
  const redis: RedisConfig = redisUrl !== undefined ? { kind: 'external', url: redisUrl } : { kind: 'in-cluster', image: read(src, 'shagram:redisImage', image, 'redis:7') };

  const registryUsername = readOptional(src, 'shagram:registryUsername', z.string().regex(/^[^\s:]+$/, 'must be a user name without spaces or colons'));
  const registryPassword = readOptional(src, 'shagram:registryPassword', z.string().min(1, 'must not be empty'));
  if ((registryUsername === undefined) !== (registryPassword === undefined)) {
    throw new ConfigError(
      registryUsername === undefined ? 'shagram:registryUsername' : 'shagram:registryPassword',
      'is required when the other of shagram:registryUsername / shagram:registryPassword is set',
    );
  }

  const envTag = src.env.SHAGRAM_IMAGE_TAG || src.env.GIT_COMMIT;
  return {
    namespace: read(src, 'shagram:namespace', z.string().regex(DNS_LABEL, 'must be a Kubernetes namespace name (lower-case DNS label)'), 'shagram'),
    chatHost: read(src, 'shagram:chatHost', hostname),
    registryHost: read(src, 'shagram:registryHost', hostname),
    imageTag: read(
      src,
      'shagram:imageTag',
      z.string().toLowerCase().regex(GIT_SHA, 'must be a git commit SHA (7-40 hex digits)').transform((s) => s.slice(0, 12)),
      envTag,
    ),
    replicas,
    hpa: { minReplicas, maxReplicas, cpuTargetPercent: read(src, 'shagram:hpaCpuTarget', intString(10, 95), '70') },
    resources: {
      cpuRequest: read(src, 'shagram:appCpuRequest', cpu, '100m'),
      cpuLimit: read(src, 'shagram:appCpuLimit', cpu, '1'),
      memoryRequest: read(src, 'shagram:appMemoryRequest', memory, '256Mi'),
      memoryLimit: read(src, 'shagram:appMemoryLimit', memory, '512Mi'),
    },
    ingressClass: read(src, 'shagram:ingressClass', z.string().regex(DNS_LABEL, 'must be an IngressClass name'), 'nginx'),
    letsencryptEmail: read(src, 'shagram:letsencryptEmail', z.email('must be an e-mail address')),
    acmeEnvironment: read(src, 'shagram:letsencryptEnvironment', z.enum(['production', 'staging'], 'must be "production" or "staging"'), 'production'),
    installCertManager: read(src, 'shagram:installCertManager', boolString, 'false'),
    certManagerVersion: read(src, 'shagram:certManagerVersion', certManagerChartVersion, 'v1.16.3'),
    database,
    redis,
    registryCredentials: registryUsername !== undefined && registryPassword !== undefined ? { username: registryUsername, password: registryPassword } : undefined,
    secrets: {
      jwtSecret: readOptional(src, 'shagram:jwtSecret', z.string().min(32, 'must be at least 32 characters')),
    },
  };
}
