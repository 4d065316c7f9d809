import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EDGE_ENVSUBST_FILTER, EDGE_VARIABLES, loopbackEdgeEnv } from '../edge-env';
import { listTemplates, renderTemplate, renderTemplateDir, templateRequires, templateVariables } from '../render-templates';

const templateDir = path.join(__dirname, '..', 'templates');
const env = loopbackEdgeEnv({
  httpPort: 8080, httpsPort: 8443, app: '127.0.0.1:3000', jenkins: '127.0.0.1:3001', registry: '127.0.0.1:3002',
  tlsDir: '/tls', webroot: '/acme',
});
const rendered = Object.fromEntries(
  listTemplates(templateDir).map((name) => [name.replace(/\.template$/, ''), renderTemplate(fs.readFileSync(path.join(templateDir, name), 'utf8'), env, EDGE_ENVSUBST_FILTER)]),
);
const all = Object.values(rendered).join('\n');

/** The text of the `location <spec> { … }` block (no nested braces in our templates). */
function location(text: string, spec: string): string {
  const start = text.indexOf(`location ${spec} {`);
  if (start < 0) throw new Error(`no location ${spec}`);
  return text.slice(start, text.indexOf('}', start));
}

/** The text of the server block whose server_name is `name`. */
function server(text: string, name: string): string {
  const blocks = text.split(/^server \{/m).slice(1);
  const found = blocks.find((block) => new RegExp(`server_name ${name.replace(/\./g, '\\.')};`).test(block));
  if (!found) throw new Error(`no server ${name}`);
  return found;
}

describe('renderTemplate (envsubst semantics)', () => {
  it('replaces only defined variables that pass the filter, in both $X and ${X} forms', () => {
    expect(renderTemplate('${A} $A ${B} $host ${EDGE_X}', { A: '1', EDGE_X: 'x', host: 'h' }, '^(A|EDGE_)')).toBe('1 1 ${B} $host x');
    expect(renderTemplate('$host', { host: 'h' })).toBe('h');
  });

  it('lists the upper-case variables of a template', () => {
    expect(templateVariables('${B} $host ${A} ${B}')).toEqual(['A', 'B']);
  });
});

describe('edge templates', () => {
  it('use exactly the documented variables, all of them selected by the envsubst filter', () => {
    const used = [...new Set(Object.keys(rendered).flatMap((name) => templateVariables(fs.readFileSync(path.join(templateDir, `${name}.template`), 'utf8'))))].sort();
    expect(used).toEqual(Object.keys(EDGE_VARIABLES).sort());
    for (const name of used) expect(new RegExp(EDGE_ENVSUBST_FILTER).test(name)).toBe(true);
    expect(all).not.toMatch(/\$\{[A-Z_]+\}/);
  });

  it('keep nginx variables intact', () => {
    expect(all).toContain('return 301 https://$host$request_uri;');
    expect(all).toContain('proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;');
  });

  it('configure TLS 1.2/1.3 only with forward-secret AEAD ciphers, no tickets, no server tokens', () => {
    const http = rendered['shagram-http.conf'] as string;
    expect(http).toMatch(/^ssl_protocols TLSv1\.2 TLSv1\.3;$/m);
    const ciphers = /^ssl_ciphers (.+);$/m.exec(http)?.[1]?.split(':') ?? [];
    expect(ciphers.length).toBeGreaterThan(3);
    for (const cipher of ciphers) expect(cipher).toMatch(/^ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$/);
    expect(http).toMatch(/^ssl_session_tickets off;$/m);
    expect(http).toMatch(/^server_tokens off;$/m);
    expect(http).toContain('ssl_certificate     /tls/fullchain.pem;');
    expect(http).toContain('ssl_certificate_key /tls/privkey.pem;');
  });

  it('map the WebSocket upgrade and rate-limit the auth API', () => {
    const http = rendered['shagram-http.conf'] as string;
    expect(http).toMatch(/map \$http_upgrade \$connection_upgrade \{\s+default upgrade;\s+''\s+'';\s+\}/);
    expect(http).toMatch(/limit_req_zone \$binary_remote_addr zone=shagram_auth:10m rate=\d+r\/m;/);
  });

  it('send the chat through a variable resolved at run time (a recreated app container is followed)', () => {
    const http = rendered['shagram-http.conf'] as string;
    expect(http).toMatch(/^resolver 127\.0\.0\.1 valid=10s;$/m);
    expect(http).not.toMatch(/^upstream /m);
    const toApp = rendered[path.join('snippets', 'proxy-to-app.inc')] as string;
    expect(toApp).toContain('set $shagram_app http://127.0.0.1:3000;');
    expect(toApp).toMatch(/^proxy_pass \$shagram_app;$/m);
    const withResolver = renderTemplate(fs.readFileSync(path.join(templateDir, 'shagram-http.conf.template'), 'utf8'), { ...env, EDGE_RESOLVER: '127.0.0.11' }, EDGE_ENVSUBST_FILTER);
    expect(withResolver).toMatch(/^resolver 127\.0\.0\.11 valid=10s;$/m);
  });

  it('redirect HTTP to HTTPS except for ACME challenges', () => {
    const port80 = rendered['default.conf'] as string;
    expect(port80).toContain('listen 127.0.0.1:8080 default_server backlog=8192;');
    expect(location(port80, '^~ /.well-known/acme-challenge/')).toContain('root /acme;');
    expect(location(port80, '/')).toContain('return 301 https://$host$request_uri;');
    expect(location(port80, '= /nginx-health')).toMatch(/allow 127\.0\.0\.1;[\s\S]*deny all;/);
    expect(port80).toMatch(/listen 127\.0\.0\.1:8443 ssl http2 default_server backlog=8192;\s+server_name _;\s+ssl_reject_handshake on;/);
  });

  it('serve the chat with the proxy headers, a long /ws/ timeout, the auth limit and no /metrics', () => {
    const chat = server(rendered['chat.conf'] as string, 'chat.shagram.test');
    expect(chat).toContain('listen 127.0.0.1:8443 ssl http2;');
    expect(chat).toContain('include conf.d/snippets/security-headers.inc;');
    expect(chat).toMatch(/client_max_body_size \d+k;/);
    const ws = location(chat, '^~ /ws/');
    expect(ws).toContain('include conf.d/snippets/proxy-to-app.inc;');
    expect(ws).toContain('proxy_read_timeout 1h;');
    expect(location(chat, '~* ^/api/auth/')).toMatch(/limit_req zone=shagram_auth burst=\d+ nodelay;/);
    expect(location(chat, '~* ^/metrics')).toContain('return 403;');
    // Case-sensitive prefix locations for these paths would let /METRICS or /API/AUTH/ past the edge.
    expect(chat).not.toMatch(/location (\^~ |= )?\/(metrics|api\/auth)/);
    expect(location(chat, '/')).toContain('include conf.d/snippets/proxy-to-app.inc;');
  });

  it('send X-Forwarded-*, X-Real-IP and the upgrade headers from one snippet, and set the security headers', () => {
    const proxy = rendered[path.join('snippets', 'proxy-headers.inc')] as string;
    for (const header of ['X-Real-IP $remote_addr', 'X-Forwarded-For $proxy_add_x_forwarded_for', 'X-Forwarded-Proto $scheme', 'X-Forwarded-Host $host', 'Upgrade $http_upgrade', 'Connection $connection_upgrade']) {
      expect(proxy).toContain(`proxy_set_header ${header};`);
    }
    expect(proxy).toContain('proxy_http_version 1.1;');
    const headers = rendered[path.join('snippets', 'security-headers.inc')] as string;
    expect(headers).toMatch(/add_header Strict-Transport-Security "max-age=(\d+)" always;/);
    expect(Number(/max-age=(\d+)/.exec(headers)?.[1])).toBeGreaterThanOrEqual(31536000);
    expect(headers).toContain('add_header X-Content-Type-Options "nosniff" always;');
  });

  it('proxy Jenkins (with the GitHub webhook) and Harbor (unlimited streamed uploads, long timeouts)', () => {
    const jenkins = server(rendered['jenkins.conf'] as string, 'jenkins.shagram.test');
    expect(location(jenkins, '/')).toContain('proxy_pass http://127.0.0.1:3001;');
    expect(location(jenkins, '= /github-webhook/')).toContain('proxy_pass http://127.0.0.1:3001;');
    const registry = server(rendered['registry.conf'] as string, 'registry.shagram.test');
    expect(registry).toContain('client_max_body_size 0;');
    const root = location(registry, '/');
    expect(root).toContain('proxy_pass http://127.0.0.1:3002;');
    expect(root).toContain('proxy_request_buffering off;');
    expect(Number(/proxy_read_timeout (\d+)s;/.exec(root)?.[1])).toBeGreaterThanOrEqual(600);
    for (const block of [jenkins, registry]) expect(block).toContain('include conf.d/snippets/security-headers.inc;');
  });

  it('log every server with a format that holds no query string, so no access token reaches a log', () => {
    const http = rendered['00-shagram-log.conf'] as string;
    // Defined before the first server that uses it (nginx reads conf.d/*.conf in name order).
    expect(Object.keys(rendered).filter((name) => !name.includes(path.sep)).sort()[0]).toBe('00-shagram-log.conf');
    const format = /^log_format shagram_edge ([\s\S]+?);$/m.exec(http)?.[1] ?? '';
    expect(format).toContain('$request_method $shagram_log_path $server_protocol');
    expect(format).toContain('$status');
    for (const leaky of ['$request ', '$request"', '$request_uri', '$args', '$query_string', '$arg_', '$http_referer', '$uri']) expect(format).not.toContain(leaky);
    expect(http).toMatch(/map \$request_uri \$shagram_log_path \{\s+"~\^\(\?<shagram_path>\[\^\?\]\*\)"\s+\$shagram_path;/);
    expect(rendered[path.join('snippets', 'access-log.inc')]).toMatch(/^access_log \/dev\/stdout shagram_edge;$/m);
    const servers = all.split(/^server \{/m).slice(1);
    expect(servers.length).toBeGreaterThanOrEqual(5);
    for (const block of servers) expect(block).toContain('include conf.d/snippets/access-log.inc;');
    expect(all.match(/^\s*access_log /gm)).toHaveLength(2); // the snippet and the health check's "off"
  });

  it('include only files that the templates produce', () => {
    const produced = new Set(Object.keys(rendered).map((name) => path.join('conf.d', name)));
    for (const match of all.matchAll(/include (\S+);/g)) expect(produced.has(match[1] as string)).toBe(true);
  });
});

describe('the optional Grafana server (GRAFANA_HOST)', () => {
  const grafanaEnv = loopbackEdgeEnv({
    httpPort: 8080, httpsPort: 8443, app: '127.0.0.1:3000', jenkins: '127.0.0.1:3001', registry: '127.0.0.1:3002', grafana: '127.0.0.1:3003',
    tlsDir: '/tls', webroot: '/acme',
    hosts: { chat: 'chat.shagram.test', jenkins: 'jenkins.shagram.test', registry: 'registry.shagram.test', grafana: 'grafana.shagram.test' },
  });
  const made: string[] = [];
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shagram-edge-conf-'));
    made.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  });
  const renderInto = (renderEnv: Record<string, string>) => {
    const dir = tempDir();
    renderTemplateDir(templateDir, dir, renderEnv, EDGE_ENVSUBST_FILTER);
    return dir;
  };
  const confFiles = (dir: string) => fs.readdirSync(dir).filter((name) => name.endsWith('.conf')).sort();

  it('is the only template that requires a variable', () => {
    const requiring = listTemplates(templateDir).filter((name) => templateRequires(fs.readFileSync(path.join(templateDir, name), 'utf8')).length > 0);
    expect(requiring).toEqual(['grafana.conf.template']);
    expect(templateRequires(fs.readFileSync(path.join(templateDir, 'grafana.conf.template'), 'utf8'))).toEqual(['GRAFANA_HOST']);
  });

  it('is rendered only when GRAFANA_HOST is set', () => {
    expect(env.GRAFANA_HOST).toBe('');
    expect(confFiles(renderInto(env))).not.toContain('grafana.conf');
    expect(confFiles(renderInto(grafanaEnv))).toContain('grafana.conf');
    expect(confFiles(renderInto(grafanaEnv)).filter((name) => name !== 'grafana.conf')).toEqual(confFiles(renderInto(env)));
  });

  it('proxies its name to Grafana through a variable (resolved per request), with the headers and the access log, and refuses /metrics', () => {
    const text = fs.readFileSync(path.join(renderInto(grafanaEnv), 'grafana.conf'), 'utf8');
    const grafana = server(text, 'grafana.shagram.test');
    expect(grafana).toContain('listen 127.0.0.1:8443 ssl http2;');
    expect(grafana).toContain('include conf.d/snippets/security-headers.inc;');
    expect(grafana).toContain('include conf.d/snippets/access-log.inc;');
    const root = location(grafana, '/');
    expect(root).toContain('include conf.d/snippets/proxy-headers.inc;');
    expect(root).toContain('set $shagram_grafana http://127.0.0.1:3003;');
    expect(root).toMatch(/proxy_pass \$shagram_grafana;/);
    expect(location(grafana, '~* ^/metrics')).toContain('return 403;');
    expect(grafana).not.toMatch(/location (\^~ |= )?\/metrics/);
    expect(text).not.toMatch(/\$\{[A-Z_]+\}/);
  });

  it('is removed in the container after rendering when GRAFANA_HOST is empty (entrypoint.d/25-shagram-optional-servers.sh), like renderTemplateDir', () => {
    const hook = path.join(__dirname, '..', 'entrypoint.d', '25-shagram-optional-servers.sh');
    expect(fs.statSync(hook).mode & 0o111).not.toBe(0);
    for (const [renderEnv, grafanaHost] of [[env, ''], [grafanaEnv, 'grafana.shagram.test']] as const) {
      // The image renders every template; the hook then removes what is not enabled.
      const dir = tempDir();
      for (const name of listTemplates(templateDir)) {
        const output = path.join(dir, name.replace(/\.template$/, ''));
        fs.mkdirSync(path.dirname(output), { recursive: true });
        fs.writeFileSync(output, renderTemplate(fs.readFileSync(path.join(templateDir, name), 'utf8'), renderEnv, EDGE_ENVSUBST_FILTER));
      }
      expect(confFiles(dir)).toContain('grafana.conf');
      execFileSync('sh', [hook], { env: { PATH: process.env.PATH ?? '', NGINX_ENVSUBST_OUTPUT_DIR: dir, GRAFANA_HOST: grafanaHost }, stdio: ['ignore', 'pipe', 'pipe'] });
      expect(confFiles(dir)).toEqual(confFiles(renderInto(renderEnv)));
    }
  });
});
