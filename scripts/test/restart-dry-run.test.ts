/**
 * `scripts/restart-stacks --dry-run` plans on a machine without Docker: run through its shim on a PATH that has
 * node and bash but neither `docker` nor `docker-compose`, it prints the plan and says which Compose CLI it assumed.
 * A real run on the same PATH still refuses, naming the missing CLI.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STACK_ORDER } from '../src/ops/compose';

const SHIM = path.join(__dirname, '..', 'restart-stacks');

let dir: string;
let pathDir: string;
let root: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-dry-run-'));
  pathDir = path.join(dir, 'bin');
  fs.mkdirSync(pathDir);
  // the shim needs bash, dirname and readlink; tsx needs node
  for (const name of ['node', 'bash', 'dirname', 'readlink']) {
    const found = (process.env.PATH ?? '').split(':').map((d) => path.join(d, name)).find((p) => fs.existsSync(p));
    if (!found) throw new Error(`${name} is not on PATH`);
    fs.symlinkSync(found, path.join(pathDir, name));
  }
  root = path.join(dir, 'stacks');
  for (const stack of STACK_ORDER) {
    fs.mkdirSync(path.join(root, stack), { recursive: true });
    fs.writeFileSync(path.join(root, stack, 'compose.yaml'), 'services: {}\n');
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function restartStacks(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(SHIM, args, { cwd: dir, env: { PATH: pathDir, HOME: dir } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('--dry-run prints the whole plan with `docker compose` stated as an assumption', async () => {
  for (const name of ['docker', 'docker-compose']) expect(fs.existsSync(path.join(pathDir, name))).toBe(false);
  const r = await restartStacks(['--dry-run', '--stacks-root', root]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines[0]).toBe('# compose: docker compose (assumed: neither `docker compose` nor `docker-compose` answers on this machine)');
  for (const stack of STACK_ORDER) {
    expect(lines).toContain(`cd ${root}/${stack} && docker compose -f compose.yaml pull --ignore-pull-failures`);
    expect(lines).toContain(`cd ${root}/${stack} && docker compose -f compose.yaml up -d --force-recreate --remove-orphans`);
  }
}, 60_000);

test('without --dry-run the same machine is refused in one line', async () => {
  const r = await restartStacks(['--stacks-root', root, '--timeout', '1']);
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^restart-stacks: neither `docker compose` nor `docker-compose` works on this host[^\n]*\n$/);
}, 60_000);
