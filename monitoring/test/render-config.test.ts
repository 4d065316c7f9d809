import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { MONITORING_DIR, PROMETHEUS_TEMPLATE, removeTempDirs, renderConfig, SAMPLE_ENV, tempDir } from './monitoring-files';

const alertmanagerTemplate = (receiver: string) => path.join(MONITORING_DIR, 'alertmanager', `${receiver}.yml.template`);

/** Runs the script expecting it to fail; returns its message after checking it left no file behind. */
function renderError(template: string, env: Record<string, string>): string {
  const dir = tempDir();
  try {
    renderConfig(template, env, dir);
  } catch (error) {
    expect(fs.readdirSync(dir)).toEqual([]);
    return String((error as { stderr?: Buffer }).stderr ?? error);
  }
  throw new Error('render-config.sh succeeded');
}

afterAll(removeTempDirs);

describe('render-config.sh (the Prometheus and Alertmanager entrypoint)', () => {
  it('fills the Telegram receiver from the environment; the chat id stays a number', () => {
    const doc = YAML.parse(fs.readFileSync(renderConfig(alertmanagerTemplate('telegram'), SAMPLE_ENV), 'utf8'));
    expect(doc.route.receiver).toBe('operators');
    expect(doc.receivers).toEqual([
      { name: 'operators', telegram_configs: [{ bot_token: '123456789:AAE-sample_token', chat_id: -1001234567890, send_resolved: true, parse_mode: 'HTML' }] },
    ]);
  });

  it('fills the e-mail receiver, with quotes and backslashes of a password kept as they are', () => {
    const doc = YAML.parse(fs.readFileSync(renderConfig(alertmanagerTemplate('email'), SAMPLE_ENV), 'utf8'));
    expect(doc.global).toMatchObject({ smtp_smarthost: 'smtp.example.com:587', smtp_auth_password: 'p"a\\ss', smtp_require_tls: true });
    expect(doc.receivers[0].email_configs[0].to).toBe('ops@example.com');
  });

  it('renders the receiver-less configuration with no settings at all (ALERT_RECEIVER=none)', () => {
    const doc = YAML.parse(fs.readFileSync(renderConfig(alertmanagerTemplate('none'), {}), 'utf8'));
    expect(doc.route.receiver).toBe('nobody');
    expect(doc.receivers).toEqual([{ name: 'nobody' }]);
  });

  it('has one template per documented receiver, and compose picks it by ALERT_RECEIVER', () => {
    expect(fs.readdirSync(path.join(MONITORING_DIR, 'alertmanager')).sort()).toEqual(['email.yml.template', 'none.yml.template', 'telegram.yml.template']);
    const compose = YAML.parse(fs.readFileSync(path.join(MONITORING_DIR, 'compose.yaml'), 'utf8'));
    expect(compose.services.alertmanager.command[0]).toBe('/etc/shagram/alertmanager/${ALERT_RECEIVER:-telegram}.yml.template');
    expect(compose.services.alertmanager.volumes).toContain('./alertmanager:/etc/shagram/alertmanager:ro');
  });

  it('refuses to render when a variable is unset or empty, naming it, and leaves no output', () => {
    const { TELEGRAM_CHAT_ID: _unset, ...withoutChat } = SAMPLE_ENV;
    expect(renderError(alertmanagerTemplate('telegram'), withoutChat)).toMatch(/TELEGRAM_CHAT_ID is not set/);
    expect(renderError(alertmanagerTemplate('email'), { ...SAMPLE_ENV, SMTP_PASSWORD: '' })).toMatch(/SMTP_PASSWORD is not set/);
  });

  it('renders the Prometheus configuration with the app target and one certificate probe per public name', () => {
    const doc = YAML.parse(fs.readFileSync(renderConfig(PROMETHEUS_TEMPLATE, SAMPLE_ENV), 'utf8'));
    const job = (name: string) => doc.scrape_configs.find((c: { job_name: string }) => c.job_name === name);
    expect(job('shagram').static_configs[0].targets).toEqual(['shagram-app:8080']);
    expect(job('shagram-ready').static_configs[0].targets).toEqual(['http://shagram-app:8080/readyz']);
    expect(job('tls').static_configs[0].targets).toEqual(['chat.example.com:443', 'jenkins.example.com:443', 'registry.example.com:443']);
    expect(doc.rule_files).toEqual(['/etc/prometheus/rules/*.yml']);
    expect(doc.alerting.alertmanagers[0].static_configs[0].targets).toEqual(['alertmanager:9093']);
  });

  it('runs the command after it (exec), so the server is the container process', () => {
    const dir = tempDir();
    const out = execFileSync('sh', [path.join(MONITORING_DIR, 'render-config.sh'), alertmanagerTemplate('telegram'), path.join(dir, 'am.yml'), 'sh', '-c', 'echo "$0 ran"', 'server'], {
      env: { PATH: process.env.PATH ?? '', ...SAMPLE_ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out.toString()).toBe('server ran\n');
  });
});
