/**
 * The VPS program's whole configuration, parsed in one pure step: a missing or invalid key fails `pulumi up` at once
 * with a message naming the key (`shagram:<key>` or `yandex:<key>`), before any resource is registered.
 */
import { z } from 'zod';
import { inZone } from '../plan/dns';
import { githubRepositoryOf, type GithubRepository } from '../plan/github-webhook';
import { boolString, ConfigError, hostname, intString } from '../common/config-fields';

/** Keys whose values are secrets: they must be set with `pulumi config set --secret`. */
export const SECRET_KEYS = [
  'shagram:sshPrivateKey',
  'shagram:jwtSecret',
  'shagram:harborAdminPassword',
  'shagram:jenkinsAdminPassword',
  'shagram:harborRobotSecret',
  'shagram:githubWebhookSecret',
  'shagram:ciPulumiConfigPassphrase',
  'shagram:ciPulumiAccessToken',
  'shagram:ciYandexKeyJson',
  'shagram:ciAwsSecretAccessKey',
  'shagram:backupSecretAccessKey',
  'shagram:backupEncryptionKey',
  'yandex:serviceAccountKeyFile',
  'github:token',
  'shagram:grafanaAdminPassword',
  'shagram:telegramBotToken',
  'shagram:smtpPassword',
] as const;

/** Virtual-machine sizing (Yandex target only). */
export interface VmConfig {
  platformId: string;
  cores: number;
  memoryGb: number;
  coreFraction: number;
  diskGb: number;
  diskType: string;
  preemptible: boolean;
  imageFamily: string;
}

/**
 * Cloud DNS for the public names (Yandex target): the program writes an A record for each of chat, Jenkins and the
 * registry, in the zone it creates for `domain` or in an existing zone (`zoneId`), so certificates can be issued in
 * the same `pulumi up` that creates the address.
 */
export interface DnsConfig {
  /** The domain, e.g. `example.com`. */
  domain: string;
  /** An existing Cloud DNS zone of that domain; absent: the program creates the public zone. */
  zoneId?: string;
}

/** Where the stacks run: a VPS this program creates in Yandex Cloud, or an existing host reached over SSH. */
export type Target =
  | { kind: 'yandex'; folderId: string; zone: string; adminCidrs: string[]; subnetCidr: string; vm: VmConfig; sshPublicKey: string; dns?: DnsConfig }
  | { kind: 'existing'; host: string };

/** Secret values from config; absent ones are generated with @pulumi/random by the program. */
export interface SecretConfig {
  sshPrivateKey: string;
  jwtSecret?: string;
  harborAdminPassword?: string;
  jenkinsAdminPassword?: string;
  harborRobotSecret?: string;
  /** The GitHub webhook's shared secret (set it to the value you give GitHub; generated when absent). */
  githubWebhookSecret?: string;
  /**
   * What the Jenkins pipeline's own `pulumi up` needs, written into the Jenkins stack's `.env` (empty when absent):
   * the stack's config passphrase (default: PULUMI_CONFIG_PASSPHRASE of the `pulumi up` that deploys it), a Pulumi
   * Cloud token (default: PULUMI_ACCESS_TOKEN) and the Yandex service-account key (JSON text).
   */
  ci: { pulumiConfigPassphrase: string; pulumiAccessToken: string; yandexKeyJson: string; awsAccessKeyId: string; awsSecretAccessKey: string };
}

/**
 * The off-host backup (scripts/backup-offsite, docs/backups.md): an S3-compatible bucket (Yandex Object Storage by
 * default), its static access key, the AES-256 key the backups are encrypted with, retention and the daily time.
 * Absent (no `shagram:backupBucket`): no off-host backup is scheduled.
 */
export interface BackupConfig {
  bucket: string;
  endpoint: string;
  region: string;
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** 64 hex digits (32 bytes). */
  encryptionKey: string;
  keepDaily: number;
  keepWeekly: number;
  /** `HH:MM` (UTC): the timer's time of day, before its randomized delay. */
  time: string;
}

