import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';

/** The monitoring/ folder. */
export const MONITORING_DIR = path.join(__dirname, '..');
export const RULES_DIR = path.join(MONITORING_DIR, 'prometheus', 'rules');
export const RULE_TESTS_DIR = path.join(MONITORING_DIR, 'prometheus', 'tests');
export const PROMETHEUS_TEMPLATE = path.join(MONITORING_DIR, 'prometheus', 'prometheus.yml.template');
export const RENDER_SCRIPT = path.join(MONITORING_DIR, 'render-config.sh');
/** Where compose.yaml mounts the rules folder in the Prometheus container (the template's rule_files). */
export const CONTAINER_RULES_DIR = '/etc/prometheus/rules';

/** One alerting rule of a rules file. */
export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Full paths of the files in `dir` whose names end with `suffix`, sorted. */
export function filesIn(dir: string, suffix: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith(suffix))
    .sort()
    .map((name) => path.join(dir, name));
}

/** Every alerting rule of monitoring/prometheus/rules/*.yml. */
export function alertRules(): AlertRule[] {
  return filesIn(RULES_DIR, '.yml').flatMap((file) => {
    const doc = YAML.parse(fs.readFileSync(file, 'utf8')) as { groups: Array<{ rules: AlertRule[] }> };
    return doc.groups.flatMap((group) => group.rules);
  });
}

/** The sample environment the stack's .env.example gives, plus receiver settings, for rendering templates. */
export const SAMPLE_ENV: Record<string, string> = {
  SHAGRAM_APP_TARGET: 'shagram-app:8080',
  CHAT_HOST: 'chat.example.com',
  JENKINS_HOST: 'jenkins.example.com',
  REGISTRY_HOST: 'registry.example.com',
  TELEGRAM_BOT_TOKEN: '123456789:AAE-sample_token',
  TELEGRAM_CHAT_ID: '-1001234567890',
  SMTP_SMARTHOST: 'smtp.example.com:587',
  SMTP_FROM: 'alerts@example.com',
  SMTP_USERNAME: 'alerts@example.com',
  SMTP_PASSWORD: 'p"a\\ss',
  ALERT_EMAIL_TO: 'ops@example.com',
};

const tempDirs: string[] = [];

/** A fresh temp folder, removed by {@link removeTempDirs}. */
export function tempDir(prefix = 'shagram-monitoring-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Removes every folder {@link tempDir} made (for an afterAll). */
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Runs render-config.sh (with POSIX sh, as the containers do) on `template` with exactly `env` (and PATH), into a
 * fresh temp file; returns its path. Throws with the script's message when it fails.
 */
export function renderConfig(template: string, env: Record<string, string>, dir = tempDir()): string {
  const output = path.join(dir, path.basename(template).replace(/\.template$/, ''));
  execFileSync('sh', [RENDER_SCRIPT, template, output], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return output;
}
