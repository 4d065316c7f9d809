import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { literalSecrets } from '../../jenkins/test/secret-scan';
import { parseEnvFile } from '../src/env-file';
import { planInstall, type InstallerPin, type InstallState } from '../src/install-plan';
import { HarborInstallError, renderHarborYml, templateVariables } from '../src/render';

const harborDir = path.join(__dirname, '..');
const template = fs.readFileSync(path.join(harborDir, 'harbor.yml.template'), 'utf8');
const env = {
  HARBOR_HOSTNAME: 'registry.example.com',
  HARBOR_EXTERNAL_URL: 'https://registry.example.com',
  HARBOR_HTTP_PORT: '8085',
  HARBOR_DATA_VOLUME: '/opt/shagram/data/harbor',
  HARBOR_ADMIN_PASSWORD: 'Adm1n: "quoted" #not-a-comment',
  HARBOR_DB_PASSWORD: "Db-pass'word9",
};

describe('harbor.yml.template', () => {
  it('parses, and contains no literal secret', () => {
    expect(() => YAML.parse(template)).not.toThrow();
    expect(literalSecrets(template)).toEqual([]);
  });

  it('reads exactly the variables the harbor stack .env (and .env.example) provides', () => {
    expect(templateVariables(template)).toEqual(Object.keys(env).sort());
    const example = parseEnvFile(fs.readFileSync(path.join(harborDir, '.env.example'), 'utf8'));
    for (const name of templateVariables(template)) expect(example).toHaveProperty(name);
    expect(example.HARBOR_HTTP_PORT).toBe('8085');
    expect(literalSecrets(fs.readFileSync(path.join(harborDir, '.env.example'), 'utf8'), { env: true })).toEqual([]);
  });

  it('renders the keys Harbor requires, port 8085 behind the TLS edge, passwords intact', () => {
    const rendered = YAML.parse(renderHarborYml(template, env));
    for (const key of ['hostname', 'http', 'external_url', 'harbor_admin_password', 'database', 'data_volume', 'jobservice', 'notification', 'log', '_version']) {
      expect(rendered).toHaveProperty(key);
    }
    expect(rendered.hostname).toBe('registry.example.com');
    expect(rendered.http).toEqual({ port: 8085 });
    expect(rendered.https).toBeUndefined();
    expect(rendered.external_url).toBe('https://registry.example.com');
    expect(rendered.harbor_admin_password).toBe(env.HARBOR_ADMIN_PASSWORD);
    expect(rendered.database.password).toBe(env.HARBOR_DB_PASSWORD);
    expect(rendered.data_volume).toBe('/opt/shagram/data/harbor');
    expect(rendered.database.max_open_conns).toBe(100);
  });

  it('names every missing or empty variable', () => {
    const { HARBOR_DB_PASSWORD: _db, ...partial } = env;
    expect(() => renderHarborYml(template, { ...partial, HARBOR_HOSTNAME: '' })).toThrow(new HarborInstallError('set HARBOR_DB_PASSWORD, HARBOR_HOSTNAME in .env'));
  });
});

describe('.env parsing', () => {
  it('reads plain, double-quoted (multi-line, escapes) and single-quoted values, skipping comments', () => {
    const text = '# c\nA=1\nB="two words"\nC=\'robot$x+y\'\nD="line1\\nline2"\nE="x\ny"\nF=v # trailing\nexport G=g\n';
    expect(parseEnvFile(text)).toEqual({ A: '1', B: 'two words', C: 'robot$x+y', D: 'line1\nline2', E: 'x\ny', F: 'v', G: 'g' });
  });
});

describe('install plan', () => {
  const dir = '/opt/shagram/stacks/harbor';
  const pin: InstallerPin = { version: 'v2.13.2', url: 'https://example.test/harbor.tgz', sha256: 'a'.repeat(64) };
  const base: InstallState = { tarballPresent: false, composePresent: false, configChanged: true, compose: ['docker', 'compose'] };
  const tarball = `${dir}/harbor-offline-installer-v2.13.2.tgz`;
  const fresh = [
    { kind: 'download', url: pin.url, file: tarball },
    { kind: 'verify', file: tarball, sha256: pin.sha256 },
    { kind: 'extract', file: tarball, dir },
    { kind: 'write', file: `${dir}/harbor.yml`, mode: 0o600 },
    { kind: 'run', command: './install.sh', args: [], cwd: dir },
    { kind: 'mark', file: `${dir}/.installed-version`, content: 'v2.13.2\n' },
    { kind: 'remove', file: tarball },
  ];

  it('installs from scratch: download, verify, unpack into the stack folder, render, install.sh, record', () => {
    expect(planInstall(dir, pin, base)).toEqual(fresh);
  });
  it('reuses a tarball left by an interrupted run but still verifies it', () => {
    expect(planInstall(dir, pin, { ...base, tarballPresent: true })).toEqual(fresh.slice(1));
  });
  it('upgrades when another version is installed', () => {
    expect(planInstall(dir, pin, { ...base, installedVersion: 'v2.12.0', composePresent: true, configChanged: false })).toEqual(fresh);
  });
  it('reinstalls when the generated compose file is gone', () => {
    expect(planInstall(dir, pin, { ...base, installedVersion: 'v2.13.2', composePresent: false })).toEqual(fresh);
  });
  it('same version, changed settings: rewrite harbor.yml, prepare, compose up', () => {
    expect(planInstall(dir, pin, { ...base, installedVersion: 'v2.13.2', composePresent: true, configChanged: true })).toEqual([
      { kind: 'write', file: `${dir}/harbor.yml`, mode: 0o600 },
      { kind: 'run', command: './prepare', args: [], cwd: dir },
      { kind: 'run', command: 'docker', args: ['compose', 'up', '-d', '--remove-orphans'], cwd: dir },
    ]);
  });
  it('same version, same settings: only compose up (docker-compose when that is what the host has)', () => {
    expect(planInstall(dir, pin, { ...base, installedVersion: 'v2.13.2', composePresent: true, configChanged: false, compose: ['docker-compose'] })).toEqual([
      { kind: 'run', command: 'docker-compose', args: ['up', '-d', '--remove-orphans'], cwd: dir },
    ]);
  });
});
