import fs from 'node:fs';
import path from 'node:path';
import { privateNginxConf, startNginx } from '../../test/system-helpers/nginx';
import { EDGE_ENVSUBST_FILTER, loopbackEdgeEnv, type EdgeEnv } from '../edge-env';
import { renderTemplateDir } from '../render-templates';
import { freePort } from '../../test/system-helpers/ports';

/** The nginx.conf a loopback edge runs with: the official image's http block shape, paths under `dir`. Pure. */
export function loopbackNginxConf(dir: string): string {
  return privateNginxConf(
    dir,
    `    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    keepalive_timeout 65;
    include conf.d/*.conf;`,
    256,
  );
}

/** A running loopback edge. */
export interface LoopbackEdge {
  env: EdgeEnv;
  httpPort: number;
  httpsPort: number;
  /** The access log every server writes (the templates' format). */
  accessLog: string;
  stop(): Promise<void>;
}

/**
 * Renders nginx/templates with the same substitution the nginx image performs, writes a private
 * nginx.conf under `dir`, checks it with `nginx -t`, and starts Debian's nginx on loopback ports.
 */
export async function startLoopbackEdge(
  dir: string,
  upstreams: { app: string; jenkins: string; registry: string; grafana?: string },
  tlsDir: string,
): Promise<LoopbackEdge> {
  const httpPort = await freePort();
  const httpsPort = await freePort();
  const webroot = path.join(dir, 'acme');
  const accessLog = path.join(dir, 'access.log');
  // With a Grafana upstream, the optional Grafana server is rendered for grafana.shagram.test (GRAFANA_HOST).
  const hosts = upstreams.grafana ? { chat: 'chat.shagram.test', jenkins: 'jenkins.shagram.test', registry: 'registry.shagram.test', grafana: 'grafana.shagram.test' } : undefined;
  const env = loopbackEdgeEnv({ httpPort, httpsPort, ...upstreams, tlsDir, webroot, accessLog, hosts });
  for (const sub of ['conf.d', 'acme/.well-known/acme-challenge']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  renderTemplateDir(path.join(__dirname, '..', 'templates'), path.join(dir, 'conf.d'), env, EDGE_ENVSUBST_FILTER);
  fs.writeFileSync(path.join(dir, 'nginx.conf'), loopbackNginxConf(dir));
  const nginx = await startNginx(dir, httpsPort);
  return { env, httpPort, httpsPort, accessLog, stop: () => nginx.stop() };
}
