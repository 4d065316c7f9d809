import fs from 'node:fs';
import path from 'node:path';

const jenkinsDir = path.join(__dirname, '..');
const lines = fs
  .readFileSync(path.join(jenkinsDir, 'plugins.txt'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));

describe('jenkins/plugins.txt', () => {
  it('pins every plugin as name:version (no latest, no ranges, no URLs)', () => {
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^[a-z0-9][a-z0-9_-]*:[0-9][0-9A-Za-z._-]*$/);
    expect(lines.join('\n')).not.toMatch(/:latest|:experimental|https?:/);
  });

  it('lists each plugin once', () => {
    const names = lines.map((line) => line.split(':')[0]);
    expect(new Set(names).size).toBe(names.length);
  });

  it('has the plugins the configuration needs', () => {
    const names = lines.map((line) => line.split(':')[0]);
    for (const needed of ['configuration-as-code', 'job-dsl', 'workflow-aggregator', 'git', 'github', 'ssh-slaves', 'credentials-binding', 'plain-credentials', 'ssh-credentials', 'timestamper', 'ws-cleanup']) {
      expect(names).toContain(needed);
    }
  });

  it('is installed by jenkins-plugin-cli in the controller image, on an LTS base', () => {
    const dockerfile = fs.readFileSync(path.join(jenkinsDir, 'controller', 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^RUN jenkins-plugin-cli --plugin-file \/usr\/share\/jenkins\/ref\/plugins\.txt$/m);
    expect(dockerfile).toMatch(/^ARG JENKINS_IMAGE=jenkins\/jenkins:[0-9.]+-lts-jdk\d+$/m);
    expect(dockerfile).toMatch(/runSetupWizard=false/);
  });
});
