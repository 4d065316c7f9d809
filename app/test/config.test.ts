import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, parseDurationSeconds } from '../src/config/config';
import { parseRate } from '../src/config/rate';
import { tempDir } from './helpers/server';

function load(env: Record<string, string>) {
  return loadConfig({ DATABASE_PATH: path.join(tempDir(), 'nested', 'db', 'shagram.db'), ...env });
}

describe('loadConfig', () => {
  test('development defaults: port 8080, generated secret kept beside the database, localhost origins', () => {
    const dir = tempDir();
    const env = { DATABASE_PATH: path.join(dir, 'data', 'shagram.db') };
    const config = loadConfig(env);
    expect(config).toMatchObject({ production: false, port: 8080, host: '0.0.0.0', trustProxy: false, logLevel: 'info', jwtTtlSeconds: 3600 });
    expect(config.allowedOrigins).toEqual(['http://localhost:8080', 'http://127.0.0.1:8080']);
    expect(config.messageRate).toEqual({ count: 20, windowMs: 10000 });
    expect(config.authRate).toEqual({ count: 10, windowMs: 60000 });
    const secretFile = path.join(dir, 'data', '.jwt-secret');
    expect(fs.statSync(secretFile).mode & 0o777).toBe(0o600);
    expect(loadConfig(env).jwtSecret).toBe(config.jwtSecret); // kept across restarts
    expect(config.jwtSecret.length).toBeGreaterThanOrEqual(32);
  });

  test('production takes its settings from the environment', () => {
    const config = load({ NODE_ENV: 'production', JWT_SECRET: 's'.repeat(32), WS_ALLOWED_ORIGINS: 'https://chat.example.com, https://b.example.com:8443', TRUST_PROXY: 'on', JWT_TTL: '15m' });
    expect(config.production).toBe(true);
    expect(config.allowedOrigins).toEqual(['https://chat.example.com', 'https://b.example.com:8443']);
    expect(config.trustProxy).toBe(1);
    expect(config.jwtTtlSeconds).toBe(900);
  });

  test.each([
    ['TRUST_PROXY', 'off', false],
    ['TRUST_PROXY', '2', 2],
    ['TRUST_PROXY', 'loopback', 'loopback'],
  ])('%s=%s', (name, value, expected) => {
    expect(load({ [name]: value }).trustProxy).toBe(expected);
  });

  test.each([
    [{ NODE_ENV: 'production', WS_ALLOWED_ORIGINS: 'https://a.example' }, 'JWT_SECRET'],
    [{ JWT_SECRET: 'too-short' }, 'JWT_SECRET'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: '-1' }, 'PORT'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ JWT_TTL: 'forever' }, 'JWT_TTL'],
    [{ AUTH_RATE_LIMIT: '0/60' }, 'AUTH_RATE_LIMIT'],
    [{ WS_ALLOWED_ORIGINS: 'https://a.example/path' }, 'WS_ALLOWED_ORIGINS'],
    [{ WS_ALLOWED_ORIGINS: 'ftp://a.example' }, 'WS_ALLOWED_ORIGINS'],
    [{ PRESENCE_GRACE_MS: '-1' }, 'PRESENCE_GRACE_MS'],
    [{ PRESENCE_GRACE_MS: '5s' }, 'PRESENCE_GRACE_MS'],
    [{ PRESENCE_GRACE_MS: '600001' }, 'PRESENCE_GRACE_MS'],
  ])('%j fails naming %s', (env, variable) => {
    expect(() => load(env)).toThrow(ConfigError);
    try {
      load(env);
    } catch (error) {
      expect((error as ConfigError).variable).toBe(variable);
      expect((error as Error).message.startsWith(`${variable}: `)).toBe(true);
    }
  });
});

test('PRESENCE_GRACE_MS: 5 s by default, 0 allowed (a departure shows at once)', () => {
  expect(load({}).presenceGraceMs).toBe(5000);
  expect(load({ PRESENCE_GRACE_MS: '0' }).presenceGraceMs).toBe(0);
  expect(load({ PRESENCE_GRACE_MS: '600000' }).presenceGraceMs).toBe(600_000);
});

describe('parsers', () => {
  test('parseRate', () => {
    expect(parseRate('20/10')).toEqual({ count: 20, windowMs: 10000 });
    expect(parseRate(' 5 / 1 ')).toEqual({ count: 5, windowMs: 1000 });
    for (const bad of ['', '20', '20/', '/10', '0/10', '10/0', 'a/b', '1.5/2']) expect(parseRate(bad)).toBeUndefined();
  });

  test('parseDurationSeconds', () => {
    expect(parseDurationSeconds('3600')).toBe(3600);
    expect(parseDurationSeconds('90s')).toBe(90);
    expect(parseDurationSeconds('15m')).toBe(900);
    expect(parseDurationSeconds('1h')).toBe(3600);
    expect(parseDurationSeconds('7d')).toBe(604800);
    for (const bad of ['', '0', '1w', 'h', '-5']) expect(parseDurationSeconds(bad)).toBeUndefined();
  });
});
