import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chatOrigin, composeArgs, extraCaCerts, stackEnvFile, type StackSettings } from './compose-stack';

const settings: StackSettings = {
  project: 'shagramstack1',
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

describe('the container lane stack plan', () => {
  it('sets every variable compose.yaml requires, and no variable it does not read', () => {
    const env = parse(stackEnvFile(settings));
    const compose = fs.readFileSync(path.join(__dirname, '..', 'compose.yaml'), 'utf8');
    const required = [...compose.matchAll(/\$\{(\w+):\?/g)].map((m) => m[1]);
    expect(required.length).toBeGreaterThan(3);
    for (const name of required) expect(env[name as string]).toBeTruthy();
    const read = new Set([...compose.matchAll(/\$\{(\w+)/g)].map((m) => m[1]));
    expect(Object.keys(env).filter((name) => !read.has(name) && !name.startsWith('COMPOSE_'))).toEqual([]);
  });

  it('binds the edge to loopback, points at the stand-ins and allows exactly the test origin', () => {
    const env = parse(stackEnvFile(settings));
    expect(env.HTTP_PORT).toBe('127.0.0.1:40080');
    expect(env.HTTPS_PORT).toBe('127.0.0.1:40443');
    expect([env.NODE_BUILD_IMAGE, env.NODE_RUNTIME_IMAGE, env.NGINX_IMAGE]).toEqual([settings.nodeImage, settings.nodeImage, settings.nginxImage]);
    expect(env.WS_ALLOWED_ORIGINS).toBe(chatOrigin(settings));
    expect(chatOrigin(settings)).toBe('https://chat.shagram.test:40443');
    expect(env.COMPOSE_PROFILES).toBe('');
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
