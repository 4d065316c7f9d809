import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports';

/** A private redis-server started by {@link startRedis}. */
export interface RedisProcess {
  /** `redis://127.0.0.1:<port>` (no credentials, even when a password is required). */
  url: string;
  port: number;
  /** Stops the server (SIGTERM, waits for the exit) and removes its folder. Idempotent. */
  stop(): Promise<void>;
  /** Stops the server if it runs, then starts it again on the same port (empty: nothing is persisted). */
  restart(): Promise<void>;
  /** Kills the server with SIGKILL (a crash) and waits for the exit; `restart()` brings it back. */
  kill(): Promise<void>;
}

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  /** Require this password (`requirepass`). */
  password?: string;
}

const REDIS_SERVER = '/usr/bin/redis-server';
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Resolves when a `PING` on `port` gets `+PONG` (or `-NOAUTH`: the server is up), rejects on a socket error. */
function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let answer = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG') || answer.startsWith('-NOAUTH'));
    });
  });
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts Debian's `/usr/bin/redis-server` on a free loopback port with no persistence (`--save ''`,
 * `--appendonly no`) in a temporary folder, and resolves once it answers `PING`. Needs
 * `scripts/setup.d/61-redis.sh`. The process is killed when the test process exits.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisProcess> {
  if (!fs.existsSync(REDIS_SERVER)) {
    throw new Error(`${REDIS_SERVER} is missing: run "bash scripts/setup.d/61-redis.sh" (or npm run setup:system)`);
  }
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const child of running) child.kill('SIGKILL');
    });
  }
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-redis-'));
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const args = [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--dir', dir, '--daemonize', 'no', '--logfile', '', '--loglevel', 'warning',
    ];
    if (options.password !== undefined) args.push('--requirepass', options.password);
    const proc = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    running.add(proc);
    let output = '';
    proc.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    proc.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    let exited = false;
    proc.once('exit', () => {
      exited = true;
      running.delete(proc);
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (exited) throw new Error(`redis-server on port ${port} exited at start: ${output.trim().split('\n').slice(-3).join(' | ')}`);
      if (await pingOnce(port)) return;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`redis-server on port ${port} did not answer PING within 10 s`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc) return;
    proc.kill(signal);
    await waitExit(proc);
  };

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: async () => {
      await halt('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    },
    restart: async () => {
      await halt('SIGTERM');
      fs.mkdirSync(dir, { recursive: true });
      await launch();
    },
    kill: () => halt('SIGKILL'),
  };
}
