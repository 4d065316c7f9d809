import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { startPostgres, type TestPostgres } from '../../test/system-helpers/postgres';
import { startRedis, type RedisProcess } from '../../test/system-helpers/redis';
import { REPO_ROOT, spawnNode, stopChild, tailStderr } from './child';
import { freePort } from '../../test/system-helpers/ports';
import { BENCH_ORIGIN, type ClientSpec } from './client-spec';
import { planLaunch, planReplicaLaunch, type Launch, type SingleTargetName } from './launch';
import type { TargetName } from './options';
import { childrenNamed, readAllStats } from './procfs';
import { roomName } from './plan';
import { missingPrerequisite, REPLICA_COUNT, REPLICA_TARGET, TargetSkipped } from './replicas';

/** A service a multi-replica target depends on; its CPU is read with its direct children's. */
export interface BackingService {
  name: 'postgres' | 'redis';
  pid: number;
}

/** A started target server. */
export interface RunningTarget {
  name: TargetName;
  /** The (first) server process. */
  pid: number;
  /** Every server process (one, or one per replica): fan-out CPU and RSS are summed over these. */
  pids: number[];
  /** The first replica's port. */
  port: number;
  spec: ClientSpec;
  /** PostgreSQL and Redis for `shagram-2x`; none for the single-process targets. */
  services: BackingService[];
  /** Full history URL for a room, or undefined when the target has no history endpoint. */
  historyUrl(room: string): string | undefined;
  stop(): Promise<void>;
}

/** Bench users registered on Shagram; connections share their tokens round-robin. */
export const SHAGRAM_USERS = 10;
const READY_TIMEOUT_MS = 20_000;

async function waitReady(child: ChildProcess, url: string, stderr: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${stderr() || 'no output'}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not ready at ${url} within ${READY_TIMEOUT_MS} ms: ${stderr()}`);
}

async function registerUsers(port: number, count: number, rooms: number): Promise<string[]> {
  const register = async (i: number): Promise<string> => {
    const res = await fetch(`http://127.0.0.1:${port}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: `bench${i}`, password: 'bench-password-1' }),
    });
    if (res.status !== 201) throw new Error(`registering bench${i} answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const tokens = await Promise.all(Array.from({ length: count }, (_, i) => register(i)));
  // Joining never creates a room: the bench's rooms are made here (the bench server lifts the room limits).
  for (let i = 0; i < rooms; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/api/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[0]!}` },
      body: JSON.stringify({ name: roomName(i) }),
    });
    if (res.status !== 201 && res.status !== 409) throw new Error(`creating room ${roomName(i)} answered ${res.status}: ${await res.text()}`);
  }
  return tokens;
}

