/** The three compose stacks: where they live and what goes into each `.env` (decisions.md). */
import type { DeployOptions } from './remote-scripts';

/** Base folder on the host. */
export const HOST_BASE_DIR = '/opt/shagram';
/** Jenkins UI on the host (reached by the edge through host.docker.internal). */
export const JENKINS_PORT = 8081;
/** Harbor on the host (reached by the edge through host.docker.internal). */
export const HARBOR_PORT = 8085;

/** Stack names in deploy order. */
export const STACK_NAMES = ['harbor', 'jenkins', 'shagram'] as const;
/** One stack name. */
export type StackName = (typeof STACK_NAMES)[number];

/** Repository folder of each stack (the Shagram stack is the edge folder `nginx/`). */
export const STACK_SOURCE_DIRS: Record<StackName, string> = { harbor: 'harbor', jenkins: 'jenkins', shagram: 'nginx' };

/**
 * Harbor's compose file is generated on the host by its installer. The `harbor/` folder carries an installer wrapper
 * (entry `./install` in the stack folder) that renders `harbor.yml` from `.env`, runs Harbor's prepare/install and
 * creates the project and robot account; it is idempotent. It runs on every Harbor deploy; when there is no wrapper,
 * a `docker-compose.yml` written earlier must be there.
 */
export const HARBOR_PRE_DEPLOY =
  'if [ -x ./install ]; then ./install; elif [ ! -f docker-compose.yml ]; then echo "deploy harbor: no ./install wrapper and no docker-compose.yml" >&2; exit 1; fi';

/** Deploy options of one stack (paths, pull, installer hook). Pure. */
export function stackDeployOptions(name: StackName): DeployOptions {
  return {
    name,
    stackDir: `${HOST_BASE_DIR}/stacks/${name}`,
    incomingDir: `${HOST_BASE_DIR}/incoming/${name}`,
    // Harbor's offline installer loads its images; the other stacks pull theirs.
    pull: name !== 'harbor',
    preDeploy: name === 'harbor' ? HARBOR_PRE_DEPLOY : undefined,
    waitTimeoutSeconds: name === 'shagram' ? 180 : 600,
  };
}

/** Plain and secret values the `.env` files are made of. */
export interface EnvInputs {
  chatHost: string;
  jenkinsHost: string;
  registryHost: string;
  letsencryptEmail?: string;
  githubRepoUrl: string;
  pulumiBackendUrl: string;
  appImage: string;
  jwtSecret: string;
  harborAdminPassword: string;
  harborDbPassword: string;
  jenkinsAdminPassword: string;
  harborRobotSecret: string;
  githubWebhookSecret: string;
  /** Harbor's offline installer digest (checked by harbor/install before it runs anything of it). */
  harborInstallerSha256: string;
}

/** The image reference the Shagram stack deploys: `${REGISTRY_HOST}/shagram/shagram:<tag>`. Pure. */
export function appImageName(registryHost: string, tag: string): string {
  return `${registryHost}/shagram/shagram:${tag}`;
}

/** The `.env` variables of one stack. Pure. */
export function stackEnv(name: StackName, v: EnvInputs): Record<string, string> {
  switch (name) {
    case 'harbor':
      return {
        HARBOR_HOSTNAME: v.registryHost,
        HARBOR_EXTERNAL_URL: `https://${v.registryHost}`,
        HARBOR_HTTP_PORT: String(HARBOR_PORT),
        HARBOR_DATA_VOLUME: `${HOST_BASE_DIR}/data/harbor`,
        HARBOR_ADMIN_PASSWORD: v.harborAdminPassword,
        HARBOR_DB_PASSWORD: v.harborDbPassword,
        HARBOR_ROBOT_SECRET: v.harborRobotSecret,
        HARBOR_INSTALLER_SHA256: v.harborInstallerSha256,
      };
    case 'jenkins':
      return {
        COMPOSE_PROJECT_NAME: 'jenkins',
        JENKINS_HOST: v.jenkinsHost,
        CHAT_HOST: v.chatHost,
        GITHUB_REPO_URL: v.githubRepoUrl,
        PULUMI_BACKEND_URL: v.pulumiBackendUrl,
        JENKINS_URL: `https://${v.jenkinsHost}/`,
        JENKINS_PORT: String(JENKINS_PORT),
        JENKINS_ADMIN_PASSWORD: v.jenkinsAdminPassword,
        REGISTRY_HOST: v.registryHost,
        HARBOR_ROBOT_SECRET: v.harborRobotSecret,
        GITHUB_WEBHOOK_SECRET: v.githubWebhookSecret,
      };
    case 'shagram':
      return {
        COMPOSE_PROJECT_NAME: 'shagram',
        APP_IMAGE: v.appImage,
        CHAT_HOST: v.chatHost,
        JENKINS_HOST: v.jenkinsHost,
        REGISTRY_HOST: v.registryHost,
        JWT_SECRET: v.jwtSecret,
        WS_ALLOWED_ORIGINS: `https://${v.chatHost}`,
        JENKINS_PORT: String(JENKINS_PORT),
        HARBOR_PORT: String(HARBOR_PORT),
        COMPOSE_PROFILES: v.letsencryptEmail ? 'letsencrypt' : '',
        LETSENCRYPT_EMAIL: v.letsencryptEmail ?? '',
      };
  }
}
