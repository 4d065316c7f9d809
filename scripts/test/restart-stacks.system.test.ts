/**
 * Container lane: scripts/restart-stacks and scripts/status for real, against podman's Docker-compatible API
 * (docker CLI + docker-compose, the fallback: this machine has no `docker compose` plugin), with small stand-in
 * stacks in a temporary stacks root (Harbor and Jenkins images cannot be pulled here).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectContainers as inspectProject, removeComposeProjects } from '../../test/system-helpers/compose-projects';
import { run, type RunResult } from '../../test/system-helpers/exec';
import { startPodmanService, type PodmanService } from '../../test/system-helpers/podman-service';
import { ensureStandinImages } from '../../test/system-helpers/standin-images';
import { startHealthTicker, type HealthTicker } from '../../test/system-helpers/podman-health-ticker';
import { keepTranscript } from './transcript';

const SCRIPTS = path.join(__dirname, '..');
const FIXTURES = path.join(__dirname, 'fixtures');
const IMAGE = 'localhost/shagram-restart-test/svc:1';
const BASE = 'localhost/shagram-standin/bookworm-minbase:latest';
const STACKS = ['edge', 'harbor', 'jenkins', 'shagram'] as const;

let podman: PodmanService;
let ticker: HealthTicker;
const projects: string[] = [];
const roots: string[] = [];

/** A temporary stacks root: the stand-in stacks (jenkins optionally the failing one), each with its own .env. */
function makeRoot(tag: string, jenkins: 'stacks' | 'stacks-failing' = 'stacks'): { root: string; project: Record<string, string> } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `shagram-stacks-${tag}-`));
  roots.push(root);
  const project: Record<string, string> = {};
  for (const stack of STACKS) {
    fs.cpSync(path.join(FIXTURES, stack === 'jenkins' ? jenkins : 'stacks', stack), path.join(root, stack), { recursive: true });
    project[stack] = `rs${process.pid}${tag}${stack}`;
    projects.push(project[stack]);
    fs.writeFileSync(path.join(root, stack, '.env'), `COMPOSE_PROJECT_NAME=${project[stack]}\nRS_IMAGE=${IMAGE}\n`);
  }
  return { root, project };
}

/** Runs one of the scripts against the test's podman; keeps a transcript (docs/operating.md examples). */
async function script(name: string, args: string[]): Promise<RunResult> {
  const result = await run(path.join(SCRIPTS, name), args, { env: podman.env, allowFailure: true, timeoutMs: 280_000 });
  keepTranscript('stand-in', name, args, result);
  return result;
}

/** docker inspect of every container of a Compose project (via the podman API, as the scripts see them). */
const projectContainers = (project: string): Promise<any[]> => inspectProject(project, podman.env);

