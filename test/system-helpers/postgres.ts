import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { freePort } from './ports';

/** A throwaway PostgreSQL cluster started by {@link startPostgres}. */
export interface TestPostgres {
  /** `postgres://shagram:shagram-test@127.0.0.1:<port>/shagram` (a password-checked login). */
  url: string;
  port: number;
  /** Where the cluster lives (data, log, unix socket). */
  dir: string;
  /** Runs SQL as the superuser over the private unix socket; returns psql's unaligned output. */
  psql(sql: string, database?: string): Promise<string>;
  /** Stops the cluster (fast shutdown) and removes its folder. */
  stop(): Promise<void>;
  /** Stops and starts the same cluster on the same port (an outage), resolving once it accepts connections. */
  restart(): Promise<void>;
  /** The first half of restart(): a fast shutdown that keeps the cluster's folder (the outage begins). */
  down(): Promise<void>;
  /** The second half of restart(): starts the cluster again and waits until it accepts connections. */
  up(): Promise<void>;
  /** Creates an empty database owned by the app's role. @returns its URL. */
  createDatabase(name: string): Promise<string>;
}

const USER = 'shagram';
const PASSWORD = 'shagram-test';
const DATABASE = 'shagram';

interface Ran {
  code: number;
  stdout: string;
}

/**
 * Runs a command without a shell and with NO stdin (exec.ts's `run` writes to stdin, which can fail with
 * EPIPE against commands that exit at once, such as `id`). Rejects with one readable line on a non-zero exit,
 * unless `allowFailure`.
 */
function run(command: string, args: readonly string[], options: { cwd?: string; timeoutMs?: number; allowFailure?: boolean } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${command}: cannot start: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const exit = code ?? 128;
      if (exit !== 0 && !options.allowFailure) {
        const last = (stderr.trim() || stdout.trim()).split('\n').slice(-3).join(' | ');
        reject(new Error(`${path.basename(command)} ${args.slice(0, 4).join(' ')}… exited ${signal ?? exit}: ${last}`));
        return;
      }
      resolve({ code: exit, stdout });
    });
  });
}

/** The newest /usr/lib/postgresql/<version>/bin that has initdb (Debian's layout). */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs.readdirSync(root).filter((entry) => /^\d+$/.test(entry) && fs.existsSync(path.join(root, entry, 'bin', 'initdb')))
    : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('no PostgreSQL server under /usr/lib/postgresql (run: npm run setup:system)');
  return path.join(root, newest, 'bin');
}

/**
 * Starts a private PostgreSQL cluster from Debian's binaries: a temp folder owned by the `postgres` system
 * user (initdb and pg_ctl refuse to run as root, so they run through `runuser -u postgres --`), listening on
 * 127.0.0.1 only, on a free port, with its unix socket inside the folder and fsync left on. The superuser
 * `postgres` logs in over that socket without a password (trust, for setup); the app's role `shagram` must
 * give its password (scram-sha-256 over TCP), so the URL's password is really used. Resolves once
 * `pg_isready` says the server accepts connections and the role and database exist.
 */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = binDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-pg-'));
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'postgres.log');
  const owner = (await run('id', ['-u', 'postgres'])).stdout.trim();
  const group = (await run('id', ['-g', 'postgres'])).stdout.trim();
  fs.chownSync(dir, Number(owner), Number(group));
  const asPostgres = (command: string, args: string[]) => run('runuser', ['-u', 'postgres', '--', path.join(bin, command), ...args], { cwd: dir, timeoutMs: 120_000 });
  const port = await freePort();

  await asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8']);
  fs.appendFileSync(
    path.join(data, 'postgresql.conf'),
    ['', "listen_addresses = '127.0.0.1'", `port = ${port}`, `unix_socket_directories = '${dir}'`, 'fsync = on', "password_encryption = 'scram-sha-256'", ''].join('\n'),
  );
  fs.writeFileSync(
    path.join(data, 'pg_hba.conf'),
    ['local all postgres trust', `host all ${USER} 127.0.0.1/32 scram-sha-256`, 'host all all 127.0.0.1/32 trust', ''].join('\n'),
  );

  const psql = async (sql: string, database = 'postgres'): Promise<string> =>
    (await run(path.join(bin, 'psql'), ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-qAtX', '-c', sql])).stdout.trim();

  const waitReady = async (): Promise<void> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const probe = await run(path.join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-t', '2'], { allowFailure: true });
      if (probe.code === 0) return;
      if (Date.now() > deadline) throw new Error(`PostgreSQL on port ${port} not ready after 60 s: ${probe.stdout.trim()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const start = async (): Promise<void> => {
    await asPostgres('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', 'start']);
    await waitReady();
  };
  const halt = async (): Promise<void> => {
    await asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
  };

  // If the test process ends without stop() (a crash, an interrupted run), do not leave a server behind.
  let stopped = false;
  const onExit = (): void => {
    if (stopped) return;
    spawnSync('runuser', ['-u', 'postgres', '--', path.join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop'], { cwd: dir, stdio: 'ignore' });
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  try {
    await start();
    await psql(`CREATE ROLE ${USER} LOGIN PASSWORD '${PASSWORD}'`);
    await psql(`CREATE DATABASE ${DATABASE} OWNER ${USER}`);
  } catch (error) {
    await halt().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
    stopped = true;
    process.removeListener('exit', onExit);
    throw error;
  }

  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
    port,
    dir,
    psql,
    async stop() {
      await halt().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
      stopped = true;
      process.removeListener('exit', onExit);
    },
    async restart() {
      await halt();
      await start();
    },
    down: halt,
    up: start,
    async createDatabase(name: string) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name "${name}" must be a plain lower-case identifier`);
      await psql(`CREATE DATABASE ${name} OWNER ${USER}`);
      return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${name}`;
    },
  };
}
