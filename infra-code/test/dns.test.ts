/** Cloud DNS for the public names (prod with shagram:dnsZone): zone, A records, order, and the config rules. */
import { ConfigError } from '../common/config-fields';
import { parseConfig, SECRET_KEYS } from '../vps/config';
import type { Platform } from '../vps/platform';
import { runVpsProgram } from '../vps/program';
import { aRecords, absoluteName, inZone } from '../plan/dns';
import { fixtureStackDirs, prodConfig, runMocked, tmpBundleRoot, valueOf, type MockRun } from './harness';

let platform: Platform;
let run: MockRun;

beforeAll(async () => {
  ({ platform, run } = await runMocked({ ...prodConfig(), 'shagram:dnsZone': 'shagram.test' }, ['shagram:sshPrivateKey', 'shagram:jwtSecret'], () =>
    runVpsProgram({ bundleRoot: tmpBundleRoot(), stackDirs: fixtureStackDirs(), bundleExtras: {} }),
  ));
});

const byName = (name: string) => {
  const r = run.resources.find((x) => x.name === name);
  if (!r) throw new Error(`no resource ${name}; have ${run.resources.map((x) => x.name).join(', ')}`);
  return r;
};

test('a public zone for the domain, an A record per name pointing at the static address; schema-valid', async () => {
  expect(run.schemaErrors).toEqual([]);
  expect(byName('dns-zone').inputs).toMatchObject({ zone: 'shagram.test.', public: true, folderId: 'b1gabcdefghijklmnopq' });
  for (const [key, host] of [['chat', 'chat.shagram.test.'], ['jenkins', 'jenkins.shagram.test.'], ['registry', 'registry.shagram.test.']]) {
    expect(byName(`dns-${key}`).inputs).toEqual({ zoneId: 'dns-zone-id', name: host, type: 'A', ttl: 300, datas: ['203.0.113.10'] });
  }
  expect(await valueOf(platform.outputs.dnsNameServers!)).toEqual(['ns1.yandexcloud.net.', 'ns2.yandexcloud.net.']);
});

test('the edge (and with it the first certificate request) waits for the records', () => {
  const edge = byName('edge-lifecycle');
  for (const key of ['chat', 'jenkins', 'registry']) expect(edge.dependencies).toContain(byName(`dns-${key}`).urn);
});

test('an existing zone: records only, no zone, no delegation output', async () => {
  const r = await runMocked({ ...prodConfig(), 'shagram:dnsZone': 'shagram.test', 'shagram:dnsZoneId': 'dnsabcdefghijklmnopq' }, ['shagram:sshPrivateKey', 'shagram:jwtSecret'], () =>
    runVpsProgram({ bundleRoot: tmpBundleRoot(), stackDirs: fixtureStackDirs(), bundleExtras: {} }),
  );
  expect(r.run.resources.filter((x) => x.type === 'yandex:index/dnsZone:DnsZone')).toEqual([]);
  expect(r.run.resources.find((x) => x.name === 'dns-chat')!.inputs.zoneId).toBe('dnsabcdefghijklmnopq');
  expect(r.platform.outputs.dnsNameServers).toBeUndefined();
});

test('config: names outside the domain, or a zone id without its domain, stop at once naming the key', () => {
  const parse = (values: Record<string, string>) => parseConfig({ values, secretKeys: new Set(SECRET_KEYS), env: {} });
  const errorOf = (values: Record<string, string>): ConfigError => {
    try {
      parse(values);
    } catch (e) {
      if (e instanceof ConfigError) return e;
      throw e;
    }
    throw new Error('expected a ConfigError');
  };
  expect(errorOf({ ...prodConfig(), 'shagram:dnsZone': 'other.test' }).message).toBe(
    'shagram:dnsZone: chat.shagram.test, jenkins.shagram.test, registry.shagram.test not inside other.test: the records for them cannot live in that zone',
  );
  expect(errorOf({ ...prodConfig(), 'shagram:dnsZoneId': 'dnsabcdefghijklmnopq' }).message).toBe(
    'shagram:dnsZone: is required with shagram:dnsZoneId (the domain of that zone)',
  );
  expect(parse(prodConfig()).target).not.toHaveProperty('dns');
});

test('zone arithmetic', () => {
  expect(absoluteName('Example.COM')).toBe('example.com.');
  expect(inZone('chat.example.com', 'example.com.')).toBe(true);
  expect(inZone('example.com', 'example.com')).toBe(true);
  expect(inZone('badexample.com', 'example.com')).toBe(false);
  expect(() => aRecords('example.com', { chat: 'chat.example.org' })).toThrow('chat.example.org not inside the DNS zone example.com.');
});
