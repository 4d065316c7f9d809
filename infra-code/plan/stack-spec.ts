/**
 * The one table of compose stacks. The Pulumi program (vps/platform.ts), the host scripts (scripts/src/ops) and the
 * tests all read it: adding a stack is one folder in the repository plus one entry here.
 *
 * Order is deploy order: the edge first (it must answer before the registry behind it can be reached), then the
 * registry, then the app image is pushed, then the stacks that pull from the registry.
 */
import type { AlertReceiver, InfraConfig } from '../vps/config';

/** Base folder on the host. */
export const HOST_BASE_DIR = '/opt/shagram';
/** Folder holding one folder per stack on the host. */
export const HOST_STACKS_DIR = `${HOST_BASE_DIR}/stacks`;
/** Folder the stack archives are uploaded to before they are unpacked. */
export const HOST_INCOMING_DIR = `${HOST_BASE_DIR}/incoming`;
/** Jenkins UI on the host (reached by the edge through host.docker.internal). */
export const JENKINS_PORT = 8081;
/** Harbor on the host (reached by the edge through host.docker.internal). */
export const HARBOR_PORT = 8085;
/** The Harbor project of the app image and the name of its robot account (harbor/src/install.ts creates both). */
export const REGISTRY_PROJECT = 'shagram';
/** Harbor's full robot name, `robot$<project>+<name>`. */
export const REGISTRY_ROBOT = `robot$${REGISTRY_PROJECT}+ci`;

/**
 * How a stack gets its images before `up`:
 * - `pull`: every image is a registry image: `compose pull`, then `up`.
 * - `build`: the stack's images are built from its Dockerfiles on the host (local-only names that no registry has):
 *   `compose build`, then `up`; never `pull` (Compose v2's `pull` fails on an image that is only built locally).
 * - `installer`: the pre-deploy hook loads the images (Harbor's offline installer); nothing is pulled or built.
 */
export type ImagePolicy = 'pull' | 'build' | 'installer';

/** Plain and secret values the `.env` files are made of: the public names and URLs from the configuration, plus these. */
export interface EnvInputs extends Pick<InfraConfig, 'chatHost' | 'jenkinsHost' | 'registryHost' | 'letsencryptEmail' | 'githubRepoUrl' | 'pulumiBackendUrl'> {
  /** Grafana's public name; '' without the monitoring stack (the edge then serves no Grafana). */
  grafanaHost: string;
  grafanaAdminPassword: string;
  alerts: AlertReceiver;
  appImage: string;
  jwtSecret: string;
  harborAdminPassword: string;
  harborDbPassword: string;
  jenkinsAdminPassword: string;
  harborRobotSecret: string;
  githubWebhookSecret: string;
  /** Harbor's offline installer digest (checked by harbor/install before it runs anything of it). */
  harborInstallerSha256: string;
  /** The login user on the host (Jenkins' `pulumi up` connects as this user). */
  sshUser: string;
  /** What Jenkins' `pulumi up` needs; empty when not configured (its credential is then empty). */
  ci: {
    pulumiConfigPassphrase: string;
    pulumiAccessToken: string;
    /** The Yandex service-account key (JSON text). */
    yandexKeyJson: string;
    /** The deploy key (OpenSSH private key text). */
    sshPrivateKey: string;
    /** The S3 state backend's access key (Yandex Object Storage). */
    awsAccessKeyId: string;
    awsSecretAccessKey: string;
  };
}

/** One compose stack. */
export interface StackSpec {
  /** Stack name: its host folder `/opt/shagram/stacks/<name>` and the name the host scripts take. */
  name: string;
  /** Repository folder whose files are shipped to the host. */
  sourceDir: string;
  images: ImagePolicy;
  /** Shell run in the stack folder after the files and `.env` are in place, before images and `up`. */
  preDeploy?: string;
  /** Log the host's Docker in to the private registry (robot credential from `.env`) before pulling. */
  registryLogin: boolean;
  /** Bound for the health wait after `up`, in seconds. */
  waitTimeoutSeconds: number;
  /**
   * The stack runs the app image (APP_IMAGE in its `.env`): it must come after the push in the table, and a new
   * image tag re-runs its deploy. Stacks that do not run it keep their deploy when only the tag changes.
   */
  needsAppImage: boolean;
  /** This stack is the registry the app image is pushed to (the push follows its deploy). */
  isRegistry: boolean;
  /** This stack is the TLS edge: with Let's Encrypt, the wait for its trusted certificate follows its deploy. */
  isEdge: boolean;
  /** The stack's `.env` variables. Pure. */
  env(v: EnvInputs): Record<string, string>;
  /**
   * Only for a stack the configuration may leave out: whether this configuration deploys it. The host scripts skip
   * such a stack when its folder is not on the host (and they were not asked for it by name).
   */
  enabled?(cfg: Pick<InfraConfig, 'monitoring'>): boolean;
}

