import type { IncomingMessage } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { ConfigError, loadConfig } from '../src/config/config';
import { addressKey, clientAddress, compileTrust } from '../src/ws/client-address';
import { ConnectionLimits } from '../src/ws/connection-limits';

// Express' own compiler of the `trust proxy` setting, to check that the upgrade sees what req.ip sees.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const expressUtils = require('express/lib/utils') as { compileTrust(value: unknown): (address: string, hop: number) => boolean };

const baseEnv = { DATABASE_PATH: path.join(os.tmpdir(), 'shagram-limits-config', 'shagram.db'), JWT_SECRET: 's'.repeat(32) };

describe('configuration of the limits', () => {
  test('defaults a deployment can live with', () => {
    expect(loadConfig(baseEnv)).toMatchObject({ maxConnectionsPerAccount: 20, maxConnectionsPerIp: 50, maxConnections: 15000, messageRate: { count: 20, windowMs: 10000 } });
  });

  test('each is read from its variable', () => {
    const config = loadConfig({ ...baseEnv, WS_MAX_CONNECTIONS_PER_ACCOUNT: '5', WS_MAX_CONNECTIONS_PER_IP: '7', WS_MAX_CONNECTIONS: '900' });
    expect(config).toMatchObject({ maxConnectionsPerAccount: 5, maxConnectionsPerIp: 7, maxConnections: 900 });
  });

  test.each(['WS_MAX_CONNECTIONS_PER_ACCOUNT', 'WS_MAX_CONNECTIONS_PER_IP', 'WS_MAX_CONNECTIONS'])('%s must be a whole number from 1', (name) => {
    for (const bad of ['0', '-1', 'many', '2.5']) {
      expect(() => loadConfig({ ...baseEnv, [name]: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ ...baseEnv, [name]: bad })).toThrow(new RegExp(`^${name}: must be a whole number`));
    }
  });
});

function request(remoteAddress: string, forwardedFor?: string): IncomingMessage {
  return { socket: { remoteAddress }, connection: { remoteAddress }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } } as unknown as IncomingMessage;
}

describe('client address of an upgrade', () => {
  const settings: Array<boolean | number | string> = [false, true, 0, 1, 2, 'loopback', 'loopback, uniquelocal', '10.0.0.0/8, 127.0.0.1', 'linklocal'];
  const address = fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('127.0.0.1', '::1', '10.1.2.3', '192.168.0.9', 'fe80::1', '::ffff:127.0.0.1'));

  test.each(settings.map((setting) => [setting]))('TRUST_PROXY=%j gives the address Express would (property)', (setting) => {
    const ours = compileTrust(setting);
    const theirs = expressUtils.compileTrust(setting);
    fc.assert(
      fc.property(address, fc.array(address, { maxLength: 4 }), (remote, chain) => {
        const req = request(remote, chain.length ? chain.join(', ') : undefined);
        expect(clientAddress(req, ours)).toBe(clientAddress(req, theirs));
      }),
      { numRuns: 300 },
    );
  });

  test('a forwarded address counts only behind a trusted hop', () => {
    expect(clientAddress(request('127.0.0.1', '203.0.113.5'), compileTrust(false))).toBe('127.0.0.1');
    expect(clientAddress(request('127.0.0.1', '203.0.113.5'), compileTrust('loopback'))).toBe('203.0.113.5');
    expect(clientAddress(request('198.51.100.7', '203.0.113.5'), compileTrust('loopback'))).toBe('198.51.100.7');
    expect(clientAddress(request('127.0.0.1', '1.1.1.1, 203.0.113.5'), compileTrust(1))).toBe('203.0.113.5');
  });

  test.each([
    ['203.0.113.5', '203.0.113.5'],
    ['::ffff:203.0.113.5', '203.0.113.5'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.33', '64:ff9b:0:0::/64'],
  ])('%s counts under %s', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });

  test('property: every IPv6 address counts under a /64 key, the same for every address of that /64', () => {
    fc.assert(
      fc.property(fc.ipV6(), fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 4, maxLength: 4 }), (address, host) => {
        const key = addressKey(address);
        if (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address)) return; // IPv4-mapped: counted as IPv4
        expect(key).toMatch(/^([0-9a-f]{1,4}:){4}:\/64$/);
        const sibling = `${key.slice(0, -'::/64'.length)}:${host.map((group) => group.toString(16)).join(':')}`;
        expect(addressKey(sibling)).toBe(key);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('ConnectionLimits', () => {
  const rate = { count: 2, windowMs: 1000 };

  test('refuses over each cap, in the order server, account, address', () => {
    const limits = new ConnectionLimits({ perAccount: 2, perAddress: 3, total: 4 }, rate);
    expect(limits.admit('a', 'x').ok).toBe(true);
    expect(limits.admit('a', 'x').ok).toBe(true);
    expect(limits.admit('a', 'y')).toMatchObject({ ok: false, reason: 'account_connections', status: 429 });
    expect(limits.admit('b', 'x').ok).toBe(true);
    expect(limits.admit('c', 'x')).toMatchObject({ ok: false, reason: 'address_connections', status: 429 });
    expect(limits.admit('c', 'y').ok).toBe(true);
    expect(limits.admit('d', 'z')).toMatchObject({ ok: false, reason: 'server_connections', status: 503 });
    expect(limits.counts()).toEqual({ connections: 4, accounts: 3, addresses: 2, remembered: 3 });
  });

  test('release is idempotent and the counts return to zero', () => {
    const limits = new ConnectionLimits({ perAccount: 5, perAddress: 5, total: 5 }, rate);
    const admissions = [limits.admit('a', 'x'), limits.admit('a', 'y'), limits.admit('b', 'x')];
    for (const admission of admissions) {
      if (!admission.ok) throw new Error('refused');
      admission.release();
      admission.release();
    }
    expect(limits.counts()).toEqual({ connections: 0, accounts: 0, addresses: 0, remembered: 0 });
  });

  test('an account\'s connections share one bucket, kept after the last closes until it has refilled', () => {
    let now = 0;
    const limits = new ConnectionLimits({ perAccount: 5, perAddress: 5, total: 5 }, rate, () => now);
    const first = limits.admit('a', 'x');
    const second = limits.admit('a', 'y');
    if (!first.ok || !second.ok) throw new Error('refused');
    expect(first.bucket).toBe(second.bucket);
    expect([first.bucket.take(), second.bucket.take(), first.bucket.take()]).toEqual([true, true, false]);
    first.release();
    second.release();
    expect(limits.counts()).toMatchObject({ connections: 0, remembered: 1 });
    const again = limits.admit('a', 'x');
    if (!again.ok) throw new Error('refused');
    expect(again.bucket.take()).toBe(false); // reconnecting did not refill it
    again.release();
    now = 999;
    limits.sweep();
    expect(limits.counts().remembered).toBe(1);
    now = 1000;
    limits.sweep();
    expect(limits.counts().remembered).toBe(0);
  });
});
