import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config/config';
import { createShagramServer, type EngineOverrides, type ShagramServer } from '../../src/server';
import { createLogger } from '../../src/logger';

/** A real server on an ephemeral loopback port with its own SQLite file in a temp folder. */
export interface TestServer {
  server: ShagramServer;
  config: Config;
  url: string;
  wsUrl: string;
  origin: string;
  dir: string;
  close(): Promise<void>;
}

/** Makes a fresh temp folder for a database. */
export function tempDir(prefix = 'shagram-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Starts a server in this process. `env` overrides the defaults (generous rate limits, quiet logs). */
export async function startServer(env: Record<string, string> = {}, dir = tempDir(), engines: (config: Config) => EngineOverrides = () => ({})): Promise<TestServer> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_PATH: path.join(dir, 'shagram.db'),
    WS_ALLOWED_ORIGINS: 'http://chat.test',
    AUTH_RATE_LIMIT: '10000/60',
    MESSAGE_RATE_LIMIT: '10000/10',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const server = await createShagramServer(config, createLogger(config.logLevel), engines(config));
  const port = await server.listen();
  return {
    server,
    config,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    origin: config.allowedOrigins[0]!,
    dir,
    close: () => server.close(),
  };
}

/** POSTs JSON and returns status and parsed body. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** GETs and returns status and parsed JSON body. */
export async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: await res.json() };
}

let counter = 0;
/** Registers a fresh user and returns its name and token. */
export async function register(baseUrl: string, prefix = 'user'): Promise<{ username: string; token: string }> {
  const username = `${prefix}${++counter}_${process.pid}`;
  const res = await postJson(`${baseUrl}/api/auth/register`, { username, password: 'correct horse battery' });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { username, token: res.body.access_token };
}
