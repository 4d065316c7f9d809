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
