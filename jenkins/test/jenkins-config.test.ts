import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { parseDotEnv } from '../../test/compose/interpolate';
import { parseMount } from '../../test/compose/semantic-checks';
import { validateComposeFile } from '../../test/compose/validate-compose';
import { literalSecrets, secretVariables } from './secret-scan';

const stackDir = path.join(__dirname, '..');
const read = (file: string) => fs.readFileSync(path.join(stackDir, file), 'utf8');
const casc = YAML.parse(read('casc/jenkins.yaml'));
const composeText = read('compose.yaml');
const report = validateComposeFile(path.join(stackDir, 'compose.yaml'), {
  unpublished: ['agent'],
  noHealthcheck: ['agent-keys'],
  writableBindTargets: ['/var/run/docker.sock'],
});
const services = report.document.services as Record<string, any>;
const credentials: Array<Record<string, any>> = casc.credentials.system.domainCredentials[0].credentials;
const credential = (id: string) => {
  const found = credentials.map((entry) => Object.entries(entry)[0]!).find(([, body]) => body.id === id);
  if (!found) throw new Error(`no credential ${id}`);
  return { kind: found[0], ...found[1] };
};

describe('jenkins/compose.yaml', () => {
  it('validates against the Compose Specification and the shared semantic rules', () => {
    expect(report.schemaErrors).toEqual([]);
    expect(report.semanticErrors).toEqual([]);
    expect(report.missingVariables).toEqual([]);
  });

  it('publishes only the controller UI, on host port 8081', () => {
    expect(services.controller.ports).toEqual(['8081:8080']);
    expect(services.agent.ports).toBeUndefined();
    expect(services['agent-keys'].ports).toBeUndefined();
  });

  it('mounts the Docker socket into the agent only', () => {
    const socketHolders = Object.entries(services)
      .filter(([, service]) => (service.volumes ?? []).map(parseMount).some((mount: any) => mount.source === '/var/run/docker.sock'))
      .map(([name]) => name);
    expect(socketHolders).toEqual(['agent']);
  });

  it('generates the agent keys before controller and agent start, and shares them read-only', () => {
    for (const name of ['controller', 'agent']) {
      expect(services[name].depends_on).toEqual({ 'agent-keys': { condition: 'service_completed_successfully' } });
      const keys = services[name].volumes.map(parseMount).find((mount: any) => mount.target === '/run/agent-keys');
      expect(keys).toMatchObject({ source: 'agent-keys', readOnly: true });
    }
    expect(services['agent-keys'].entrypoint).toEqual(['/usr/local/bin/agent-keygen']);
  });

  it('gives the controller every secret JCasC reads, as files made from .env variables', () => {
    const wanted = secretVariables(read('casc/jenkins.yaml'));
    expect(wanted.length).toBeGreaterThanOrEqual(6);
    expect([...services.controller.secrets].sort()).toEqual(wanted);
    const declared = report.document.secrets as Record<string, { environment: string }>;
    // Multi-line secrets travel as one base64 line (JCasC decodes them); the others as they are.
    const base64 = ['vps_ssh_private_key', 'yc_sa_key_json'];
    for (const name of wanted) expect(declared[name]).toEqual({ environment: name.toUpperCase() + (base64.includes(name) ? '_BASE64' : '') });
    expect(Object.keys(declared).sort()).toEqual(wanted);
    expect(services.agent.secrets).toBeUndefined();
    // Secrets never travel as plain environment of a container.
    for (const service of Object.values(services)) {
      for (const name of wanted) expect(Object.keys(service.environment ?? {})).not.toContain(name.toUpperCase());
    }
  });

  it('documents every variable it reads in .env.example and ignores .env and secrets/', () => {
    const example = parseDotEnv(read('.env.example'));
    const used = new Set([
      ...[...composeText.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((match) => match[1] as string),
      ...[...composeText.matchAll(/^\s+environment: ([A-Z_][A-Z0-9_]*)$/gm)].map((match) => match[1] as string),
    ]);
    expect([...used].sort()).toEqual(Object.keys(example).filter((name) => name !== 'COMPOSE_PROJECT_NAME').sort());
    expect(example.JENKINS_PORT).toBe('8081');
    expect(read('.gitignore')).toMatch(/^\.env$/m);
    expect(literalSecrets(read('.env.example'), { env: true })).toEqual([]);
  });

  it('hands the controller every upper-case variable JCasC reads', () => {
    const jcasc = read('casc/jenkins.yaml').replace(/^\s*#.*$/gm, '');
    const upper = new Set([...jcasc.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((match) => match[1] as string));
    for (const name of upper) expect(Object.keys(services.controller.environment)).toContain(name);
    const groovy = read('jobs/shagram.groovy');
    for (const match of groovy.matchAll(/getenv\('([A-Z_]+)'\)/g)) {
      if (match[1] !== 'GITHUB_BRANCHES') expect(Object.keys(services.controller.environment)).toContain(match[1]);
    }
  });
});

describe('jenkins/casc/jenkins.yaml', () => {
  it('parses and holds the required top-level sections', () => {
    expect(Object.keys(casc).sort()).toEqual(['credentials', 'jenkins', 'jobs', 'security', 'unclassified']);
  });

  it('contains no literal secret: every secret field is a ${...} reference', () => {
    expect(literalSecrets(read('casc/jenkins.yaml'))).toEqual([]);
  });

  it('takes the admin password from a secret and runs no builds on the controller', () => {
    expect(casc.jenkins.numExecutors).toBe(0);
    expect(casc.jenkins.securityRealm.local.allowsSignup).toBe(false);
    expect(casc.jenkins.securityRealm.local.users[0].password).toBe('${jenkins_admin_password}');
    expect(casc.jenkins.authorizationStrategy.loggedInUsersCanDoAnything.allowAnonymousRead).toBe(false);
    expect(casc.jenkins.slaveAgentPort).toBe(-1);
  });

  it('knows its external URL behind the edge', () => {
    expect(casc.unclassified.location.url).toBe('https://${JENKINS_HOST}/');
    expect(casc.unclassified.gitHubPluginConfig.hookUrl).toBe('https://${JENKINS_HOST}/github-webhook/');
  });

  it('verifies the GitHub webhook with the shared secret from a credential', () => {
    const [hookSecret] = casc.unclassified.gitHubPluginConfig.hookSecretConfigs;
    expect(hookSecret.credentialsId).toBe('github-webhook-secret');
    expect(credential('github-webhook-secret')).toMatchObject({ kind: 'string', secret: '${github_webhook_secret}' });
  });

  it('connects the docker-agent over SSH with generated keys and a verified host key', () => {
    const [node] = casc.jenkins.nodes;
    expect(node.permanent).toMatchObject({ name: 'docker-agent', labelString: 'docker-agent', retentionStrategy: 'always' });
    const ssh = node.permanent.launcher.ssh;
    expect(ssh).toMatchObject({ host: 'agent', port: 22, credentialsId: 'docker-agent-ssh' });
    expect(ssh.sshHostKeyVerificationStrategy.manuallyProvidedKeyVerificationStrategy.key).toBe('${readFile:/run/agent-keys/host_ed25519.key}');
    expect(credential('docker-agent-ssh')).toMatchObject({
      kind: 'basicSSHUserPrivateKey',
      username: 'jenkins',
      privateKeySource: { directEntry: { privateKey: '${readFile:/run/agent-keys/controller_ed25519}' } },
    });
  });

  it('defines the deploy credentials the Jenkinsfile uses, all from secrets', () => {
    expect(credential('harbor-robot')).toMatchObject({ kind: 'usernamePassword', username: 'robot$shagram+ci', password: '${harbor_robot_secret}' });
    expect(credential('pulumi-passphrase')).toMatchObject({ kind: 'string', secret: '${pulumi_config_passphrase}' });
    // secretBytes takes base64, which the secret already is; the key is decoded (JCasC's SecretSourceResolver has
    // both `base64` and `decodeBase64`).
    expect(credential('yc-sa-key')).toMatchObject({ kind: 'file', secretBytes: '${yc_sa_key_json}' });
    expect(credential('vps-ssh-key').privateKeySource.directEntry.privateKey).toBe('${decodeBase64:${vps_ssh_private_key}}');
    const jenkinsfile = fs.readFileSync(path.join(stackDir, '..', 'Jenkinsfile'), 'utf8');
    for (const id of [...jenkinsfile.matchAll(/credentialsId: '([^']+)'/g)].map((match) => match[1] as string)) {
      expect(credentials.map((entry) => Object.values(entry)[0].id)).toContain(id);
    }
  });

  it('creates the shagram job from the job DSL file baked into the image', () => {
    expect(casc.jobs).toEqual([{ file: '/usr/share/jenkins/jobs/shagram.groovy' }]);
    expect(read('controller/Dockerfile')).toMatch(/^COPY --chown=jenkins:jenkins jobs\/ \/usr\/share\/jenkins\/jobs\/$/m);
  });
});

describe('jenkins/jobs/shagram.groovy', () => {
  const dsl = read('jobs/shagram.groovy');
  it('is a pipeline job from the repository Jenkinsfile, triggered by GitHub pushes', () => {
    expect(dsl).toMatch(/pipelineJob\('shagram'\)/);
    expect(dsl).toMatch(/pipelineTriggers\s*\{\s*triggers\s*\{\s*githubPush\(\)/);
    expect(dsl).toMatch(/scriptPath\('Jenkinsfile'\)/);
    expect(dsl).toMatch(/disableConcurrentBuilds\(\)/);
  });
  it('balances its braces and parentheses', () => {
    const code = dsl.replace(/\/\/.*$/gm, '').replace(/'[^']*'/g, "''");
    for (const [open, close] of [['{', '}'], ['(', ')']] as const) {
      expect(code.split(open).length).toBe(code.split(close).length);
    }
  });
});