/**
 * Harbor's compose file is generated on the host by its installer. The `harbor/` folder carries an installer wrapper
 * (`./install`) that renders `harbor.yml` from `.env`, runs Harbor's prepare/install and creates the project and
 * robot account; it is idempotent and runs on every Harbor deploy.
 */
export const HARBOR_PRE_DEPLOY =
  'if [ -x ./install ]; then ./install; elif [ ! -f docker-compose.yml ]; then echo "deploy harbor: no ./install wrapper and no docker-compose.yml" >&2; exit 1; fi';

/** Base64 of a text (multi-line secrets travel through `.env` as one line; JCasC decodes them). Pure. */
export function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

const edge: StackSpec = {
  name: 'edge',
  sourceDir: 'nginx',
  images: 'pull',
  registryLogin: false,
  waitTimeoutSeconds: 180,
  needsAppImage: false,
  isRegistry: false,
  isEdge: true,
  env: (v) => ({
    COMPOSE_PROJECT_NAME: 'edge',
    CHAT_HOST: v.chatHost,
    JENKINS_HOST: v.jenkinsHost,
    REGISTRY_HOST: v.registryHost,
    JENKINS_PORT: String(JENKINS_PORT),
    HARBOR_PORT: String(HARBOR_PORT),
    COMPOSE_PROFILES: v.letsencryptEmail ? 'letsencrypt' : '',
    LETSENCRYPT_EMAIL: v.letsencryptEmail ?? '',
    GRAFANA_HOST: v.grafanaHost,
  }),
};

const harbor: StackSpec = {
  name: 'harbor',
  sourceDir: 'harbor',
  images: 'installer',
  preDeploy: HARBOR_PRE_DEPLOY,
  registryLogin: false,
  waitTimeoutSeconds: 600,
  needsAppImage: false,
  isRegistry: true,
  isEdge: false,
  env: (v) => ({
    HARBOR_HOSTNAME: v.registryHost,
    HARBOR_EXTERNAL_URL: `https://${v.registryHost}`,
    HARBOR_HTTP_PORT: String(HARBOR_PORT),
    HARBOR_DATA_VOLUME: `${HOST_BASE_DIR}/data/harbor`,
    HARBOR_ADMIN_PASSWORD: v.harborAdminPassword,
    HARBOR_DB_PASSWORD: v.harborDbPassword,
    HARBOR_ROBOT_SECRET: v.harborRobotSecret,
    HARBOR_INSTALLER_SHA256: v.harborInstallerSha256,
  }),
};

const jenkins: StackSpec = {
  name: 'jenkins',
  sourceDir: 'jenkins',
  images: 'build',
  registryLogin: false,
  waitTimeoutSeconds: 600,
  needsAppImage: false,
  isRegistry: false,
  isEdge: false,
  env: (v) => ({
    COMPOSE_PROJECT_NAME: 'jenkins',
    JENKINS_HOST: v.jenkinsHost,
    CHAT_HOST: v.chatHost,
    GITHUB_REPO_URL: v.githubRepoUrl,
    PULUMI_BACKEND_URL: v.pulumiBackendUrl,
    JENKINS_URL: `https://${v.jenkinsHost}/`,
    JENKINS_PORT: String(JENKINS_PORT),
    JENKINS_ADMIN_PASSWORD: v.jenkinsAdminPassword,
    REGISTRY_HOST: v.registryHost,
    VPS_SSH_USER: v.sshUser,
    HARBOR_ROBOT_SECRET: v.harborRobotSecret,
    GITHUB_WEBHOOK_SECRET: v.githubWebhookSecret,
    // Every variable a compose secret of jenkins/compose.yaml reads must be present (Compose v2 refuses to create
    // the stack otherwise: "environment variable ... required by secret ... is not set"); empty when not configured.
    PULUMI_CONFIG_PASSPHRASE: v.ci.pulumiConfigPassphrase,
    PULUMI_ACCESS_TOKEN: v.ci.pulumiAccessToken,
    YC_SA_KEY_JSON_BASE64: v.ci.yandexKeyJson ? base64(v.ci.yandexKeyJson) : '',
    VPS_SSH_PRIVATE_KEY_BASE64: v.ci.sshPrivateKey ? base64(v.ci.sshPrivateKey) : '',
    AWS_ACCESS_KEY_ID: v.ci.awsAccessKeyId,
    AWS_SECRET_ACCESS_KEY: v.ci.awsSecretAccessKey,
  }),
};