function describeRun(result: RunResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

beforeAll(async () => {
  podman = await startPodmanService();
  await ensureStandinImages();
  await run('podman', [
    'build', '--runtime', 'runc', '--pull=never', '--format', 'docker', '--build-arg', `BASE=${BASE}`, '-t', IMAGE,
    path.join(FIXTURES, 'stand-in-service'),
  ]);
  ticker = startHealthTicker(() => projects);
}, 300_000);

afterAll(async () => {
  await ticker?.stop();
  await removeComposeProjects(projects);
  for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
  await podman?.stop();
}, 300_000);

test('restarts edge → harbor → jenkins → shagram in order, waits for health, prints a summary; status shows them', async () => {
  const { root, project } = makeRoot('ok');
  const result = await script('restart-stacks', ['--stacks-root', root, '--timeout', '120']);
  expect({ code: result.code, out: describeRun(result) }).toMatchObject({ code: 0 });
  const out = result.stdout;
  // docker-compose fallback (no compose plugin here), pull of a locally built image did not stop anything.
  expect(out).toContain('with docker-compose (fallback: the docker compose plugin is not installed)');
  expect(out).toMatch(/==> harbor: pull: cd \S+\/harbor && docker-compose -f docker-compose\.yml pull --ignore-pull-failures/);
  expect(out).toMatch(/==> harbor: pull done in/);
  const ups = STACKS.map((stack) => out.indexOf(`==> ${stack}: up: `));
  const healthy = STACKS.map((stack) => out.search(new RegExp(`==> ${stack}: \\d/\\d up`)));
  expect(ups.every((i) => i >= 0) && healthy.every((i) => i >= 0)).toBe(true);
  // Each stack is up and healthy before the next one starts.
  for (let i = 0; i < STACKS.length; i++) {
    expect(ups[i]!).toBeLessThan(healthy[i]!);
    if (i > 0) expect(healthy[i - 1]!).toBeLessThan(ups[i]!);
  }
  expect(out).toMatch(/stack\s+result\s+duration\s+state\n[- ]+\nedge\s+ok\s+(?:\d+ m )?[\d.]+ s\s+1\/1 up, 1 healthy\nharbor\s+ok\s+(?:\d+ m )?[\d.]+ s\s+1\/1 up, 1 healthy\njenkins\s+ok\s+(?:\d+ m )?[\d.]+ s\s+2\/2 up, 1 healthy\nshagram\s+ok\s+(?:\d+ m )?[\d.]+ s\s+1\/1 up, 1 healthy/);

  // The engine agrees: every container runs, those with a check are healthy, and start times follow the order.
  const started: Record<string, number> = {};
  for (const stack of STACKS) {
    const containers = await projectContainers(project[stack]!);
    expect(containers.length).toBe(stack === 'jenkins' ? 2 : 1);
    for (const c of containers) {
      expect(c.State.Status).toBe('running');
      if (c.Config.Labels['com.docker.compose.service'] !== 'agent') expect(c.State.Health.Status).toBe('healthy');
    }
    started[stack] = Math.min(...containers.map((c) => Date.parse(c.State.StartedAt)));
  }
  expect(started.edge! < started.harbor! && started.harbor! < started.jenkins! && started.jenkins! < started.shagram!).toBe(true);

  const status = await script('status', ['--stacks-root', root]);
  expect({ code: status.code, out: describeRun(status) }).toMatchObject({ code: 0 });
  expect(status.stdout).toMatch(/harbor\s+1\/1 up, 1 healthy/);
  expect(status.stdout).toMatch(new RegExp(`jenkins\\s+agent\\s+${project.jenkins}_agent_1\\s+running\\s+-\\s+${IMAGE.replace(/[/.]/g, '\\$&')}`));
  expect(status.stdout).toMatch(new RegExp(`shagram\\s+app\\s+${project.shagram}_app_1\\s+running\\s+healthy\\s+${IMAGE.replace(/[/.]/g, '\\$&')}`));
  // Volume disk use from the mountpoints (we run as root here).
  expect(status.stdout).toMatch(new RegExp(`shagram\\s+${project.shagram}_app-data\\s+\\d+(\\.\\d)? (B|KiB)\\s+/`));
  expect(status.stdout).toMatch(new RegExp(`jenkins\\s+${project.jenkins}_jenkins-home\\s+\\d`));

  // --dry-run prints the commands and changes nothing.
  const before = (await projectContainers(project.shagram!)).map((c) => c.Id);
  const dry = await script('restart-stacks', ['--stacks-root', root, '--dry-run', '--only', 'shagram']);
  expect(dry.code).toBe(0);
  expect(dry.stdout.split('\n')).toEqual([
    '# compose: docker-compose (fallback: the docker compose plugin is not installed)',
    '# shagram',
    `cd ${root}/shagram && docker-compose -f compose.yaml pull --ignore-pull-failures`,
    `cd ${root}/shagram && docker-compose -f compose.yaml up -d --force-recreate --remove-orphans`,
    `# wait up to 300 s until every container is healthy: cd ${root}/shagram && docker-compose -f compose.yaml ps -a -q | xargs docker inspect`,
    '',
  ]);
  expect((await projectContainers(project.shagram!)).map((c) => c.Id)).toEqual(before);
}, 300_000);

test('--only and --no-pull: only the named stacks start, nothing is pulled', async () => {
  const { root, project } = makeRoot('only');
  const result = await script('restart-stacks', ['--stacks-root', root, '--only', 'shagram', '--no-pull', '--timeout', '120']);
  expect({ code: result.code, out: describeRun(result) }).toMatchObject({ code: 0 });
  expect(result.stdout).not.toContain('pull');
  expect(result.stdout).not.toMatch(/==> (edge|harbor|jenkins)/);
  expect(result.stdout).toMatch(/\nshagram\s+ok\s+[\d.]+ s\s+1\/1 up, 1 healthy\n?$/);
  expect(await projectContainers(project.harbor!)).toEqual([]);
  expect(await projectContainers(project.jenkins!)).toEqual([]);
  expect((await projectContainers(project.shagram!)).map((c) => c.State.Health.Status)).toEqual(['healthy']);
}, 300_000);

test('an unhealthy service stops the run: one line naming stack and service, its last log lines, the other stacks reported', async () => {
  const { root, project } = makeRoot('fail', 'stacks-failing');
  const result = await script('restart-stacks', ['--stacks-root', root, '--no-pull', '--timeout', '120']);
  expect({ code: result.code, out: describeRun(result) }).toMatchObject({ code: 1 });
  const stderr = result.stderr.trim().split('\n');
  expect(stderr[0]).toBe('restart-stacks: jenkins failed: service controller is unhealthy; last log lines:');
  expect(stderr.slice(1).join('\n')).toContain('jenkins: SEVERE cannot read /var/jenkins_home/config.xml');
  expect(result.stdout).toMatch(/edge\s+ok\s+(?:\d+ m )?[\d.]+ s\s+1\/1 up, 1 healthy\nharbor\s+ok\s+(?:\d+ m )?[\d.]+ s\s+1\/1 up, 1 healthy\njenkins\s+FAILED\s+(?:\d+ m )?[\d.]+ s\s+controller unhealthy\nshagram\s+not run \(jenkins failed\)\s+-\s+no containers/);
  // shagram was never started; harbor stays up.
  expect(await projectContainers(project.shagram!)).toEqual([]);
  expect((await projectContainers(project.harbor!)).map((c) => c.State.Health.Status)).toEqual(['healthy']);
}, 300_000);

test('a missing stack folder fails with one line before anything runs', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-stacks-empty-'));
  roots.push(root);
  const result = await script('restart-stacks', ['--stacks-root', root]);
  expect(result.code).toBe(1);
  expect(result.stderr).toBe(`restart-stacks: edge: stack folder ${root}/edge does not exist\n`);
});
