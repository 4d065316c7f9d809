/**
 * Harbor in the off-host backup, against a throwaway PostgreSQL cluster (test/system-helpers/postgres.ts) standing in
 * for `harbor-db`:
 *  - the exact pg_dump and pg_restore command lines the plans run inside `harbor-db` (offsite-plan.ts), run without
 *    their `docker exec` prefix (the container's /tmp becomes a test folder): a dump restores the rows it holds over
 *    a database that moved on; a damaged dump is refused by pg_restore and, in one transaction, changes nothing;
 *  - the whole Harbor target, backup and restore, through a stand-in `docker` on PATH (exec and cp into the
 *    "container" map to that cluster and folder; compose and inspect answer like a healthy Harbor stack) and s3rver.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HARBOR_DB_CONTAINER, HARBOR_DUMP_IN_CONTAINER, planHarborBackup, planHarborRestore, type OffsiteSettings } from '../src/offsite-plan';
import { executeRestore, prepareBackup, resolveRestorePlan, runOffsiteBackup, type Runtime } from '../src/ops/offsite';
import { openBucket } from '../src/ops/s3-store';
import { startPostgres, type TestPostgres } from '../../test/system-helpers/postgres';
import { offsiteSettings, startOffsiteBucket, type OffsiteBucket } from './offsite-bucket';

/** The newest /usr/lib/postgresql/<version>/bin (Debian's layout), where pg_dump and pg_restore are. */
function pgBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.readdirSync(root).filter((v) => /^\d+$/.test(v) && fs.existsSync(path.join(root, v, 'bin', 'pg_restore')));
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('no PostgreSQL client programs under /usr/lib/postgresql (scripts/setup.d/60-postgresql.sh installs them)');
  return path.join(root, newest, 'bin');
}

let cluster: TestPostgres;
let dir: string;

beforeAll(async () => {
  cluster = await startPostgres();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-harbor-db-'));
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs the part of a planned `docker exec harbor-db …` after the container name, against the test cluster. */
function inContainer(argv: readonly string[], dumpPath: string): Promise<{ code: number; stderr: string }> {
  expect(argv.slice(0, 3)).toEqual(['docker', 'exec', HARBOR_DB_CONTAINER]);
  const [program, ...args] = argv.slice(3).map((arg) => arg.replace(HARBOR_DUMP_IN_CONTAINER, dumpPath)) as [string, ...string[]];
  return new Promise((resolve) => {
    execFile(path.join(pgBin(), program), args, { env: { ...process.env, PGHOST: cluster.dir, PGPORT: String(cluster.port) } }, (error, _stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr });
    });
  });
}

const state = async () => ({
  projects: await cluster.psql('SELECT string_agg(name, \',\' ORDER BY project_id) FROM project', 'registry'),
  artifacts: await cluster.psql("SELECT string_agg(digest, ',' ORDER BY id) FROM artifact", 'registry'),
});

test('the planned pg_dump and pg_restore bring the rows back; a damaged dump changes nothing', async () => {
  await cluster.psql('CREATE DATABASE registry');
  await cluster.psql(
    [
      'CREATE TABLE project (project_id serial PRIMARY KEY, name text UNIQUE NOT NULL)',
      'CREATE TABLE artifact (id serial PRIMARY KEY, project_id int NOT NULL REFERENCES project, digest text NOT NULL)',
      "INSERT INTO project(name) VALUES ('library'), ('shagram')",
      "INSERT INTO artifact(project_id, digest) VALUES (2, 'sha256:aaa'), (2, 'sha256:bbb')",
    ].join(';'),
    'registry',
  );
  const backedUp = await state();
  expect(backedUp).toEqual({ projects: 'library,shagram', artifacts: 'sha256:aaa,sha256:bbb' });

  const dump = path.join(dir, 'registry.dump');
  const pgDump = planHarborBackup('/opt/shagram/data/harbor', dir, dir).steps[0];
  expect(pgDump?.kind).toBe('exec');
  const dumped = await inContainer(pgDump?.kind === 'exec' ? pgDump.command.argv : [], dump);
  expect(dumped).toEqual({ code: 0, stderr: '' });
  expect(fs.readFileSync(dump).subarray(0, 5).toString()).toBe('PGDMP'); // the custom format

  // The registry moves on after the backup: a new project, an artifact deleted.
  await cluster.psql("INSERT INTO project(name) VALUES ('after'); DELETE FROM artifact WHERE digest = 'sha256:aaa'", 'registry');
  const cli = { argv: ['docker', 'compose'], reason: 'test' };
  const restorePlan = planHarborRestore('k', '/opt/shagram/data/harbor', 'R', { cli, location: { stack: 'harbor', dir, file: 'docker-compose.yml' }, timeoutSeconds: 60 });
  const pgRestore = restorePlan.steps.find((s) => s.kind === 'exec' && s.command.argv.includes('pg_restore'));
  const restoreArgv = pgRestore?.kind === 'exec' ? pgRestore.command.argv : [];

  // A damaged dump (its last bytes cut off: the table of contents reads, the drops and the first table's rows run, a
  // later data block fails): pg_restore fails, and in one transaction the database stays exactly as it was (without
  // --single-transaction it would be left with the backup's projects dropped and half its rows loaded).
  const damaged = path.join(dir, 'damaged.dump');
  const bytes = fs.readFileSync(dump);
  fs.writeFileSync(damaged, bytes.subarray(0, bytes.length - 30));
  const refused = await inContainer(restoreArgv, damaged);
  expect(refused.code).not.toBe(0);
  expect(await state()).toEqual({ projects: 'library,shagram,after', artifacts: 'sha256:bbb' });

  const restored = await inContainer(restoreArgv, dump);
  expect(restored).toEqual({ code: 0, stderr: '' });
  expect(await state()).toEqual(backedUp);
  // The sequences come back too: the next project gets the id after the backed-up ones.
  expect(await cluster.psql("INSERT INTO project(name) VALUES ('next') RETURNING project_id", 'registry')).toBe('3');
}, 120_000);

