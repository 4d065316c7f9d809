/**
 * Debian's promtool and amtool (scripts/setup.d/63-prometheus.sh) over the repository's monitoring files: the rules
 * load, their unit tests pass, the rendered Prometheus configuration is valid with them, and both Alertmanager
 * receivers render into a configuration Alertmanager accepts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { run } from '../../test/system-helpers/exec';
import { CONTAINER_RULES_DIR, filesIn, MONITORING_DIR, PROMETHEUS_TEMPLATE, removeTempDirs, renderConfig, RULE_TESTS_DIR, RULES_DIR, SAMPLE_ENV, tempDir } from './monitoring-files';

const rulesFiles = filesIn(RULES_DIR, '.yml');
const ruleTestFiles = filesIn(RULE_TESTS_DIR, '.test.yml');

afterAll(removeTempDirs);

describe('promtool and amtool over monitoring/', () => {
  it('promtool check rules: every rules file loads', async () => {
    const { stdout } = await run('promtool', ['check', 'rules', ...rulesFiles]);
    expect(stdout.match(/SUCCESS: \d+ rules found/g)).toHaveLength(rulesFiles.length);
  });

  it('promtool test rules: every rule fires and stays silent where its tests say', async () => {
    expect(ruleTestFiles.length).toBeGreaterThan(0);
    const { stdout } = await run('promtool', ['test', 'rules', ...ruleTestFiles], { cwd: RULE_TESTS_DIR });
    expect(stdout.match(/SUCCESS/g)).toHaveLength(ruleTestFiles.length);
  });

  it('promtool test rules fails when a rule is changed (the tests do test them)', async () => {
    const dir = tempDir('shagram-rules-');
    fs.mkdirSync(path.join(dir, 'rules'));
    fs.mkdirSync(path.join(dir, 'tests'));
    for (const file of rulesFiles) {
      fs.writeFileSync(path.join(dir, 'rules', path.basename(file)), fs.readFileSync(file, 'utf8').replace('up{job="shagram"} == 0\n        for: 1m', 'up{job="shagram"} == 0\n        for: 5m'));
    }
    for (const file of ruleTestFiles) fs.copyFileSync(file, path.join(dir, 'tests', path.basename(file)));
    const result = await run('promtool', ['test', 'rules', 'shagram.test.yml'], { cwd: path.join(dir, 'tests'), allowFailure: true });
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/alertname: ShagramDown/);
  });

  it('promtool check config: the rendered Prometheus configuration, with the rules where the container mounts them', async () => {
    const rendered = renderConfig(PROMETHEUS_TEMPLATE, SAMPLE_ENV);
    fs.writeFileSync(rendered, fs.readFileSync(rendered, 'utf8').replace(`${CONTAINER_RULES_DIR}/`, `${RULES_DIR}/`));
    const { stdout } = await run('promtool', ['check', 'config', rendered]);
    expect(stdout).toMatch(/SUCCESS: .* is valid prometheus config file syntax/);
    expect(stdout.match(/SUCCESS: \d+ rules found/g)).toHaveLength(rulesFiles.length);
  });

  it("render-config.sh runs under busybox's sh and awk (the Prometheus and Alertmanager images' only tools)", async () => {
    const dir = tempDir('shagram-busybox-');
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    for (const tool of ['sh', 'awk', 'mv', 'rm', 'echo']) fs.symlinkSync('/usr/bin/busybox', path.join(bin, tool));
    const output = path.join(dir, 'alertmanager.yml');
    const env = { PATH: bin, TELEGRAM_BOT_TOKEN: '1:a"b\\c', TELEGRAM_CHAT_ID: '-100' };
    const { stdout } = await run(path.join(bin, 'sh'), [path.join(MONITORING_DIR, 'render-config.sh'), path.join(MONITORING_DIR, 'alertmanager', 'telegram.yml.template'), output, 'echo', 'started'], { env });
    expect(stdout).toBe('started\n');
    expect(fs.readFileSync(output, 'utf8')).toContain('- bot_token: "1:a\\"b\\\\c"\n        chat_id: -100\n');
    const missing = await run(path.join(bin, 'sh'), [path.join(MONITORING_DIR, 'render-config.sh'), path.join(MONITORING_DIR, 'alertmanager', 'telegram.yml.template'), output], { env: { PATH: bin }, allowFailure: true });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('TELEGRAM_BOT_TOKEN is not set');
  });

  it.each(['telegram', 'email', 'none'])('amtool check-config: the %s receiver', async (receiver) => {
    const rendered = renderConfig(path.join(MONITORING_DIR, 'alertmanager', `${receiver}.yml.template`), SAMPLE_ENV);
    const { stdout } = await run('amtool', ['check-config', rendered]);
    expect(stdout).toMatch(/SUCCESS/);
    expect(stdout).toContain(' - 1 receivers');
  });
});
