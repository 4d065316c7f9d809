import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STACK_DIRS, chatOrigin, composeArgs, extraCaCerts, stackEnvFile, stackNames, type StackPart, type StackSettings } from './compose-stack';

const repo = path.join(__dirname, '..', '..');
const settings: StackSettings = {
  ...stackNames('shagramstack1'),
  appImage: 'localhost/shagram/shagram:stack-test',
  nodeImage: 'localhost/shagram-standin/node:20-bookworm-slim',
  nginxImage: 'localhost/shagram-standin/nginx:bookworm',
  chatHost: 'chat.shagram.test',
  jenkinsHost: 'jenkins.shagram.test',
  registryHost: 'registry.shagram.test',
  httpPort: 40080,
  httpsPort: 40443,
  tlsDir: '/tmp/x/tls',
  jwtSecret: 's'.repeat(64),
  hostGateway: '10.88.0.1',
};

const parse = (text: string) => Object.fromEntries(text.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
const PARTS: StackPart[] = ['edge', 'shagram'];

describe('the container lane stack plan', () => {
  it('names two projects and one network per run, from a prefix compose v1 keeps as it is', () => {
    expect(stackNames('run42')).toEqual({ projects: { edge: 'run42edge', shagram: 'run42shagram' }, edgeNetwork: 'run42-edge' });
    expect(() => stackNames('Run-42')).toThrow('stack name prefix "Run-42": use lower-case letters and digits only');
    expect(STACK_DIRS).toEqual({ edge: 'nginx', shagram: 'chat' });
  });

  it.each(PARTS)('%s: sets every variable its compose.yaml requires, and no variable it does not read', (part) => {
    const env = parse(stackEnvFile(part, settings));
    const compose = fs.readFileSync(path.join(repo, STACK_DIRS[part], 'compose.yaml'), 'utf8');
    const required = [...compose.matchAll(/\$\{(\w+):\?/g)].map((m) => m[1]);
    expect(required.length).toBeGreaterThan(1);
    for (const name of required) expect(env[name as string]).toBeTruthy();
    const read = new Set([...compose.matchAll(/\$\{(\w+)/g)].map((m) => m[1]));
    expect(Object.keys(env).filter((name) => !read.has(name) && !name.startsWith('COMPOSE_'))).toEqual([]);
    expect(env.COMPOSE_PROJECT_NAME).toBe(settings.projects[part]);
    // Both stacks name the same network: the edge creates it, the app joins it.
    expect(env.EDGE_NETWORK).toBe('shagramstack1-edge');
  });

  it('binds the edge to loopback, points at the stand-ins and allows exactly the test origin', () => {
    const edge = parse(stackEnvFile('edge', settings));
    const app = parse(stackEnvFile('shagram', settings));
    expect(edge.HTTP_PORT).toBe('127.0.0.1:40080');
    expect(edge.HTTPS_PORT).toBe('127.0.0.1:40443');
    expect([app.NODE_BUILD_IMAGE, app.NODE_RUNTIME_IMAGE, edge.NGINX_IMAGE]).toEqual([settings.nodeImage, settings.nodeImage, settings.nginxImage]);
    expect(app.WS_ALLOWED_ORIGINS).toBe(chatOrigin(settings));
    expect(chatOrigin(settings)).toBe('https://chat.shagram.test:40443');
    expect(edge.COMPOSE_PROFILES).toBe('');
  });

  it('plans docker-compose arguments with the env file and project first', () => {
    expect(composeArgs('/r/nginx/compose.yaml', '/t/.env', 'p1', ['up', '-d'])).toEqual(['--env-file', '/t/.env', '-f', '/r/nginx/compose.yaml', '-p', 'p1', 'up', '-d']);
  });

  it('concatenates the extra CA certificates in name order, and gives "" without any', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-ca-'));
    try {
      expect(extraCaCerts(path.join(dir, 'missing'))).toBe('');
      fs.writeFileSync(path.join(dir, 'b.crt'), 'B\n');
      fs.writeFileSync(path.join(dir, 'a.crt'), 'A\n');
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
      expect(extraCaCerts(dir)).toBe('A\nB');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
