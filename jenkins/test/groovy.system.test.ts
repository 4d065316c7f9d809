/**
 * System lane: the pipeline's Groovy, compiled and evaluated by Debian's Groovy 2.4 — the Groovy line Jenkins itself
 * embeds — instead of only being read as text (jenkinsfile.test.ts). Jenkins cannot run here; a brace, quote or
 * operator that Groovy refuses would only show on the first real build. Needs scripts/setup.d/55-groovy.sh.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, type RunResult } from '../../test/system-helpers/exec';

const repo = path.join(__dirname, '..', '..');
const CHECK = path.join(__dirname, 'groovy', 'check.groovy');

/** JAVA_HOME for Groovy's launcher: the environment's when it holds a java, else the one `java` on PATH lives in. */
function javaHome(): string {
  const given = process.env.JAVA_HOME;
  if (given && fs.existsSync(path.join(given, 'bin', 'java'))) return given;
  const onPath = (process.env.PATH ?? '').split(':').map((dir) => path.join(dir, 'java')).find((file) => fs.existsSync(file));
  if (!onPath) throw new Error('no java on PATH (scripts/setup.d/55-groovy.sh installs one with groovy)');
  return path.dirname(path.dirname(fs.realpathSync(onPath)));
}

function groovy(args: string[]): Promise<RunResult> {
  return run('groovy', [CHECK, ...args], { env: { ...process.env, JAVA_HOME: javaHome() }, allowFailure: true, timeoutMs: 120_000 });
}

test('the Jenkinsfile and the Job DSL script compile; the stages are the documented ones, in order', async () => {
  const jenkinsfile = path.join(repo, 'Jenkinsfile');
  const jobDsl = path.join(repo, 'jenkins', 'jobs', 'shagram.groovy');
  const result = await groovy(['parse', jenkinsfile, jobDsl]);
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  expect(result.stdout.trim().split('\n')).toEqual([
    `ok ${jenkinsfile} stages=Checkout|Install|Lint + typecheck|Test|Image|Push|Deploy|Smoke test`,
    `ok ${jobDsl} stages=`,
  ]);
}, 120_000);

test('a Jenkinsfile Groovy refuses is reported with the line, and fails the check', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-groovy-'));
  try {
    const broken = path.join(dir, 'Jenkinsfile');
    const text = fs.readFileSync(path.join(repo, 'Jenkinsfile'), 'utf8');
    // one missing closing quote in the Install stage
    fs.writeFileSync(broken, text.replace("sh 'npm ci --no-audit --no-fund'", "sh 'npm ci --no-audit --no-fund"));
    expect(fs.readFileSync(broken, 'utf8')).not.toBe(text);
    const result = await groovy(['parse', broken]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^error ${broken.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: Checked: \\d+: `));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

test('the deploy gate, as Groovy evaluates it, opens for main only, however the job names the branch', async () => {
  const gate = /env\.DEPLOY = \((.*)\) \? 'true' : 'false'/.exec(fs.readFileSync(path.join(repo, 'Jenkinsfile'), 'utf8'))?.[1];
  expect(gate).toBeDefined();
  const cases: Array<[string, string, boolean]> = [
    ['origin/main', '-', true], // pipeline from SCM
    ['main', '-', true],
    ['refs/heads/main', '-', true],
    ['-', 'main', true], // multibranch
    ['origin/feature/x', '-', false],
    ['origin/main-old', '-', false],
    ['origin/mainline', 'mainline', false],
    ['-', '-', false],
  ];
  const result = await groovy(['gate', gate!, ...cases.map(([gitBranch, branchName]) => `${gitBranch},${branchName}`)]);
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  expect(result.stdout.trim().split('\n')).toEqual(cases.map(([, , open]) => String(open)));
}, 120_000);
