/**
 * The monitoring stack as one more entry of the stack table: its configuration keys, its `.env` against the compose
 * file it feeds, what the program registers with and without it, and how the host scripts treat a host without it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseConfig, type ConfigSource } from '../vps/config';
import { stackSpec, type EnvInputs } from '../plan/stack-spec';
import { runVpsProgram } from '../vps/program';
import { presentStacks } from '../../scripts/src/ops/compose';
import { parseDotEnv } from '../../test/compose/interpolate';
import { fixtureStackDirs, isSecretEnvelope, prodConfig, runMocked, tmpBundleRoot, valueOf } from './harness';

const REPO = path.resolve(__dirname, '..', '..');
const BOT = '123456789:AAFakeTokenForTests_0123456789abcdef';
const src = (values: Record<string, string>, secret: string[] = []): ConfigSource => ({
  values: { ...prodConfig(), ...values },
  secretKeys: new Set(['shagram:sshPrivateKey', 'shagram:jwtSecret', ...secret]),
  env: {},
});

describe('configuration', () => {
  test('off without shagram:grafanaHost; its other keys alone are refused', () => {
    expect(parseConfig(src({})).monitoring).toBeUndefined();
    expect(() => parseConfig(src({ 'shagram:alertReceiver': 'none' }))).toThrow('shagram:grafanaHost: is required with shagram:alertReceiver');
  });

  test('on: the receiver must be chosen, and each receiver asks for exactly its settings', () => {
    const on = { 'shagram:grafanaHost': 'grafana.shagram.test' };
    expect(() => parseConfig(src(on))).toThrow(/^shagram:alertReceiver: is required \(pulumi config set shagram:alertReceiver <value>\): the monitoring stack/);
    expect(parseConfig(src({ ...on, 'shagram:alertReceiver': 'none' })).monitoring).toEqual({ grafanaHost: 'grafana.shagram.test', alerts: { kind: 'none' } });
    expect(() => parseConfig(src({ ...on, 'shagram:alertReceiver': 'telegram' }))).toThrow(/^shagram:telegramBotToken: is required \(pulumi config set shagram:telegramBotToken --secret/);
    expect(() => parseConfig(src({ ...on, 'shagram:alertReceiver': 'telegram', 'shagram:telegramBotToken': BOT }))).toThrow('shagram:telegramBotToken: is a secret');
    expect(() => parseConfig(src({ ...on, 'shagram:alertReceiver': 'telegram', 'shagram:telegramBotToken': 'nope' }, ['shagram:telegramBotToken']))).toThrow('must be a bot token from @BotFather');
    expect(
      parseConfig(src({ ...on, 'shagram:alertReceiver': 'telegram', 'shagram:telegramBotToken': BOT, 'shagram:telegramChatId': '-1001234' }, ['shagram:telegramBotToken'])).monitoring?.alerts,
    ).toEqual({ kind: 'telegram', botToken: BOT, chatId: '-1001234' });
    expect(() => parseConfig(src({ ...on, 'shagram:alertReceiver': 'email', 'shagram:smtpSmarthost': 'smtp.example.com:587' }))).toThrow(/^shagram:smtpFrom: is required/);
    expect(() => parseConfig(src({ ...on, 'shagram:alertReceiver': 'pager' }))).toThrow('shagram:alertReceiver: must be telegram, email or none');
  });

  test("Grafana's name must live in the DNS zone like the others", () => {
    expect(() =>
      parseConfig(src({ 'shagram:grafanaHost': 'grafana.elsewhere.test', 'shagram:alertReceiver': 'none', 'shagram:dnsZone': 'shagram.test' })),
    ).toThrow('shagram:dnsZone: grafana.elsewhere.test not inside shagram.test');
  });
});

describe('its .env and the compose file it feeds', () => {
  const inputs = { grafanaHost: 'g.t', grafanaAdminPassword: 'pw', alerts: { kind: 'telegram', botToken: BOT, chatId: '42' } } as unknown as EnvInputs;
  const env = stackSpec('monitoring').env({ ...inputs, chatHost: 'c.t', jenkinsHost: 'j.t', registryHost: 'r.t' });

  test('every variable monitoring/compose.yaml requires (${VAR:?…}) is written; every one written is documented in .env.example', () => {
    const compose = fs.readFileSync(path.join(REPO, 'monitoring', 'compose.yaml'), 'utf8');
    const required = [...compose.matchAll(/\$\{([A-Z_][A-Z0-9_]*):\?/g)].map((m) => m[1] as string);
    for (const name of required) expect(Object.keys(env)).toContain(name);
    const example = parseDotEnv(fs.readFileSync(path.join(REPO, 'monitoring', '.env.example'), 'utf8'));
    for (const name of Object.keys(env)) expect(Object.keys(example)).toContain(name);
  });

  test("only the chosen receiver's settings are filled", () => {
    expect(env).toMatchObject({ ALERT_RECEIVER: 'telegram', TELEGRAM_BOT_TOKEN: BOT, TELEGRAM_CHAT_ID: '42', SMTP_PASSWORD: '', ALERT_EMAIL_TO: '', GRAFANA_HOST: 'g.t', METRICS_TEXTFILE_DIR: '/opt/shagram/metrics' });
  });
});

describe('the program (mocks)', () => {
  test('with shagram:grafanaHost: the stack deploys last, after the app; the edge, the DNS records and the certificate wait cover Grafana', async () => {
    const cfg = {
      ...prodConfig(),
      'shagram:dnsZone': 'shagram.test',
      'shagram:grafanaHost': 'grafana.shagram.test',
      'shagram:alertReceiver': 'telegram',
      'shagram:telegramBotToken': BOT,
      'shagram:telegramChatId': '-1001234',
    };
    const { platform, run } = await runMocked(cfg, ['shagram:sshPrivateKey', 'shagram:jwtSecret', 'shagram:telegramBotToken'], () =>
      runVpsProgram({ bundleRoot: tmpBundleRoot(), stackDirs: { ...fixtureStackDirs(), monitoring: path.join(REPO, 'monitoring') } }),
    );
    const monitoring = platform.stacks.monitoring;
    expect(monitoring).toBeDefined();
    const lifecycle = run.resources.find((r) => r.name === 'monitoring-lifecycle');
    expect(lifecycle?.dependencies).toEqual(expect.arrayContaining([run.resources.find((r) => r.name === 'shagram-deploy')?.urn]));
    const env = await valueOf(monitoring!.envContent);
    expect(env).toContain("GRAFANA_HOST='grafana.shagram.test'");
    expect(env).toContain(`TELEGRAM_BOT_TOKEN='${BOT}'`);
    expect(env).toMatch(/^GRAFANA_ADMIN_PASSWORD='Mockgrafanaadminpassword/m);
    expect(await valueOf(platform.stacks.edge.envContent)).toContain("GRAFANA_HOST='grafana.shagram.test'");
    const deploy = run.resources.find((r) => r.name === 'monitoring-deploy');
    expect(isSecretEnvelope(deploy?.raw.stdin)).toBe(true);
    expect(run.resources.filter((r) => r.type === 'yandex:index/dnsRecordSet:DnsRecordSet').map((r) => r.inputs.name)).toContain('grafana.shagram.test.');
    expect(run.resources.find((r) => r.name === 'edge-certificate')?.inputs.create).toContain('grafana.shagram.test');
  });

  test('without it: no monitoring resource, no Grafana password, the edge serves no Grafana', async () => {
    const { platform, run } = await runMocked(prodConfig(), ['shagram:sshPrivateKey', 'shagram:jwtSecret'], () => runVpsProgram({ bundleRoot: tmpBundleRoot(), stackDirs: fixtureStackDirs() }));
    expect(platform.stacks.monitoring).toBeUndefined();
    expect(run.resources.filter((r) => r.name.startsWith('monitoring') || r.name === 'grafana-admin-password')).toEqual([]);
    expect(await valueOf(platform.stacks.edge.envContent)).toContain("GRAFANA_HOST=''");
  });
});

describe('host scripts on a host without it', () => {
  test('an optional stack without a folder is skipped and named; a required one is kept (and fails later by name); nothing left is an error', () => {
    expect(presentStacks(['edge', 'shagram', 'monitoring'], (s) => s !== 'monitoring')).toEqual({ stacks: ['edge', 'shagram'], skipped: ['monitoring'] });
    expect(presentStacks(['edge', 'monitoring'], () => false)).toEqual({ stacks: ['edge'], skipped: ['monitoring'] });
    expect(presentStacks(['monitoring'], () => true)).toEqual({ stacks: ['monitoring'], skipped: [] });
    expect(() => presentStacks(['monitoring'], () => false)).toThrow('monitoring: not deployed on this host (no stack folder)');
  });
});
