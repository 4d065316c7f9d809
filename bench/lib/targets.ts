import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { freePort, REPO_ROOT, spawnNode, stopChild, tailStderr } from './child';
import { BENCH_ORIGIN, type ClientSpec } from './client-spec';
import { planLaunch } from './launch';
import type { TargetName } from './options';

/** A started target server. */
export interface RunningTarget {
  name: TargetName;
  pid: number;
  port: number;
  spec: ClientSpec;
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

async function registerUsers(port: number, count: number): Promise<string[]> {
  const register = async (i: number): Promise<string> => {
    const res = await fetch(`http://127.0.0.1:${port}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: `bench${i}`, password: 'bench-password-1' }),
    });
    if (res.status !== 201) throw new Error(`registering bench${i} answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  return Promise.all(Array.from({ length: count }, (_, i) => register(i)));
}

/**
 * Starts a target on a free loopback port with a fresh data folder under `workDir`, waits until it
 * is ready, and (Shagram) registers the bench users.
 */
export async function startTarget(name: TargetName, workDir: string, shagramEntry: string, shagramNodeArgs: string[] = []): Promise<RunningTarget> {
  const entry = path.resolve(REPO_ROOT, shagramEntry);
  if (name === 'shagram' && !fs.existsSync(entry)) throw new Error(`${shagramEntry} not found: run \`npm run build\` first`);
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
    if (name === 'shagram') spec = { kind: 'shagram', port, origin: BENCH_ORIGIN, tokens: await registerUsers(port, SHAGRAM_USERS) };
    else if (name === 'ws-broadcast') spec = { kind: 'ws', port };
    else spec = { kind: 'socketio', port };
    return {
      name,
      pid: child.pid!,
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
