/**
 * Harbor's database in the off-host backup: the exact pg_dump and pg_restore command lines the plans run inside
 * `harbor-db` (offsite-plan.ts), run here against a throwaway PostgreSQL cluster (test/system-helpers/postgres.ts)
 * instead of through `docker exec`; the container's /tmp becomes a test folder. A dump restores the rows it holds
 * over a database that moved on; a damaged dump is refused by pg_restore and, in one transaction, changes nothing.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HARBOR_DB_CONTAINER, HARBOR_DUMP_IN_CONTAINER, planHarborBackup, planHarborRestore } from '../src/offsite-plan';
import { startPostgres, type TestPostgres } from '../../test/system-helpers/postgres';

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