describe('the Harbor target through a stand-in docker', () => {
  let server: OffsiteBucket;
  let settings: OffsiteSettings;
  const savedEnv = { PATH: process.env.PATH, PGHOST: process.env.PGHOST, PGPORT: process.env.PGPORT };
  let calls: string;
  let containerTmp: string;
  let stacksRoot: string;
  let dataDir: string;

  beforeAll(async () => {
    server = await startOffsiteBucket(dir);
    settings = offsiteSettings(server, dir);
    calls = path.join(dir, 'docker.calls');
    containerTmp = path.join(dir, 'harbor-db-tmp');
    fs.mkdirSync(containerTmp);
    const inspect = path.join(dir, 'inspect.json');
    const container = (id: string, service: string) => ({
      Id: id, Name: `/harbor-${service}`, Config: { Image: `goharbor/${service}`, Labels: { 'com.docker.compose.service': service } },
      State: { Status: 'running', ExitCode: 0, Health: { Status: 'healthy' } }, Mounts: [],
    });
    fs.writeFileSync(inspect, JSON.stringify([container('h1', 'postgresql'), container('h2', 'core')]));
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    // docker: exec in harbor-db runs the cluster's programs (its /tmp is containerTmp), cp copies to and from that
    // folder, compose answers like the Harbor stack (ps lists two containers, stop/start succeed), every call logged.
    fs.writeFileSync(
      path.join(bin, 'docker'),
      `#!${process.execPath}
const fs = require('fs'), path = require('path'), { spawnSync } = require('child_process');
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(calls)}, args.join(' ') + '\\n');
const inside = (p) => p.replace(${JSON.stringify(HARBOR_DUMP_IN_CONTAINER)}, ${JSON.stringify(path.join(containerTmp, path.basename(HARBOR_DUMP_IN_CONTAINER)))});
if (args[0] === 'compose') { if (args.includes('ps')) process.stdout.write('h1\\nh2\\n'); process.exit(0); }
if (args[0] === 'inspect') { process.stdout.write(fs.readFileSync(${JSON.stringify(inspect)})); process.exit(0); }
if (args[0] === 'exec' && args[1] === ${JSON.stringify(HARBOR_DB_CONTAINER)}) {
  const [program, ...rest] = args.slice(2);
  if (program === 'rm') { for (const a of rest.filter((a) => !a.startsWith('-'))) fs.rmSync(inside(a), { force: true }); process.exit(0); }
  const r = spawnSync(path.join(${JSON.stringify(pgBin())}, program), rest.map(inside), { stdio: 'inherit' });
  process.exit(r.status === null ? 1 : r.status);
}
if (args[0] === 'cp') {
  const [from, to] = args.slice(1).map((a) => (a.startsWith(${JSON.stringify(`${HARBOR_DB_CONTAINER}:`)}) ? inside(a.slice(${HARBOR_DB_CONTAINER.length + 1})) : a));
  fs.copyFileSync(from, to);
  process.exit(0);
}
process.stderr.write('docker stand-in: unexpected: ' + args.join(' ') + '\\n');
process.exit(1);
`,
      { mode: 0o755 },
    );
    stacksRoot = path.join(dir, 'stacks');
    fs.mkdirSync(path.join(stacksRoot, 'harbor'), { recursive: true });
    fs.writeFileSync(path.join(stacksRoot, 'harbor', 'docker-compose.yml'), 'services: {}\n');
    dataDir = path.join(dir, 'data', 'harbor');
    fs.mkdirSync(path.join(dataDir, 'secret', 'keys'), { recursive: true });
    fs.mkdirSync(path.join(dataDir, 'registry', 'docker', 'registry', 'v2', 'blobs', 'sha256', 'aa'), { recursive: true });
    fs.mkdirSync(path.join(dataDir, 'database'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'secret', 'keys', 'secretkey'), 'secret-key-1');
    fs.writeFileSync(path.join(dataDir, 'registry', 'docker', 'registry', 'v2', 'blobs', 'sha256', 'aa', 'data'), 'blob-a');
    fs.writeFileSync(path.join(dataDir, 'database', 'PG_VERSION'), '14');
    process.env.PATH = `${bin}:${savedEnv.PATH}`;
    process.env.PGHOST = cluster.dir;
    process.env.PGPORT = String(cluster.port);
  }, 60_000);
  afterAll(async () => {
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await server?.close();
  });

  const clock = (iso: string): Runtime & { lines: string[] } => {
    const lines: string[] = [];
    return { now: () => new Date(iso), log: (line) => lines.push(line), lines };
  };
  const recorded = (): string[] => fs.readFileSync(calls, 'utf8').trim().split('\n');
  const projects = () => cluster.psql("SELECT string_agg(name, ',' ORDER BY project_id) FROM project", 'registry');

  test('backup: the dump first, then the keys and blobs; restore: database, keys and blobs back, the replaced ones kept', async () => {
    // The first test left the registry database as backed up there, plus a project 'next'.
    const before = await projects();
    expect(before).toBe('library,shagram,next');
    const sources = { stacksRoot, harborData: dataDir };
    const [result] = await runOffsiteBackup(['harbor'], sources, path.join(dir, 'work'), settings, clock('2026-12-05T03:15:00Z'));
    const [dumpCall, copyCall, removeCall, ...more] = recorded();
    expect(dumpCall).toBe('exec harbor-db pg_dump -U postgres --format=custom --file=/tmp/shagram-registry.dump registry');
    expect(copyCall?.startsWith(`cp harbor-db:/tmp/shagram-registry.dump ${path.join(dir, 'work')}/harbor-`)).toBe(true); // the private run folder
    expect(copyCall).toMatch(/\/work\/harbor-[^/ ]+\/registry\.dump$/);
    expect(removeCall).toBe('exec harbor-db rm -f /tmp/shagram-registry.dump');
    expect(more).toEqual([]);
    expect(fs.readdirSync(containerTmp)).toEqual([]);
    const look = path.join(dir, 'look');
    await prepareBackup(openBucket(settings), result?.key as string, 'harbor', look, settings.key);
    expect(fs.readdirSync(look).sort()).toEqual(['registry', 'registry.dump', 'secret']); // no database/ folder
    fs.rmSync(look, { recursive: true });

    // Harbor moves on: a project, a blob, and a new secret key.
    await cluster.psql("INSERT INTO project(name) VALUES ('later')", 'registry');
    fs.writeFileSync(path.join(dataDir, 'registry', 'docker', 'registry', 'v2', 'blobs', 'sha256', 'aa', 'later'), 'blob-b');
    fs.writeFileSync(path.join(dataDir, 'secret', 'keys', 'secretkey'), 'secret-key-2');
    fs.rmSync(calls);

    const rt = clock('2026-12-05T09:00:00Z');
    const plan = await resolveRestorePlan('harbor', result?.key as string, sources, '20261205T090000Z', 30);
    await executeRestore(plan, openBucket(settings), settings.key, rt);
    expect(recorded().filter((c) => !c.startsWith('compose version') && !c.endsWith('ps -a -q') && !c.startsWith('inspect'))).toEqual([
      'compose -f docker-compose.yml stop',
      'compose -f docker-compose.yml start postgresql',
      `cp ${dataDir}/.shagram-offsite-20261205T090000Z/registry.dump harbor-db:/tmp/shagram-registry.dump`,
      'exec harbor-db pg_restore -U postgres --dbname registry --clean --if-exists --single-transaction --no-owner /tmp/shagram-registry.dump',
      'exec harbor-db rm -f /tmp/shagram-registry.dump',
      'compose -f docker-compose.yml start',
    ]);
    expect(await projects()).toBe(before);
    expect(fs.readFileSync(path.join(dataDir, 'secret', 'keys', 'secretkey'), 'utf8')).toBe('secret-key-1');
    expect(fs.readdirSync(path.join(dataDir, 'registry', 'docker', 'registry', 'v2', 'blobs', 'sha256', 'aa'))).toEqual(['data']);
    expect(fs.readFileSync(path.join(`${dataDir}/secret.replaced-20261205T090000Z`, 'keys', 'secretkey'), 'utf8')).toBe('secret-key-2');
    expect(fs.readdirSync(dataDir).sort()).toEqual(['database', 'registry', 'registry.replaced-20261205T090000Z', 'secret', 'secret.replaced-20261205T090000Z']);
    expect(rt.lines).toContain('harbor: harbor: 2/2 up, 2 healthy');
  }, 120_000);
});
