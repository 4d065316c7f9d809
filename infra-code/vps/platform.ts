/**
 * The whole platform: the host (a new Yandex VPS or an existing one), then the stacks of the stack table
 * (plan/stack-spec.ts) one after the other in its order, with the app image pushed right after the registry stack.
 */
import { remote, type types } from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { join } from 'node:path';
import { AppImage } from './components/app-image';
import { ComposeStack } from './components/compose-stack';
import { DnsRecords } from './components/dns-records';
import { GithubWebhook } from './components/github-webhook';
import { HostReady } from './components/host-ready';
import { HostTools } from './components/host-tools';
import { OffsiteBackup } from './components/offsite-backup';
import { YandexVps } from './components/yandex-vps';
import { publicHosts, type InfraConfig } from './config';
import { certificateWaitScript } from '../plan/certificate-wait';
import { cloudInitDocument } from '../plan/cloud-init';
import { buildHostTools } from '../plan/host-tools';
import { renderEnvFile } from '../plan/env-file';
import { buildStackBundle, type ExtraFile } from '../plan/stack-bundle';
import { appImageRef } from '../plan/image-ref';
import { HOST_BASE_DIR, STACKS, stackDeployOptions, type EnvInputs, type StackName } from '../plan/stacks';

/** Where the program finds the repository and writes the stacks' clean upload folders. */
export interface PlatformPaths {
  /** Repository root (build context of the app image). */
  repoRoot: string;
  /** Folder for the upload bundles (git-ignored `.stacks-tmp/`). */
  bundleRoot: string;
  /** Source folder of each stack; defaults to the repository folder the stack table names. */
  stackDirs?: Partial<Record<StackName, string>>;
  /** Files made for the host that join a stack's bundle (for example Harbor's bundled installer). */
  bundleExtras?: Partial<Record<StackName, ExtraFile[]>>;
}

/** The stack outputs: none of them is a secret. */
export interface PlatformOutputs {
  publicIp: pulumi.Output<string>;
  chatUrl: pulumi.Output<string>;
  jenkinsUrl: pulumi.Output<string>;
  registryHost: pulumi.Output<string>;
  appImage: pulumi.Output<string>;
  /** Name servers to delegate the domain to at its registrar (a zone the program created); absent otherwise. */
  dnsNameServers?: pulumi.Output<string[]>;
}

/** Handles the tests inspect. */
export interface Platform {
  outputs: PlatformOutputs;
  vps?: YandexVps;
  /** The A records of the public names (Yandex target with `shagram:dnsZone`). */
  dns?: DnsRecords;
  ready: HostReady;
  /** The host scripts (restart-stacks, status, backup, restore) installed on the host. */
  tools: HostTools;
  /** The daily off-host backup's settings and timer (with `shagram:backupBucket`). */
  offsiteBackup?: OffsiteBackup;
  /** The repository's push webhook to Jenkins (with `shagram:githubWebhook`). */
  githubWebhook?: GithubWebhook;
  image?: AppImage;
  /** The deployed stacks; the optional ones (monitoring) only when the configuration turns them on. */
  stacks: Record<Exclude<StackName, 'monitoring'>, ComposeStack> & Partial<Record<'monitoring', ComposeStack>>;
}

function password(name: string, length: number): pulumi.Output<string> {
  return new random.RandomPassword(name, { length, special: false, minUpper: 2, minLower: 2, minNumeric: 2 }).result;
}

