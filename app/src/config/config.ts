import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { parseRate, type Rate } from './rate';

/** The server's settings, fully validated. Every variable: docs/configuration.md. */
export interface Config {
  production: boolean;
  port: number;
  host: string;
  databasePath: string;
  jwtSecret: string;
  /** Token lifetime in seconds. */
  jwtTtlSeconds: number;
  allowedOrigins: string[];
  /** Value for Express' `trust proxy` setting. */
  trustProxy: boolean | number | string;
  logLevel: string;
  /** WebSocket messages per account (all its connections on this process together). */
  messageRate: Rate;
  authRate: Rate;
  /** Milliseconds between WebSocket pings. */
  heartbeatMs: number;
  /** Milliseconds a user stays in a room's presence after their last connection there closed (0: leaves at once). */
  presenceGraceMs: number;
  /** A peer whose unsent bytes pass this bound is disconnected. */
  maxBufferedBytes: number;
  /** WebSocket connections one account may hold on this process. */
  maxConnectionsPerAccount: number;
  /** WebSocket connections from one client address (an IPv6 /64) on this process. */
  maxConnectionsPerIp: number;
  /** WebSocket connections this process accepts in all. */
  maxConnections: number;
  /** Rooms one account may create per window (`POST /api/rooms`), on this process. */
  roomCreateRate: Rate;
  /** Most rooms one account may create in all. */
  roomsPerAccount: number;
  /** Milliseconds between reads of the token revocations other replicas made. */
  revocationPollMs: number;
  /** Most revoked token ids held in memory; past it a log-out revokes all of the account's tokens. */
  revokedTokensMax: number;
  /** Folder of the static UI. */
  publicDir: string;
  /** Folder of the numbered SQL migrations (SQLite; PostgreSQL's twins are in its `postgres/` folder). */
  migrationsDir: string;
  /** `postgres://…`: history and accounts in PostgreSQL instead of the SQLite file. */
  databaseUrl?: string;
  /** `redis://…`: fan-out and presence through Redis pub/sub, so several replicas can serve one chat. */
  redisUrl?: string;
}

/** Thrown for a missing or invalid setting; the message names the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const APP_ROOT = path.resolve(__dirname, '..', '..');

function positiveInt(env: Env, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

function rate(env: Env, name: string, fallback: string): Rate {
  const raw = env[name] ?? fallback;
  const parsed = parseRate(raw);
  if (!parsed) throw new ConfigError(name, `must look like "<count>/<seconds>" (e.g. ${fallback}), got "${raw}"`);
  return parsed;
}

/** Parses a duration such as `3600`, `90s`, `15m`, `1h`, `7d` into seconds. */
export function parseDurationSeconds(value: string): number | undefined {
  const match = /^\s*(\d{1,9})\s*([smhd]?)\s*$/.exec(value);
  if (!match) return undefined;
  const factor = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = Number(match[1]) * factor;
  return seconds >= 1 ? seconds : undefined;
}

function origins(env: Env, production: boolean, port: number): string[] {
  const raw = env.WS_ALLOWED_ORIGINS;
  if (raw === undefined || raw.trim() === '') {
    if (production) throw new ConfigError('WS_ALLOWED_ORIGINS', 'is required when NODE_ENV=production (comma-separated origins such as https://chat.example.com)');
    return [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
  }
  return raw.split(',').map((item) => {
    const origin = item.trim();
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new ConfigError('WS_ALLOWED_ORIGINS', `"${origin}" is not an origin like https://chat.example.com`);
    }
    if (!['http:', 'https:'].includes(url.protocol) || url.origin !== origin.replace(/\/$/, '')) {
      throw new ConfigError('WS_ALLOWED_ORIGINS', `"${origin}" is not an origin like https://chat.example.com`);
    }
    return url.origin;
  });
}

function trustProxy(env: Env): boolean | number | string {
  const raw = (env.TRUST_PROXY ?? '').trim();
  if (raw === '' || /^(off|false|0|no)$/i.test(raw)) return false;
  // "on" trusts exactly one hop (the nginx edge in front of the app), never the whole chain.
  if (/^(on|true|yes)$/i.test(raw)) return 1;
  if (/^\d+$/.test(raw)) return Number(raw);
  return raw; // a list of addresses / subnets / names such as "loopback, uniquelocal", as Express understands it
}

/**
 * An optional service URL with one of the given schemes. The value is never echoed in the error:
 * it may hold a password.
 */