/** Starts one planned server process and waits for its ready path. @returns the child, or throws after stopping it. */
async function startProcess(launch: Launch, port: number): Promise<ChildProcess> {
  const child = spawnNode(launch.nodeArgs, { env: { ...process.env, ...launch.env }, quiet: true });
  const stderr = tailStderr(child);
  try {
    await waitReady(child, `http://127.0.0.1:${port}${launch.readyPath}`, stderr);
    return child;
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

/** Two distinct free loopback ports (or more). */
async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/** Why a target cannot run on this machine (one line), or undefined when it can. */
export function skipReason(name: TargetName): string | undefined {
  if (name !== REPLICA_TARGET) return undefined;
  return missingPrerequisite({
    exists: (p) => fs.existsSync(p),
    list: (p) => (fs.existsSync(p) ? fs.readdirSync(p) : []),
    uid: process.getuid?.(),
  });
}

/**
 * `shagram-2x`: a throwaway PostgreSQL and Redis (the system-test helpers), then two replicas of the
 * production build on them with one shared JWT secret and the `shagram` target's env, each on its own
 * loopback port (no nginx: the load clients pick the replica themselves). The bench users are
 * registered on the first replica; their tokens are valid on both.
 * @throws TargetSkipped when PostgreSQL or Redis is not installed (or the bench is not root)
 */
async function startReplicas(workDir: string, entry: string, shagramNodeArgs: string[], rooms: number): Promise<RunningTarget> {
  const reason = skipReason(REPLICA_TARGET);
  if (reason) throw new TargetSkipped(reason);

  let pg: TestPostgres | undefined;
  let redis: RedisProcess | undefined;
  const children: ChildProcess[] = [];
  const dataDir = fs.mkdtempSync(path.join(workDir, `${REPLICA_TARGET}-`));
  const stop = async () => {
    await Promise.all(children.map((child) => stopChild(child)));
    await Promise.all([pg?.stop(), redis?.stop()]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const [pgStarted, redisStarted] = await Promise.allSettled([startPostgres(), startRedis()]);
    if (pgStarted.status === 'fulfilled') pg = pgStarted.value;
    if (redisStarted.status === 'fulfilled') redis = redisStarted.value;
    if (pgStarted.status === 'rejected') throw new Error(`PostgreSQL: ${(pgStarted.reason as Error).message}`);
    if (redisStarted.status === 'rejected') throw new Error(`Redis: ${(redisStarted.reason as Error).message}`);
    const shared = { databaseUrl: pg!.url, redisUrl: redis!.url, jwtSecret: crypto.randomBytes(48).toString('base64url') };
    const ports = await freePorts(REPLICA_COUNT);
    const launches = ports.map((port, i) => {
      const dir = path.join(dataDir, `replica-${i}`);
      fs.mkdirSync(dir);
      return planReplicaLaunch(port, dir, entry, shared, shagramNodeArgs);
    });
    const started = await Promise.allSettled(launches.map((launch, i) => startProcess(launch, ports[i]!)));
    for (const s of started) if (s.status === 'fulfilled') children.push(s.value);
    started.forEach((s, i) => {
      if (s.status === 'rejected') throw new Error(`replica ${i}: ${(s.reason as Error).message}`);
    });
    for (const port of ports) {
      const ready = (await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()) as { database?: string; fanout?: string };
      if (ready.database !== 'postgres' || ready.fanout !== 'redis') throw new Error(`replica on ${port} is not on PostgreSQL + Redis: /readyz ${JSON.stringify(ready)}`);
    }
    const postmaster = Number(fs.readFileSync(path.join(pg!.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const services: BackingService[] = [{ name: 'postgres', pid: postmaster }];
    const redisPid = childrenNamed(process.pid, 'redis-server', readAllStats())[0];
    if (redisPid !== undefined) services.push({ name: 'redis', pid: redisPid });
    const tokens = await registerUsers(ports[0]!, SHAGRAM_USERS, rooms);
    return {
      name: REPLICA_TARGET,
      pid: children[0]!.pid!,
      pids: children.map((child) => child.pid!),
      port: ports[0]!,
      spec: { kind: 'shagram', port: ports[0]!, ports, origin: BENCH_ORIGIN, tokens },
      services,
      historyUrl: () => undefined,
      stop,
    };
  } catch (error) {
    await stop();
    throw new Error(`${REPLICA_TARGET}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Starts a target on a free loopback port with a fresh data folder under `workDir`, waits until it
 * is ready, and (Shagram) registers the bench users and creates the rooms `roomName(0 … rooms − 1)`. `shagram-2x`
 * starts PostgreSQL, Redis and two replicas instead.
 * @throws TargetSkipped when the target cannot run on this machine
 */
export async function startTarget(name: TargetName, workDir: string, shagramEntry: string, shagramNodeArgs: string[] = [], rooms = 0): Promise<RunningTarget> {
  const entry = path.resolve(REPO_ROOT, shagramEntry);
  if ((name === 'shagram' || name === REPLICA_TARGET) && !fs.existsSync(entry)) throw new Error(`${shagramEntry} not found: run \`npm run build\` first`);
  if (name === REPLICA_TARGET) return startReplicas(workDir, entry, shagramNodeArgs, rooms);
  return startSingle(name, workDir, entry, shagramNodeArgs, rooms);
}

async function startSingle(name: SingleTargetName, workDir: string, entry: string, shagramNodeArgs: string[], rooms: number): Promise<RunningTarget> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(workDir, `${name}-`));
  const launch = planLaunch(name, port, dataDir, entry, crypto.randomBytes(48).toString('base64url'), shagramNodeArgs);
  const child = spawnNode(launch.nodeArgs, { env: { ...process.env, ...launch.env }, quiet: true });
  const stderr = tailStderr(child);
  const stop = async () => {
    await stopChild(child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitReady(child, `http://127.0.0.1:${port}${launch.readyPath}`, stderr);
    let spec: ClientSpec;
    if (name === 'shagram') spec = { kind: 'shagram', port, origin: BENCH_ORIGIN, tokens: await registerUsers(port, SHAGRAM_USERS, rooms) };
    else if (name === 'ws-broadcast') spec = { kind: 'ws', port };
    else spec = { kind: 'socketio', port };
    return {
      name,
      pid: child.pid!,
      pids: [child.pid!],
      services: [],
      port,
      spec,
      historyUrl: (room) => (launch.historyPath ? `http://127.0.0.1:${port}${launch.historyPath(room)}` : undefined),
      stop,
    };
  } catch (error) {
    await stop();
    throw new Error(`${name}: ${(error as Error).message}`, { cause: error });
  }
}
