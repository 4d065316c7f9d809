import fs from 'node:fs';
import path from 'node:path';
import { privateNginxConf, startNginx } from '../../../test/system-helpers/nginx';

/**
 * The nginx configuration of the scale-out lane: one plain-HTTP loopback listener in front of an
 * upstream with every replica, WebSocket upgrades passed through (the same `map` as the TLS
 * edge in nginx/templates), and a failed replica skipped at once (`max_fails=1`), so clients
 * of a dead replica reconnect to a live one. Pure.
 */
export function replicaEdgeConf(dir: string, listenPort: number, replicaPorts: readonly number[]): string {
  const servers = replicaPorts.map((port) => `        server 127.0.0.1:${port} max_fails=1 fail_timeout=30s;`).join('\n');
  return privateNginxConf(
    dir,
    `    map $http_upgrade $connection_upgrade {
        default upgrade;
        ''      close;
    }
    upstream shagram {
${servers}
    }
    server {
        listen 127.0.0.1:${listenPort};
        location / {
            proxy_pass http://shagram;
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_next_upstream error timeout http_502 http_503;
            proxy_connect_timeout 2s;
            proxy_read_timeout 3600s;
            # Which replica took the request (tests read it from the 101 response).
            add_header X-Upstream $upstream_addr always;
        }
    }`,
  );
}

/** A running replica edge. */
export interface ReplicaEdge {
  port: number;
  stop(): Promise<void>;
}

/** Writes {@link replicaEdgeConf} under `dir`, checks it with `nginx -t` and starts Debian's nginx on `port`. */
export async function startReplicaEdge(dir: string, port: number, replicaPorts: readonly number[]): Promise<ReplicaEdge> {
  fs.writeFileSync(path.join(dir, 'nginx.conf'), replicaEdgeConf(dir, port, replicaPorts));
  const nginx = await startNginx(dir, port);
  return { port, stop: () => nginx.stop() };
}