function serviceUrl(env: Env, name: string, schemes: string[], example: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `is not a URL; expected something like ${example}`);
  }
  if (!schemes.includes(url.protocol) || url.hostname === '') {
    throw new ConfigError(name, `must be a ${schemes.map((scheme) => `${scheme}//`).join(' or ')} URL such as ${example}, got a ${url.protocol}// URL`);
  }
  return raw;
}

/**
 * Development only: a random secret generated once and kept beside the database (mode 0600),
 * so tokens survive restarts without anyone having to configure a secret.
 */
function developmentSecret(databasePath: string): string {
  const file = path.join(path.dirname(databasePath), '.jwt-secret');
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = crypto.randomBytes(48).toString('base64url');
  fs.writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

/**
 * Reads and validates the configuration from the environment.
 * Creates the database's parent folder (and, in development, the generated JWT secret).
 * @throws ConfigError naming the variable at fault.
 */
export function loadConfig(env: Env = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const port = env.PORT === '0' ? 0 : positiveInt(env, 'PORT', 8080, 65535);
  const host = env.HOST?.trim() || '0.0.0.0';

  const databasePath = path.resolve(env.DATABASE_PATH?.trim() || './data/shagram.db');
  try {
    fs.mkdirSync(path.dirname(databasePath), { recursive: true });
  } catch (error) {
    throw new ConfigError('DATABASE_PATH', `cannot create folder ${path.dirname(databasePath)}: ${(error as Error).message}`);
  }

  const databaseUrl = serviceUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:'], 'postgres://shagram:secret@db:5432/shagram');
  const redisUrl = serviceUrl(env, 'REDIS_URL', ['redis:', 'rediss:'], 'redis://redis:6379');
  // Replicas share one history, so Redis fan-out without a shared database would split the chat.
  if (redisUrl && !databaseUrl) throw new ConfigError('REDIS_URL', 'needs DATABASE_URL as well: replicas must share one PostgreSQL database');

  let jwtSecret = env.JWT_SECRET ?? '';
  if (jwtSecret === '' && redisUrl) throw new ConfigError('JWT_SECRET', 'is required with REDIS_URL: every replica must verify the same tokens');
  if (jwtSecret === '') {
    if (production) throw new ConfigError('JWT_SECRET', 'is required when NODE_ENV=production (at least 32 bytes, e.g. `openssl rand -base64 48`)');
    jwtSecret = developmentSecret(databasePath);
  } else if (Buffer.byteLength(jwtSecret) < 32) {
    throw new ConfigError('JWT_SECRET', 'must be at least 32 bytes long');
  }

  const ttl = parseDurationSeconds(env.JWT_TTL ?? '1h');
  if (ttl === undefined) throw new ConfigError('JWT_TTL', `must be a duration such as 3600, 15m or 1h, got "${env.JWT_TTL}"`);

  const logLevel = (env.LOG_LEVEL ?? 'info').trim().toLowerCase();
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`);

  return {
    production,
    port,
    host,
    databasePath,
    jwtSecret,
    jwtTtlSeconds: ttl,
    allowedOrigins: origins(env, production, port === 0 ? 8080 : port),
    trustProxy: trustProxy(env),
    logLevel,
    messageRate: rate(env, 'MESSAGE_RATE_LIMIT', '20/10'),
    authRate: rate(env, 'AUTH_RATE_LIMIT', '10/60'),
    heartbeatMs: positiveInt(env, 'WS_HEARTBEAT_MS', 30000),
    presenceGraceMs: positiveInt(env, 'PRESENCE_GRACE_MS', 5000, 600_000, 0),
    maxBufferedBytes: positiveInt(env, 'WS_MAX_BUFFERED_BYTES', 4 * 1024 * 1024),
    maxConnectionsPerAccount: positiveInt(env, 'WS_MAX_CONNECTIONS_PER_ACCOUNT', 20),
    maxConnectionsPerIp: positiveInt(env, 'WS_MAX_CONNECTIONS_PER_IP', 50),
    // Well under a typical open-files limit (e.g. 20000): the database, logs and HTTP requests need descriptors too.
    maxConnections: positiveInt(env, 'WS_MAX_CONNECTIONS', 15000),
    roomCreateRate: rate(env, 'ROOM_CREATE_RATE_LIMIT', '5/60'),
    roomsPerAccount: positiveInt(env, 'ROOMS_PER_ACCOUNT', 20, 100_000),
    revocationPollMs: positiveInt(env, 'REVOCATION_POLL_MS', 2000, 60_000),
    revokedTokensMax: positiveInt(env, 'REVOKED_TOKENS_MAX', 100_000),
    publicDir: path.join(APP_ROOT, 'public'),
    migrationsDir: path.join(APP_ROOT, 'migrations'),
    databaseUrl,
    redisUrl,
  };
}