/** Where alerts go: Telegram, e-mail, or nowhere (shown in Alertmanager and Grafana only). */
export type AlertReceiver =
  | { kind: 'telegram'; botToken: string; chatId: string }
  | { kind: 'email'; smarthost: string; from: string; username: string; password: string; to: string }
  | { kind: 'none' };

/** The monitoring stack (monitoring/, docs/monitoring.md): Grafana's public name, its admin password, the receiver. */
export interface MonitoringConfig {
  grafanaHost: string;
  /** Generated when absent. */
  grafanaAdminPassword?: string;
  alerts: AlertReceiver;
}

/** The parsed configuration. */
export interface InfraConfig {
  target: Target;
  sshUser: string;
  sshPort: number;
  chatHost: string;
  jenkinsHost: string;
  registryHost: string;
  letsencryptEmail?: string;
  /** Repository Jenkins builds (GITHUB_REPO_URL of the Jenkins stack). */
  githubRepoUrl: string;
  /** State backend the Jenkins pipeline's `pulumi up` logs in to (PULUMI_BACKEND_URL). */
  pulumiBackendUrl: string;
  imageTag: string;
  pushImage: boolean;
  /** SHA-256 of Harbor's offline installer tarball (HARBOR_INSTALLER_SHA256 of the Harbor stack). */
  harborInstallerSha256: string;
  secrets: SecretConfig;
  /** The off-host backup; undefined when `shagram:backupBucket` is not set. */
  backup?: BackupConfig;
  /** The monitoring stack (`shagram:grafanaHost` set); undefined otherwise. */
  monitoring?: MonitoringConfig;
  /** The repository webhook the program manages (`shagram:githubWebhook: true`); undefined otherwise. */
  githubWebhook?: { repository: GithubRepository; token: string };
}

/** Everything `parseConfig` reads: the flat config map, which keys are secret, and the process environment. */
export interface ConfigSource {
  values: Record<string, string | undefined>;
  secretKeys: ReadonlySet<string>;
  env: Record<string, string | undefined>;
  /** The digest `harbor/installer.json` pins for the Harbor installer, if any (the key's default). */
  harborInstallerPin?: string | null;
}

const CIDR4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/;
const GIT_SHA = /^[0-9a-f]{7,40}$/;
const USER = /^[a-z_][a-z0-9_-]{0,31}$/;

