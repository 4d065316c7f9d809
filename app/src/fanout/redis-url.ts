/**
 * Parsing and redaction of `REDIS_URL` (pure: no I/O). Accepted forms:
 * `redis://[[user]:password@]host[:port][/db]` and `rediss://…` (TLS). Every error message is one
 * readable line that never contains the password.
 */

/** Where and how to connect, as ioredis wants it. */
export interface RedisTarget {
  host: string;
  port: number;
  /** ACL user name (Redis 6+), when the URL names one. */
  username?: string;
  password?: string;
  /** Database index (the URL path), 0 by default. */
  db: number;
  /** True for `rediss://`. */
  tls: boolean;
  /** The URL without credentials, for logs and error messages: `redis://host:6379` (`/db` when not 0). */
  display: string;
}

/** A Redis URL that cannot be used; the message is one readable line without secrets. */
export class RedisUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisUrlError';
  }
}

const DEFAULT_PORT = 6379;

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new RedisUrlError(`Redis URL has a badly encoded ${what}`);
  }
}

/**
 * Parses a Redis URL into connection settings.
 * @throws RedisUrlError (never echoing the password) when the URL is not a usable `redis://` or `rediss://` URL.
 */
export function parseRedisUrl(raw: string): RedisTarget {
  const text = raw.trim();
  if (text === '') throw new RedisUrlError('Redis URL is empty');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RedisUrlError('Redis URL is not a valid URL (expected redis://host:port)');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new RedisUrlError(`Redis URL must start with redis:// or rediss:// (got ${url.protocol}//)`);
  }
  const tls = url.protocol === 'rediss:';
  const host = url.hostname.startsWith('[') && url.hostname.endsWith(']') ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '') throw new RedisUrlError('Redis URL has no host (expected redis://host:port)');
  let port = DEFAULT_PORT;
  if (url.port !== '') {
    port = Number(url.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RedisUrlError('Redis URL has an invalid port');
  }
  if (url.search !== '' || url.hash !== '') {
    throw new RedisUrlError('Redis URL must not have query parameters or a fragment (put the database index in the path: redis://host:6379/0)');
  }
  let db = 0;
  const path = url.pathname.replace(/^\/+/, '').replace(/\/+$/, '');
  if (path !== '') {
    if (!/^\d{1,5}$/.test(path)) throw new RedisUrlError('Redis URL path must be a database index (redis://host:6379/0)');
    db = Number(path);
  }
  const username = url.username === '' ? undefined : decode(url.username, 'user name');
  const password = url.password === '' ? undefined : decode(url.password, 'password');
  if (username !== undefined && password === undefined) {
    throw new RedisUrlError('Redis URL has a user name but no password (use redis://user:password@host or redis://:password@host)');
  }
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const display = `${url.protocol}//${hostPart}:${port}${db === 0 ? '' : `/${db}`}`;
  const target: RedisTarget = { host, port, db, tls, display };
  if (username !== undefined) target.username = username;
  if (password !== undefined) target.password = password;
  return target;
}

/**
 * The URL with its password replaced by `***` (user name kept), for logs. A URL that does not
 * parse is shown as `<invalid Redis URL>` so that nothing of it (perhaps a password) is printed.
 */
export function redactRedisUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return '<invalid Redis URL>';
  }
  if (url.password !== '') url.password = '***';
  return url.toString();
}
