import fs from 'node:fs';
import path from 'node:path';
import { parseFlags, runScript } from '../../scripts/lib/cli';
import { execute, executeOrThrow } from '../../scripts/lib/command';
import { download, isSha256, verifyChecksum } from './checksum';
import { parseEnvFile } from './env-file';
import { HarborClient, type Outcome } from './harbor-api';
import { planInstall, tarballPath, type InstallerPin, type InstallStep } from './install-plan';
import { HarborInstallError, renderHarborYml } from './render';

/**
 * The folder with harbor.yml.template and installer.json: the one this file is in when it runs as the bundled
 * `install.cjs` in the Harbor stack folder on the host, else the parent of `harbor/src` in a checkout.
 */
const HARBOR_DIR = fs.existsSync(path.join(__dirname, 'harbor.yml.template')) ? __dirname : path.join(__dirname, '..');
/** The Harbor project the app image lives in, and the name of its CI robot. */
export const PROJECT = 'shagram';
export const ROBOT = 'ci';

const HELP = `Usage: harbor/install [--stack-dir <dir>] [--api-only] [--api-url <url>]
Installs or updates Harbor in the harbor stack folder (default: the current folder, on the host
/opt/shagram/stacks/harbor) and, through Harbor's API, creates the "${PROJECT}" project and the robot account
robot$${PROJECT}+${ROBOT}. Idempotent: a second run creates nothing.
Reads .env in the stack folder: HARBOR_HOSTNAME, HARBOR_EXTERNAL_URL, HARBOR_HTTP_PORT, HARBOR_DATA_VOLUME,
HARBOR_ADMIN_PASSWORD, HARBOR_DB_PASSWORD, HARBOR_ROBOT_SECRET (the environment fills what .env lacks).
The installer tarball is pinned in harbor/installer.json (version, url, sha256); HARBOR_INSTALLER_SHA256
overrides the digest.
  --api-only   skip the install, only ensure the project and the robot
  --api-url    Harbor's API base (default: http://127.0.0.1:<HARBOR_HTTP_PORT>)`;

/** Settings of one run (tests pass their own). */
export interface InstallOptions {
  stackDir: string;
  env: Record<string, string | undefined>;
  pin: InstallerPin;
  apiUrl?: string;
  apiOnly?: boolean;
  /** Health polls `healthIntervalMs` apart before the API steps. */
  healthAttempts?: number;
  healthIntervalMs?: number;
  log?: (line: string) => void;
}

/** The pinned installer with HARBOR_INSTALLER_SHA256 applied; fails readably while no digest is pinned. */
export function loadPin(env: Record<string, string | undefined>, file = path.join(HARBOR_DIR, 'installer.json')): InstallerPin {
  const pin = JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string; url: string; sha256: string | null };
  const sha256 = env.HARBOR_INSTALLER_SHA256 || pin.sha256;
  if (!isSha256(sha256)) {
    throw new HarborInstallError(`no SHA-256 pinned for the Harbor ${pin.version} installer: set "sha256" in harbor/installer.json or HARBOR_INSTALLER_SHA256`);
  }
  return { version: pin.version, url: pin.url, sha256: sha256.toLowerCase() };
}

/** ['docker', 'compose'] when the Compose plugin answers, else ['docker-compose']. */
async function composeCommand(): Promise<string[]> {
  return (await execute({ argv: ['docker', 'compose', 'version'] })).code === 0 ? ['docker', 'compose'] : ['docker-compose'];
}

