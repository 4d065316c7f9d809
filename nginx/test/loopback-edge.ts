import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startNginx } from '../../test/system-helpers/nginx';
import { EDGE_ENVSUBST_FILTER, loopbackEdgeEnv, type EdgeEnv } from '../edge-env';
import { renderTemplateDir } from '../render-templates';

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** The nginx.conf a loopback edge runs with: the official image's http block shape, paths under `dir`. Pure. */
export function loopbackNginxConf(dir: string): string {
  return `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log ${dir}/access.log;
    client_body_temp_path ${dir}/tmp/body;
    proxy_temp_path ${dir}/tmp/proxy;
    fastcgi_temp_path ${dir}/tmp/fastcgi;
    uwsgi_temp_path ${dir}/tmp/uwsgi;
    scgi_temp_path ${dir}/tmp/scgi;
    sendfile on;
    keepalive_timeout 65;
    include conf.d/*.conf;
}
`;
}

/** A running loopback edge. */
export interface LoopbackEdge {
  env: EdgeEnv;
  httpPort: number;
  httpsPort: number;
  stop(): Promise<void>;
}

/**
 * Renders nginx/templates with the same substitution the nginx image performs, writes a private
 * nginx.conf under `dir`, checks it with `nginx -t`, and starts Debian's nginx on loopback ports.
 */
export async function startLoopbackEdge(dir: string, upstreams: { app: string; jenkins: string; registry: string }, tlsDir: string): Promise<LoopbackEdge> {
  const httpPort = await freePort();
  const httpsPort = await freePort();
  const webroot = path.join(dir, 'acme');
  const env = loopbackEdgeEnv({ httpPort, httpsPort, ...upstreams, tlsDir, webroot });
  for (const sub of ['tmp', 'conf.d', 'acme/.well-known/acme-challenge']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  fs.chmodSync(dir, 0o755);
  fs.chmodSync(path.join(dir, 'tmp'), 0o777);
  renderTemplateDir(path.join(__dirname, '..', 'templates'), path.join(dir, 'conf.d'), env, EDGE_ENVSUBST_FILTER);
  fs.writeFileSync(path.join(dir, 'nginx.conf'), loopbackNginxConf(dir));
  const nginx = await startNginx(dir, httpsPort);
  return { env, httpPort, httpsPort, stop: () => nginx.stop() };
}