/** Registers every resource of the platform for a parsed configuration. */
export function createPlatform(cfg: InfraConfig, paths: PlatformPaths): Platform {
  const s = cfg.secrets;
  const secretOr = (value: string | undefined, name: string, length: number): pulumi.Output<string> =>
    value !== undefined ? pulumi.secret(value) : password(name, length);

  const secrets = {
    jwtSecret: secretOr(s.jwtSecret, 'jwt-secret', 48),
    harborAdminPassword: secretOr(s.harborAdminPassword, 'harbor-admin-password', 24),
    harborDbPassword: password('harbor-db-password', 24),
    jenkinsAdminPassword: secretOr(s.jenkinsAdminPassword, 'jenkins-admin-password', 24),
    harborRobotSecret: secretOr(s.harborRobotSecret, 'harbor-robot-secret', 32),
    githubWebhookSecret: secretOr(s.githubWebhookSecret, 'github-webhook-secret', 40),
    // Only with the monitoring stack (no resource otherwise).
    grafanaAdminPassword: cfg.monitoring ? secretOr(cfg.monitoring.grafanaAdminPassword, 'grafana-admin-password', 24) : pulumi.output(''),
  };

  // The host.
  let vps: YandexVps | undefined;
  let host: pulumi.Output<string>;
  if (cfg.target.kind === 'yandex') {
    const t = cfg.target;
    vps = new YandexVps('shagram', {
      folderId: t.folderId,
      zone: t.zone,
      adminCidrs: t.adminCidrs,
      subnetCidr: t.subnetCidr,
      vm: t.vm,
      cloudInit: cloudInitDocument({ deployUser: cfg.sshUser, sshPublicKey: t.sshPublicKey, baseDir: HOST_BASE_DIR }),
    });
    host = vps.publicIp;
  } else {
    host = pulumi.output(cfg.target.host);
  }
  const connection: pulumi.Input<types.input.remote.ConnectionArgs> = {
    host,
    port: cfg.sshPort,
    user: cfg.sshUser,
    privateKey: pulumi.secret(cfg.secrets.sshPrivateKey),
    dialErrorLimit: 60,
    perDialTimeout: 30,
  };
  // The names point at the address before the edge asks Let's Encrypt for their certificate (same `pulumi up`).
  let dns: DnsRecords | undefined;
  if (cfg.target.kind === 'yandex' && cfg.target.dns && vps) {
    dns = new DnsRecords('dns', {
      folderId: cfg.target.folderId,
      domain: cfg.target.dns.domain,
      zoneId: cfg.target.dns.zoneId,
      hosts: { chat: cfg.chatHost, jenkins: cfg.jenkinsHost, registry: cfg.registryHost, ...(cfg.monitoring ? { grafana: cfg.monitoring.grafanaHost } : {}) },
      address: vps.publicIp,
    });
  }
  const ready = new HostReady('host', { connection, triggers: vps ? [vps.instance.id] : [] }, vps ? { dependsOn: [vps] } : undefined);

  // The operator's host scripts, bundled and installed under /opt/shagram/{tools,bin}; nothing waits for them.
  const toolsBuild = buildHostTools(paths.repoRoot, paths.bundleRoot);
  const tools = new HostTools('host-tools', { connection, archive: { file: toolsBuild.file, sha256: toolsBuild.sha256 } }, { dependsOn: [ready] });
  // The daily off-host backup (its timer runs the host tool backup-offsite); nothing waits for it either.
  const offsiteBackup = cfg.backup ? new OffsiteBackup('offsite-backup', { connection, backup: cfg.backup }, { dependsOn: [tools] }) : undefined;

  const imageRef = appImageRef(cfg.registryHost, cfg.imageTag);
  const env = (spec: (typeof STACKS)[number], appImage: pulumi.Input<string>): pulumi.Output<string> =>
    pulumi.all({ ...secrets, appImage }).apply((v) => {
      const inputs: EnvInputs = {
        ...(v as Pick<EnvInputs, 'appImage' | 'jwtSecret' | 'harborAdminPassword' | 'harborDbPassword' | 'jenkinsAdminPassword' | 'harborRobotSecret' | 'githubWebhookSecret' | 'grafanaAdminPassword'>),
        grafanaHost: cfg.monitoring?.grafanaHost ?? '',
        alerts: cfg.monitoring?.alerts ?? { kind: 'none' },
        chatHost: cfg.chatHost,
        jenkinsHost: cfg.jenkinsHost,
        registryHost: cfg.registryHost,
        letsencryptEmail: cfg.letsencryptEmail,
        githubRepoUrl: cfg.githubRepoUrl,
        pulumiBackendUrl: cfg.pulumiBackendUrl,
        harborInstallerSha256: cfg.harborInstallerSha256,
        sshUser: cfg.sshUser,
        ci: { ...s.ci, sshPrivateKey: s.sshPrivateKey },
      };
      return renderEnvFile(spec.env(inputs));
    });

  // The stacks in table order, each after the one before; the app image is pushed right after the registry stack,
  // and every stack that runs the app image deploys exactly the pushed reference.
  const stacks: Partial<Record<StackName, ComposeStack>> = {};
  let image: AppImage | undefined;
  let certificate: remote.Command | undefined;
  let appImage: pulumi.Output<string> = pulumi.output(imageRef);
  let previous: pulumi.Resource[] = dns ? [ready, dns] : [ready];
  for (const spec of STACKS) {
    if (spec.enabled && !spec.enabled(cfg)) continue;
    const name = spec.name as StackName;
    const src = paths.stackDirs?.[name] ?? join(paths.repoRoot, spec.sourceDir);
    const stack = new ComposeStack(
      name,
      {
        connection,
        deploy: stackDeployOptions(name),
        bundle: buildStackBundle(src, join(paths.bundleRoot, name), paths.bundleExtras?.[name] ?? []),
        envContent: env(spec, appImage),
        imageTag: spec.needsAppImage ? cfg.imageTag : undefined,
      },
      { dependsOn: previous },
    );
    stacks[name] = stack;
    previous = [stack];
    if (spec.isEdge && cfg.letsencryptEmail) {
      // Docker refuses the edge's self-signed placeholder: the push and the pulls through the edge wait (bounded)
      // for the Let's Encrypt certificate, which certbot retries every minute until the DNS records resolve.
      certificate = new remote.Command(
        'edge-certificate',
        { connection, create: certificateWaitScript({ hosts: publicHosts(cfg), timeoutSeconds: 1200 }), addPreviousOutputInEnv: false },
        { dependsOn: [stack], customTimeouts: { create: '25m' } },
      );
    }
    if (spec.isRegistry && certificate) previous = [stack, certificate];
    if (spec.isRegistry && cfg.pushImage) {
      image = new AppImage(
        'app',
        { imageName: imageRef, registryHost: cfg.registryHost, context: paths.repoRoot, username: 'admin', password: secrets.harborAdminPassword },
        { dependsOn: previous },
      );
      appImage = image.imageName;
      previous = [image];
    }
  }

  // GitHub pings a new hook at once: it is made when Jenkins answers behind the edge's trusted certificate.
  const hookAfter: pulumi.Resource[] = [stacks.jenkins, certificate].filter((r): r is NonNullable<typeof r> => r !== undefined);
  const githubWebhook = cfg.githubWebhook
    ? new GithubWebhook(
        'github-webhook',
        { repository: cfg.githubWebhook.repository, token: cfg.githubWebhook.token, jenkinsHost: cfg.jenkinsHost, secret: secrets.githubWebhookSecret },
        { dependsOn: hookAfter },
      )
    : undefined;

  return {
    vps,
    dns,
    ready,
    tools,
    ...(githubWebhook ? { githubWebhook } : {}),
    ...(offsiteBackup ? { offsiteBackup } : {}),
    image,
    stacks: stacks as Platform['stacks'],
    outputs: {
      publicIp: host,
      chatUrl: pulumi.output(`https://${cfg.chatHost}/`),
      jenkinsUrl: pulumi.output(`https://${cfg.jenkinsHost}/`),
      registryHost: pulumi.output(cfg.registryHost),
      appImage,
      ...(dns?.zone ? { dnsNameServers: pulumi.output(dns.nameServers) } : {}),
    },
  };
}