const shagram: StackSpec = {
  name: 'shagram',
  sourceDir: 'chat',
  images: 'pull',
  registryLogin: true,
  waitTimeoutSeconds: 180,
  needsAppImage: true,
  isRegistry: false,
  isEdge: false,
  env: (v) => ({
    COMPOSE_PROJECT_NAME: 'shagram',
    APP_IMAGE: v.appImage,
    JWT_SECRET: v.jwtSecret,
    WS_ALLOWED_ORIGINS: `https://${v.chatHost}`,
    REGISTRY_HOST: v.registryHost,
    REGISTRY_USERNAME: REGISTRY_ROBOT,
    REGISTRY_PASSWORD: v.harborRobotSecret,
  }),
};

/** The receiver's `.env` variables (monitoring/render-config.sh writes Alertmanager's configuration from them). Pure. */
function alertEnv(a: AlertReceiver): Record<string, string> {
  return {
    ALERT_RECEIVER: a.kind,
    TELEGRAM_BOT_TOKEN: a.kind === 'telegram' ? a.botToken : '',
    TELEGRAM_CHAT_ID: a.kind === 'telegram' ? a.chatId : '',
    SMTP_SMARTHOST: a.kind === 'email' ? a.smarthost : '',
    SMTP_FROM: a.kind === 'email' ? a.from : '',
    SMTP_USERNAME: a.kind === 'email' ? a.username : '',
    SMTP_PASSWORD: a.kind === 'email' ? a.password : '',
    ALERT_EMAIL_TO: a.kind === 'email' ? a.to : '',
  };
}

/** Prometheus, Alertmanager, Grafana (behind the edge on its own name) and the exporters; with `shagram:grafanaHost`. */
const monitoring: StackSpec = {
  name: 'monitoring',
  sourceDir: 'monitoring',
  images: 'pull',
  registryLogin: false,
  waitTimeoutSeconds: 300,
  needsAppImage: false,
  isRegistry: false,
  isEdge: false,
  enabled: (cfg) => cfg.monitoring !== undefined,
  env: (v) => ({
    COMPOSE_PROJECT_NAME: 'monitoring',
    CHAT_HOST: v.chatHost,
    JENKINS_HOST: v.jenkinsHost,
    REGISTRY_HOST: v.registryHost,
    GRAFANA_HOST: v.grafanaHost,
    GRAFANA_ADMIN_PASSWORD: v.grafanaAdminPassword,
    METRICS_TEXTFILE_DIR: `${HOST_BASE_DIR}/metrics`,
    ...alertEnv(v.alerts),
  }),
};

/** Every stack, in deploy order. */
export const STACKS: readonly StackSpec[] = [edge, harbor, jenkins, shagram, monitoring];

/** Stack names in deploy order. */
export const STACK_NAMES = ['edge', 'harbor', 'jenkins', 'shagram', 'monitoring'] as const;
/** One stack name. */
export type StackName = (typeof STACK_NAMES)[number];

/** The spec of one stack; throws on an unknown name. */
export function stackSpec(name: string): StackSpec {
  const spec = STACKS.find((s) => s.name === name);
  if (!spec) throw new Error(`unknown stack "${name}" (stacks: ${STACK_NAMES.join(', ')})`);
  return spec;
}