/** A secret that is written into a compose `.env` line in single quotes: no quote, no newline. */
const envSecret = (minLength: number) =>
  z
    .string()
    .min(minLength, `must be at least ${minLength} characters`)
    .refine((v) => !/['\n\r]/.test(v), 'must not contain a single quote or a line break');

/** A one-line secret for the Jenkins stack's `.env` (no quote, no line break); may be empty. */
const ciSecret = z.string().refine((v) => !/['\n\r]/.test(v), 'must not contain a single quote or a line break');

/** A Yandex service-account authorized key (the JSON `yc iam key create` writes). */
const yandexKey = z.string().refine((v) => {
  try {
    const key = JSON.parse(v) as Record<string, unknown>;
    return typeof key.service_account_id === 'string' && typeof key.private_key === 'string';
  } catch {
    return false;
  }
}, 'must be the JSON of a service-account key (yc iam key create --output key.json)');

/** `yandex:serviceAccountKeyFile` as the key's contents, never a path (the CI that runs `pulumi up` has no such file). */
const yandexKeyNotPath = z.string().superRefine((v, ctx) => {
  if (!v.trim().startsWith('{')) {
    ctx.addIssue({
      code: 'custom',
      message: 'must hold the key itself, not a path: pulumi config set --secret yandex:serviceAccountKeyFile < key.json (CI reads the same stack configuration and cannot open a file on this machine)',
    });
  } else if (!yandexKey.safeParse(v).success) {
    ctx.addIssue({ code: 'custom', message: 'must be the JSON of a service-account key (yc iam key create --output key.json)' });
  }
});

function jsonList(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  }
}

const cidrList = z
  .array(z.string().regex(CIDR4, 'must be IPv4 CIDRs such as 203.0.113.7/32'))
  .min(1, 'must list at least one CIDR')
  .refine((l) => !l.some((c) => c.endsWith('/0')), 'must not open SSH to the whole internet (a /0 CIDR)');

/** One key's schema, its default (applied when absent) and whether it must be a secret. */
interface KeySpec<T> {
  schema: z.ZodType<T, string>;
  default?: string;
  /** Said after "is required (...)" when the key is missing. */
  hint?: string;
}

function read<T>(src: ConfigSource, key: string, spec: KeySpec<T>): T {
  const raw = src.values[key] ?? spec.default;
  if (raw === undefined || raw === '') {
    const how = `pulumi config set ${key}${SECRET_KEYS.includes(key as never) ? ' --secret' : ''} <value>`;
    throw new ConfigError(key, `is required (${how})${spec.hint ? `: ${spec.hint}` : ''}`);
  }
  if (SECRET_KEYS.includes(key as never) && src.values[key] !== undefined && !src.secretKeys.has(key)) {
    throw new ConfigError(key, `is a secret: set it with pulumi config set --secret ${key}`);
  }
  const parsed = spec.schema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(key, parsed.error.issues[0]?.message ?? 'is invalid');
  return parsed.data;
}

function readOptional<T>(src: ConfigSource, key: string, schema: z.ZodType<T, string>): T | undefined {
  return src.values[key] === undefined || src.values[key] === '' ? undefined : read(src, key, { schema });
}

/** A CI secret from its key, else from the environment variable the Pulumi CLI itself reads, else empty. */
function ciValue(src: ConfigSource, key: string, envName: string): string {
  const configured = readOptional(src, key, ciSecret);
  if (configured !== undefined) return configured;
  const value = src.env[envName] ?? '';
  if (!ciSecret.safeParse(value).success) throw new ConfigError(key, `is not set, and ${envName} has a single quote or a line break: set ${key} with --secret`);
  return value;
}

/** The keys of the off-host backup besides `shagram:backupBucket`. */
export const BACKUP_KEYS = [
  'shagram:backupEndpoint',
  'shagram:backupRegion',
  'shagram:backupPrefix',
  'shagram:backupAccessKeyId',
  'shagram:backupSecretAccessKey',
  'shagram:backupEncryptionKey',
  'shagram:backupKeepDaily',
  'shagram:backupKeepWeekly',
  'shagram:backupTime',
] as const;

/** The off-host backup's keys: none, or `shagram:backupBucket` with its access key and encryption key. */
function readBackup(src: ConfigSource): BackupConfig | undefined {
  const bucket = readOptional(src, 'shagram:backupBucket', z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a bucket name (3-63 lower-case letters, digits, dots, hyphens)'));
  if (bucket === undefined) {
    const stray = BACKUP_KEYS.find((key) => src.values[key] !== undefined && src.values[key] !== '');
    if (stray) throw new ConfigError('shagram:backupBucket', `is required with ${stray} (the off-host backup's bucket)`);
    return undefined;
  }
  const hint = 'the off-host backup (shagram:backupBucket is set) needs it; docs/backups.md';
  return {
    bucket,
    endpoint: read(src, 'shagram:backupEndpoint', { schema: z.string().regex(/^https?:\/\/[^\s/']+\/?$/, 'must be an http(s):// URL without a path'), default: 'https://storage.yandexcloud.net' }),
    region: read(src, 'shagram:backupRegion', { schema: z.string().regex(/^[a-z0-9-]+$/, 'must be a region name such as ru-central1'), default: 'ru-central1' }),
    prefix: read(src, 'shagram:backupPrefix', { schema: z.string().regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, 'must be letters, digits, . _ - and / (no leading or trailing /)'), default: 'shagram' }),
    accessKeyId: read(src, 'shagram:backupAccessKeyId', { schema: z.string().regex(/^[A-Za-z0-9_-]{8,128}$/, 'must be a static access key id (yc iam access-key create)'), hint }),
    secretAccessKey: read(src, 'shagram:backupSecretAccessKey', { schema: envSecret(16).refine((v) => !/\s/.test(v), 'must not contain spaces'), hint }),
    encryptionKey: read(src, 'shagram:backupEncryptionKey', {
      schema: z.string().trim().toLowerCase().regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits (a 256-bit key: openssl rand -hex 32)'),
      hint: `${hint}; make one with openssl rand -hex 32 and keep a copy off the host: without it no backup can be restored`,
    }),
    keepDaily: read(src, 'shagram:backupKeepDaily', { schema: intString(1, 366), default: '7' }),
    keepWeekly: read(src, 'shagram:backupKeepWeekly', { schema: intString(0, 520), default: '4' }),
    time: read(src, 'shagram:backupTime', { schema: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a UTC time of day HH:MM such as 03:15'), default: '03:15' }),
  };
}

/** Every public name the edge answers for (and the DNS records and the certificate cover). Pure. */
export function publicHosts(cfg: Pick<InfraConfig, 'chatHost' | 'jenkinsHost' | 'registryHost' | 'monitoring'>): string[] {
  return [cfg.chatHost, cfg.jenkinsHost, cfg.registryHost, ...(cfg.monitoring ? [cfg.monitoring.grafanaHost] : [])];
}

/** The monitoring stack's keys: on when `shagram:grafanaHost` is set; the receiver must then be chosen. Pure. */
function readMonitoring(src: ConfigSource): MonitoringConfig | undefined {
  const grafanaHost = readOptional(src, 'shagram:grafanaHost', hostname);
  if (!grafanaHost) {
    const stray = ['shagram:alertReceiver', 'shagram:grafanaAdminPassword'].find((k) => src.values[k] !== undefined);
    if (stray) throw new ConfigError('shagram:grafanaHost', `is required with ${stray} (the monitoring stack is deployed when Grafana has a name)`);
    return undefined;
  }
  const hint = 'the monitoring stack (shagram:grafanaHost is set) sends its alerts there; docs/monitoring.md';
  const kind = read(src, 'shagram:alertReceiver', { schema: z.enum(['telegram', 'email', 'none'], 'must be telegram, email or none'), hint: `${hint} (telegram, email, or none to only show them)` });
  let alerts: AlertReceiver;
  if (kind === 'telegram') {
    alerts = {
      kind,
      botToken: read(src, 'shagram:telegramBotToken', { schema: z.string().trim().regex(/^\d+:[A-Za-z0-9_-]{20,}$/, "must be a bot token from @BotFather (<digits>:<secret>)"), hint }),
      chatId: read(src, 'shagram:telegramChatId', { schema: z.string().trim().regex(/^-?\d{1,20}$/, 'must be a chat id (digits; a group\'s is negative)'), hint }),
    };
  } else if (kind === 'email') {
    const address = z.string().trim().regex(/^[^\s@]+@[^\s@]+$/, 'must be an e-mail address');
    alerts = {
      kind,
      smarthost: read(src, 'shagram:smtpSmarthost', { schema: z.string().trim().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'must be host:port of the SMTP submission server'), hint }),
      from: read(src, 'shagram:smtpFrom', { schema: address, hint }),
      username: read(src, 'shagram:smtpUsername', { schema: z.string().trim().min(1), hint }),
      password: read(src, 'shagram:smtpPassword', { schema: envSecret(1), hint }),
      to: read(src, 'shagram:alertEmailTo', { schema: address, hint }),
    };
  } else {
    alerts = { kind };
  }
  return { grafanaHost, grafanaAdminPassword: readOptional(src, 'shagram:grafanaAdminPassword', envSecret(12)), alerts };
}

/**
 * Parses and validates the whole configuration (pure). Throws `ConfigError` naming the first bad key.
 * The image tag comes from `shagram:imageTag`, else the environment (`SHAGRAM_IMAGE_TAG`, then `GIT_COMMIT`
 * as Jenkins sets it), shortened to 12 characters.
 */
export function parseConfig(src: ConfigSource): InfraConfig {
  const kind = read(src, 'shagram:target', { schema: z.enum(['yandex', 'existing'], 'must be "yandex" or "existing"') });
  const sshUser = read(src, 'shagram:sshUser', { schema: z.string().regex(USER, 'must be a Linux user name'), default: 'deploy' });

  let target: Target;
  if (kind === 'yandex') {
    const folderId = read(src, 'yandex:folderId', { schema: z.string().regex(/^[a-z0-9]{20}$/, 'must be a Yandex folder id (20 characters)') });
    const zone = read(src, 'yandex:zone', { schema: z.string().regex(/^ru-central1-[a-d]$/, 'must be a zone such as ru-central1-a'), default: 'ru-central1-a' });
    const adminCidrs = read(src, 'shagram:adminCidrs', { schema: z.string().transform(jsonList).pipe(cidrList) });
    const subnetCidr = read(src, 'shagram:subnetCidr', { schema: z.string().regex(CIDR4, 'must be an IPv4 CIDR'), default: '10.10.0.0/24' });
    const coreFraction = read(src, 'shagram:vmCoreFraction', {
      schema: z.enum(['5', '20', '50', '100'], 'must be one of 5, 20, 50, 100').transform(Number),
      default: '100',
    });
    const vm: VmConfig = {
      platformId: read(src, 'shagram:vmPlatformId', { schema: z.string().regex(/^standard-v[1-3]$/, 'must be standard-v1, standard-v2 or standard-v3'), default: 'standard-v3' }),
      cores: read(src, 'shagram:vmCores', { schema: intString(2, 32), default: '2' }),
      memoryGb: read(src, 'shagram:vmMemoryGb', { schema: intString(2, 128), default: '4' }),
      coreFraction,
      diskGb: read(src, 'shagram:vmDiskGb', { schema: intString(20, 2048), default: '40' }),
      diskType: read(src, 'shagram:vmDiskType', { schema: z.enum(['network-hdd', 'network-ssd'], 'must be network-hdd or network-ssd'), default: 'network-ssd' }),
      preemptible: read(src, 'shagram:vmPreemptible', { schema: boolString, default: 'false' }),
      imageFamily: read(src, 'shagram:vmImageFamily', { schema: z.string().regex(/^ubuntu-\d{4}-lts$/, 'must be an Ubuntu LTS image family such as ubuntu-2404-lts'), default: 'ubuntu-2404-lts' }),
    };
    const sshPublicKey = read(src, 'shagram:sshPublicKey', {
      schema: z.string().trim().regex(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( [^\n]*)?$/, 'must be one OpenSSH public key line'),
    });
    const domain = readOptional(src, 'shagram:dnsZone', hostname);
    const zoneId = readOptional(src, 'shagram:dnsZoneId', z.string().regex(/^[a-z0-9]{20}$/, 'must be a Cloud DNS zone id (20 characters)'));
    if (zoneId !== undefined && domain === undefined) throw new ConfigError('shagram:dnsZone', 'is required with shagram:dnsZoneId (the domain of that zone)');
    target = { kind, folderId, zone, adminCidrs, subnetCidr, vm, sshPublicKey, ...(domain ? { dns: { domain, ...(zoneId ? { zoneId } : {}) } } : {}) };
  } else {
    const host = read(src, 'shagram:host', { schema: z.string().regex(/^[A-Za-z0-9.:-]+$/, 'must be a host name or IP address') });
    target = { kind, host };
  }

  // The provider's key travels in the stack configuration as the key's JSON (the provider accepts "the path to or
  // the contents of" the key file), encrypted like every secret: Jenkins' `pulumi up` reads the same configuration
  // and could never open a path on the laptop that first deployed.
  const yandexKeyContents = readOptional(src, 'yandex:serviceAccountKeyFile', yandexKeyNotPath);

  const envTag = src.env.SHAGRAM_IMAGE_TAG || src.env.GIT_COMMIT;
  const imageTag = read(src, 'shagram:imageTag', {
    schema: z.string().toLowerCase().regex(GIT_SHA, 'must be a git commit SHA (7-40 hex digits)').transform((s) => s.slice(0, 12)),
    default: envTag,
  });

  const cfg: InfraConfig = {
    target,
    sshUser,
    sshPort: read(src, 'shagram:sshPort', { schema: intString(1, 65535), default: '22' }),
    chatHost: read(src, 'shagram:chatHost', { schema: hostname }),
    jenkinsHost: read(src, 'shagram:jenkinsHost', { schema: hostname }),
    registryHost: read(src, 'shagram:registryHost', { schema: hostname }),
    letsencryptEmail: readOptional(src, 'shagram:letsencryptEmail', z.email('must be an e-mail address')),
    githubRepoUrl: read(src, 'shagram:githubRepoUrl', { schema: z.string().regex(/^(https:\/\/|git@)[^\s']+$/, 'must be an https:// or git@ repository URL') }),
    pulumiBackendUrl: read(src, 'shagram:pulumiBackendUrl', { schema: z.string().regex(/^(file|s3|https|gs|azblob):\/\/[^\s']*$/, 'must be a Pulumi backend URL (file://, s3://, https://)') }),
    imageTag,
    pushImage: read(src, 'shagram:pushImage', { schema: boolString, default: 'true' }),
    // Harbor's installer is fetched on the host and checked against this digest before anything of it runs
    // (harbor/install); asked for here so that a missing digest stops `pulumi up` before any resource.
    harborInstallerSha256: read(src, 'shagram:harborInstallerSha256', {
      schema: z.string().toLowerCase().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 digest (64 hex digits)'),
      default: src.harborInstallerPin ?? undefined,
      hint: "the SHA-256 of Harbor's offline installer, which harbor/installer.json does not pin yet (docs/jenkins-harbor.md)",
    }),
    secrets: {
      sshPrivateKey: read(src, 'shagram:sshPrivateKey', {
        schema: z.string().refine((v) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(v), 'must be a PEM/OpenSSH private key'),
      }),
      jwtSecret: readOptional(src, 'shagram:jwtSecret', envSecret(32)),
      harborAdminPassword: readOptional(src, 'shagram:harborAdminPassword', envSecret(12)),
      jenkinsAdminPassword: readOptional(src, 'shagram:jenkinsAdminPassword', envSecret(12)),
      harborRobotSecret: readOptional(src, 'shagram:harborRobotSecret', envSecret(16)),
      githubWebhookSecret: readOptional(src, 'shagram:githubWebhookSecret', envSecret(20)),
      ci: {
        pulumiConfigPassphrase: ciValue(src, 'shagram:ciPulumiConfigPassphrase', 'PULUMI_CONFIG_PASSPHRASE'),
        pulumiAccessToken: ciValue(src, 'shagram:ciPulumiAccessToken', 'PULUMI_ACCESS_TOKEN'),
        // Default: the key the provider itself uses (yandex:serviceAccountKeyFile holds the key's JSON, see below).
        yandexKeyJson: readOptional(src, 'shagram:ciYandexKeyJson', yandexKey) ?? yandexKeyContents ?? '',
        // The S3 state backend's key (Yandex Object Storage): what the deploying `pulumi` logged in with.
        awsAccessKeyId: ciValue(src, 'shagram:ciAwsAccessKeyId', 'AWS_ACCESS_KEY_ID'),
        awsSecretAccessKey: ciValue(src, 'shagram:ciAwsSecretAccessKey', 'AWS_SECRET_ACCESS_KEY'),
      },
    },
  };
  const backup = readBackup(src);
  if (backup) cfg.backup = backup;
  const monitoring = readMonitoring(src);
  if (monitoring) cfg.monitoring = monitoring;
  if (read(src, 'shagram:githubWebhook', { schema: boolString, default: 'false' })) {
    const repository = githubRepositoryOf(cfg.githubRepoUrl);
    if (!repository) throw new ConfigError('shagram:githubWebhook', `needs a github.com repository in shagram:githubRepoUrl (got ${cfg.githubRepoUrl}); set it false and add the webhook by hand for another host`);
    const token = read(src, 'github:token', {
      schema: z.string().trim().min(20, 'must be a GitHub token'),
      hint: 'a token that may manage the repository\'s webhooks (fine-grained: "Webhooks" read and write), for shagram:githubWebhook',
    });
    cfg.githubWebhook = { repository, token };
  }
  if (target.kind === 'yandex' && target.dns) {
    const outside = publicHosts(cfg).filter((h) => !inZone(h, target.dns!.domain));
    if (outside.length > 0) throw new ConfigError('shagram:dnsZone', `${outside.join(', ')} not inside ${target.dns.domain}: the records for them cannot live in that zone`);
  }
  return cfg;
}
