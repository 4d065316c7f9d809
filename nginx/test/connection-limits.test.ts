// The edge must not be what caps the chat's users: nginx holds two connections (two files) per proxied
// WebSocket, so its main configuration and the container's open-files limit are sized for the users one app
// process is sized for (docs/bench.md#sizing).
import fs from 'node:fs';
import path from 'node:path';
import { parseMount } from '../../test/compose/semantic-checks';
import { validateComposeFile } from '../../test/compose/validate-compose';

/** Users one app process is sized for. */
const SIZED_USERS = 15000;
const stackDir = path.join(__dirname, '..');
const conf = fs.readFileSync(path.join(stackDir, 'nginx.conf'), 'utf8');
const nginx = (validateComposeFile(path.join(stackDir, 'compose.yaml')).document.services as Record<string, any>).nginx;

/** The value of a directive (comments stripped), as a number. */
function directive(name: string): number {
  const code = conf.replace(/#.*$/gm, '');
  const found = new RegExp(`(?:^|[;{\\s])${name}\\s+(\\d+)\\s*;`).exec(code);
  if (!found) throw new Error(`no ${name} in nginx.conf`);
  return Number(found[1]);
}

test('one worker alone can carry every sized user (client + upstream connection each)', () => {
  expect(directive('worker_connections')).toBeGreaterThanOrEqual(2 * SIZED_USERS);
  // each connection is a file; a worker also holds logs, the listening sockets and temporary files
  expect(directive('worker_rlimit_nofile')).toBeGreaterThanOrEqual(directive('worker_connections') + 1024);
});

test('the container lets nginx have those files, and runs with this nginx.conf', () => {
  expect(nginx.ulimits.nofile.soft).toBe(nginx.ulimits.nofile.hard);
  expect(Number(nginx.ulimits.nofile.hard)).toBeGreaterThanOrEqual(directive('worker_rlimit_nofile'));
  const mount = (nginx.volumes as unknown[]).map(parseMount).find((m) => m.target === '/etc/nginx/nginx.conf');
  expect(mount).toMatchObject({ source: './nginx.conf', readOnly: true });
});

test('nginx.conf is still the image\'s shape: the templates rendered into conf.d are included, no query strings logged', () => {
  expect(conf).toMatch(/^\s*include \/etc\/nginx\/conf\.d\/\*\.conf;/m);
  expect(conf).toMatch(/^\s*include\s+\/etc\/nginx\/mime\.types;/m);
  expect(conf).toMatch(/^\s*access_log\s+off;/m);
  expect(conf.replace(/#.*$/gm, '')).not.toMatch(/\$request\b|\$args|\$query_string/);
});

test('a reconnect storm is not dropped at the edge: listen backlog 8192 once per port, and the namespace allows it', () => {
  // nginx's listen `backlog` defaults to 511 on Linux, and the kernel caps it at the container's own somaxconn (the
  // network namespace starts at the kernel default, 4096, whatever the host's sysctl.d says).
  const templates = fs.readdirSync(path.join(stackDir, 'templates')).filter((f) => f.endsWith('.template'));
  const listens = templates.flatMap((file) =>
    fs
      .readFileSync(path.join(stackDir, 'templates', file), 'utf8')
      .replace(/#.*$/gm, '')
      .split('\n')
      .map((line) => /^\s*listen\s+(\S+)([^;]*);/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ port: m[1]!, backlog: /\bbacklog=(\d+)/.exec(m[2]!)?.[1] })),
  );
  // socket options may be given only once per address:port (nginx refuses "duplicate listen options" otherwise)
  for (const port of ['${EDGE_HTTP_PORT}', '${EDGE_HTTPS_PORT}']) {
    expect(listens.filter((l) => l.port === port && l.backlog !== undefined).map((l) => Number(l.backlog))).toEqual([8192]);
  }
  expect(nginx.sysctls).toEqual({ 'net.core.somaxconn': 8192, 'net.ipv4.ip_local_port_range': '10000 65535' });
  // a port per upstream WebSocket from this namespace to the app
  const [low, high] = String(nginx.sysctls['net.ipv4.ip_local_port_range']).split(/\s+/).map(Number) as [number, number];
  expect(high - low + 1).toBeGreaterThanOrEqual(2 * SIZED_USERS);
});
