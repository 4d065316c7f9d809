import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDotEnv } from '../../test/compose/interpolate';
import { parseMount } from '../../test/compose/semantic-checks';
import { validateComposeFile } from '../../test/compose/validate-compose';
import { EDGE_ENVSUBST_FILTER, EDGE_VARIABLES, ENTRYPOINT_VARIABLES, OPTIONAL_VARIABLES } from '../edge-env';

const stackDir = path.join(__dirname, '..');
const composeFile = path.join(stackDir, 'compose.yaml');
const report = validateComposeFile(composeFile);
type Service = Record<string, any>;
const services = report.document.services as Record<string, Service>;
const example = parseDotEnv(fs.readFileSync(path.join(stackDir, '.env.example'), 'utf8'));

function mountOf(service: Service, target: string) {
  const found = (service.volumes as unknown[]).map(parseMount).find((mount) => mount.target === target);
  if (!found) throw new Error(`no mount at ${target}`);
  return found;
}

describe('nginx/compose.yaml (the edge stack)', () => {
  it('validates against the Compose Specification and the semantic rules', () => {
    expect(report.schemaErrors).toEqual([]);
    expect(report.semanticErrors).toEqual([]);
    expect(report.missingVariables).toEqual([]);
  });

  it('documents every variable it reads in .env.example, and nothing else', () => {
    const text = fs.readFileSync(composeFile, 'utf8');
    const used = new Set([...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((match) => match[1] as string));
    const builtIn = ['COMPOSE_PROJECT_NAME', 'COMPOSE_PROFILES'];
    expect([...used].sort()).toEqual(Object.keys(example).filter((name) => !builtIn.includes(name)).sort());
    const exampleText = fs.readFileSync(path.join(stackDir, '.env.example'), 'utf8');
    for (const name of Object.keys(example)) expect(exampleText).toMatch(new RegExp(`# .*\\n(#.*\\n)*([A-Z_]+=.*\\n)*${name}=`));
  });

  it('keeps secrets out of .env.example and .env out of git', () => {
    expect(Object.keys(example).filter((name) => /SECRET|PASSWORD|TOKEN/.test(name))).toEqual([]);
    expect(fs.readFileSync(path.join(stackDir, '.gitignore'), 'utf8')).toMatch(/^\.env$/m);
  });

  it('is the edge alone: nginx and certbot, project "edge", no dependency on the app', () => {
    expect(Object.keys(services).sort()).toEqual(['certbot', 'nginx']);
    expect(example.COMPOSE_PROJECT_NAME).toBe('edge');
    expect(JSON.stringify(report.document)).not.toMatch(/app-data|APP_IMAGE|JWT_SECRET/);
    expect(Object.keys(report.document.volumes as object).sort()).toEqual(['acme-webroot', 'letsencrypt', 'tls']);
    // Nothing to wait for: the edge is deployed first, before the registry and before any app image exists.
    expect(services.nginx?.depends_on).toBeUndefined();
  });

  it('creates the network "shagram-edge" (fixed name) and puts nginx on it alone; the app is reached there by its alias', () => {
    const { nginx } = services as { nginx: Service };
    expect(report.document.networks).toEqual({ edge: { name: 'shagram-edge' } });
    // One network only: the resolver is the first nameserver of /etc/resolv.conf, which must be this network's DNS.
    expect(nginx.networks).toEqual(['edge']);
    expect(nginx.ports).toEqual(['80:80', '443:443']);
    expect(nginx.extra_hosts).toEqual(['host.docker.internal:host-gateway']);
    expect(nginx.environment.EDGE_APP_UPSTREAM).toBe('shagram-app:8080');
    expect(nginx.environment.EDGE_JENKINS_UPSTREAM).toBe('host.docker.internal:8081');
    expect(nginx.environment.EDGE_REGISTRY_UPSTREAM).toBe('host.docker.internal:8085');
  });

  it('gives the nginx image every template variable and a filter that selects exactly them', () => {
    const environment = services.nginx?.environment as Record<string, string>;
    for (const name of Object.keys(EDGE_VARIABLES)) {
      if (ENTRYPOINT_VARIABLES.includes(name as keyof typeof EDGE_VARIABLES)) expect(environment[name]).toBeUndefined();
      else if (OPTIONAL_VARIABLES.includes(name as keyof typeof EDGE_VARIABLES)) expect(environment[name]).toBeDefined();
      else expect(environment[name]).toBeTruthy();
    }
    expect(environment.NGINX_ENVSUBST_FILTER).toBe(EDGE_ENVSUBST_FILTER);
    // EDGE_RESOLVER comes from our entrypoint script, mounted where the image's entrypoint sources *.envsh.
    expect(mountOf(services.nginx as Service, '/docker-entrypoint.d/16-shagram-edge-resolver.envsh')).toMatchObject({
      source: './entrypoint.d/16-shagram-edge-resolver.envsh',
      readOnly: true,
    });
    expect(mountOf(services.nginx as Service, '/etc/nginx/templates')).toMatchObject({ source: './templates', readOnly: true });
  });

  it("wires Let's Encrypt: shared webroot, certificate handed to the edge, renewal loop, reload watcher", () => {
    const { nginx, certbot } = services as { nginx: Service; certbot: Service };
    expect(certbot.profiles).toEqual(['letsencrypt']);
    expect(certbot.restart).toBe('unless-stopped');
    // The challenge files certbot writes are the ones nginx serves.
    const webroot = nginx.environment.EDGE_ACME_WEBROOT;
    expect(mountOf(nginx, webroot).source).toBe(mountOf(certbot, webroot).source);
    expect(mountOf(nginx, webroot).readOnly).toBe(true);
    // The deploy hook writes into the folder nginx reads its certificate from.
    const tlsFolder = path.posix.dirname(nginx.environment.EDGE_TLS_CERT);
    expect(path.posix.dirname(nginx.environment.EDGE_TLS_KEY)).toBe(tlsFolder);
    expect(mountOf(certbot, certbot.environment.TLS_OUT_DIR).source).toBe(mountOf(nginx, tlsFolder).source);
    expect(mountOf(certbot, '/etc/letsencrypt').type).toBe('volume');
    // The loop obtains/renews through the webroot for all three names and runs the deploy hook.
    expect(certbot.entrypoint).toEqual(['/bin/sh', '/shagram/certbot-loop.sh']);
    const loop = fs.readFileSync(path.join(stackDir, 'certbot', 'certbot-loop.sh'), 'utf8');
    expect(loop).toContain('certbot certonly --webroot --webroot-path "$webroot"');
    expect(loop).toContain('webroot="${CERTBOT_WEBROOT:-/var/www/certbot}"');
    expect(loop).toContain('config_dir="${CERTBOT_CONFIG_DIR:-/etc/letsencrypt}"');
    expect(webroot).toBe('/var/www/certbot');
    for (const host of ['CHAT_HOST', 'JENKINS_HOST', 'REGISTRY_HOST']) expect(loop).toContain(`-d "$${host}"`);
    expect(loop).toContain('--keep-until-expiring');
    // the hook sits beside the loop: both are in ./certbot, mounted at /shagram
    expect(loop).toContain('hook="$(dirname "$0")/deploy-hook.sh"');
    expect(mountOf(certbot, '/shagram').source).toBe('./certbot');
    expect(loop).toContain('next="${CERTBOT_RENEW_INTERVAL:-12h}"');
    expect(loop).toContain('next="${CERTBOT_RETRY_INTERVAL:-60s}"');
    // nginx starts with a placeholder certificate and reloads when the files change.
    for (const script of ['25-shagram-optional-servers.sh', '30-shagram-tls-bootstrap.sh', '40-shagram-tls-reload.sh']) {
      const mount = mountOf(nginx, `/docker-entrypoint.d/${script}`);
      expect(mount.readOnly).toBe(true);
      const file = path.join(stackDir, mount.source as string);
      expect(fs.statSync(file).mode & 0o111).not.toBe(0); // the image's entrypoint skips non-executable hooks
    }
    expect(fs.readFileSync(path.join(stackDir, 'entrypoint.d', '40-shagram-tls-reload.sh'), 'utf8')).toMatch(/nginx -t -q[\s\S]*nginx -s reload/);
  });

  it('has shell hooks that parse', () => {
    for (const file of ['entrypoint.d/25-shagram-optional-servers.sh', 'entrypoint.d/30-shagram-tls-bootstrap.sh', 'entrypoint.d/40-shagram-tls-reload.sh', 'certbot/certbot-loop.sh', 'certbot/deploy-hook.sh']) {
      expect(() => execFileSync('sh', ['-n', path.join(stackDir, file)])).not.toThrow();
    }
  });
});

describe('certbot deploy hook', () => {
  const hook = path.join(stackDir, 'certbot', 'deploy-hook.sh');
  const runHook = (lineage: string, out: string) =>
    execFileSync('sh', [hook], { env: { PATH: process.env.PATH, RENEWED_LINEAGE: lineage, TLS_OUT_DIR: out }, encoding: 'utf8' });

  it('installs changed certificates (key private) and does nothing when they are unchanged', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-hook-'));
    const lineage = path.join(dir, 'live');
    const out = path.join(dir, 'tls');
    fs.mkdirSync(lineage);
    fs.writeFileSync(path.join(lineage, 'fullchain.pem'), 'CHAIN 1');
    fs.writeFileSync(path.join(lineage, 'privkey.pem'), 'KEY 1');
    expect(runHook(lineage, out)).toMatch(/installed/);
    expect(fs.readFileSync(path.join(out, 'fullchain.pem'), 'utf8')).toBe('CHAIN 1');
    expect(fs.statSync(path.join(out, 'privkey.pem')).mode & 0o077).toBe(0);
    expect(runHook(lineage, out)).toBe('');
    fs.writeFileSync(path.join(lineage, 'fullchain.pem'), 'CHAIN 2');
    expect(runHook(lineage, out)).toMatch(/installed/);
    expect(fs.readFileSync(path.join(out, 'fullchain.pem'), 'utf8')).toBe('CHAIN 2');
    expect(fs.readdirSync(out).sort()).toEqual(['fullchain.pem', 'privkey.pem']);
    fs.rmSync(dir, { recursive: true });
  });

  it('fails with one line when the lineage is incomplete', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-hook-'));
    expect(() => execFileSync('sh', [hook], { env: { PATH: process.env.PATH, RENEWED_LINEAGE: dir, TLS_OUT_DIR: dir }, stdio: 'pipe' })).toThrow(/fullchain\.pem is missing/);
    fs.rmSync(dir, { recursive: true });
  });
});