/** Runs one planned step (the scripts' shared runner for the commands). */
async function runStep(step: InstallStep, harborYml: string, log: (line: string) => void): Promise<void> {
  switch (step.kind) {
    case 'download':
      log(`downloading ${step.url}`);
      return download(step.url, step.file);
    case 'verify':
      await verifyChecksum(step.file, step.sha256);
      return log(`checksum ok: ${path.basename(step.file)}`);
    case 'extract':
      // The tarball holds harbor/{install.sh,prepare,common.sh,harbor.v*.tar.gz,...}: unpack into the stack folder.
      await executeOrThrow({ argv: ['tar', '-xzf', step.file, '-C', step.dir, '--strip-components=1'] }, { what: `unpacking ${path.basename(step.file)}` });
      return;
    case 'write':
      fs.writeFileSync(step.file, harborYml, { mode: step.mode });
      fs.chmodSync(step.file, step.mode);
      return log(`wrote ${step.file}`);
    case 'run':
      log(`running ${[step.command, ...step.args].join(' ')}`);
      await executeOrThrow({ argv: [step.command, ...step.args], cwd: step.cwd }, { output: 'inherit', what: step.command });
      return;
    case 'mark':
      return fs.writeFileSync(step.file, step.content);
    case 'remove':
      return fs.rmSync(step.file, { force: true });
  }
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Installs/updates Harbor (unless apiOnly), waits for it to be healthy, then ensures project and robot. */
export async function runInstall(options: InstallOptions): Promise<{ project: Outcome; robot: Outcome; robotName: string }> {
  const log = options.log ?? ((line: string) => console.log(`harbor/install: ${line}`));
  const { env, stackDir } = options;
  if (!fs.existsSync(stackDir)) throw new HarborInstallError(`stack folder ${stackDir} does not exist`);
  const harborYml = renderHarborYml(fs.readFileSync(path.join(HARBOR_DIR, 'harbor.yml.template'), 'utf8'), env);
  for (const name of ['HARBOR_ADMIN_PASSWORD', 'HARBOR_ROBOT_SECRET']) {
    if (!env[name] || env[name] === 'change-me') throw new HarborInstallError(`set ${name} in .env (not the change-me placeholder)`);
  }

  if (!options.apiOnly) {
    const current = path.join(stackDir, 'harbor.yml');
    const marker = path.join(stackDir, '.installed-version');
    const steps = planInstall(stackDir, options.pin, {
      installedVersion: fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').trim() : undefined,
      tarballPresent: fs.existsSync(tarballPath(stackDir, options.pin)),
      composePresent: fs.existsSync(path.join(stackDir, 'docker-compose.yml')),
      configChanged: !fs.existsSync(current) || fs.readFileSync(current, 'utf8') !== harborYml,
      compose: await composeCommand(),
    });
    for (const step of steps) await runStep(step, harborYml, log);
    if (!fs.existsSync(path.join(stackDir, 'docker-compose.yml'))) {
      throw new HarborInstallError(`Harbor's installer left no docker-compose.yml in ${stackDir}`);
    }
  }

  const client = new HarborClient(options.apiUrl ?? `http://127.0.0.1:${env.HARBOR_HTTP_PORT}`, 'admin', env.HARBOR_ADMIN_PASSWORD as string);
  const attempts = options.healthAttempts ?? 60;
  for (let attempt = 1; !(await client.healthy()); attempt++) {
    if (attempt >= attempts) throw new HarborInstallError(`Harbor did not report healthy after ${attempts} checks`);
    await delay(options.healthIntervalMs ?? 5000);
  }
  const project = await client.ensureProject(PROJECT);
  log(`project ${PROJECT}: ${project.outcome}`);
  const robot = await client.ensureRobot(PROJECT, project.id, ROBOT, env.HARBOR_ROBOT_SECRET as string);
  log(`robot ${robot.fullName}: ${robot.outcome}`);
  return { project: project.outcome, robot: robot.outcome, robotName: robot.fullName };
}

/** Command-line entry: harbor/install [--stack-dir] [--api-only] [--api-url]. */
async function main(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, { 'stack-dir': 'string', 'api-only': 'boolean', 'api-url': 'string' });
  if (flags === 'help') return void console.log(HELP);
  const stackDir = path.resolve(flags['stack-dir'] ?? process.cwd());
  const apiOnly = flags['api-only'];
  const envFile = path.join(stackDir, '.env');
  const fileEnv = fs.existsSync(envFile) ? parseEnvFile(fs.readFileSync(envFile, 'utf8')) : {};
  const env = { ...process.env, ...fileEnv };
  await runInstall({ stackDir, env, pin: apiOnly ? { version: '', url: '', sha256: '' } : loadPin(env), apiUrl: flags['api-url'], apiOnly });
}

if (require.main === module) runScript('harbor/install', () => main(process.argv.slice(2)));
