import fs from 'node:fs';
import path from 'node:path';
import { parseDotEnv } from '../../test/compose/interpolate';
import { parseMount } from '../../test/compose/semantic-checks';
import { LISTEN_BACKLOG } from '../../app/src/server';
import { validateComposeFile } from '../../test/compose/validate-compose';

const stackDir = path.join(__dirname, '..');
const composeFile = path.join(stackDir, 'compose.yaml');
const report = validateComposeFile(composeFile, { unpublished: ['app'] });
type Service = Record<string, any>;
const services = report.document.services as Record<string, Service>;
const app = services.app as Service;
const exampleText = fs.readFileSync(path.join(stackDir, '.env.example'), 'utf8');
const example = parseDotEnv(exampleText);
const edgeDir = path.join(stackDir, '..', 'nginx');
const edge = validateComposeFile(path.join(edgeDir, 'compose.yaml'));
const edgeExample = parseDotEnv(fs.readFileSync(path.join(edgeDir, '.env.example'), 'utf8'));

describe('chat/compose.yaml (the shagram stack)', () => {
  it('validates against the Compose Specification and the semantic rules', () => {
    expect(report.schemaErrors).toEqual([]);
    expect(report.semanticErrors).toEqual([]);
    expect(report.missingVariables).toEqual([]);
  });

  it('documents every variable it reads in .env.example, and nothing else', () => {
    const text = fs.readFileSync(composeFile, 'utf8');
    const used = new Set([...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((match) => match[1] as string));
    expect([...used].sort()).toEqual(Object.keys(example).filter((name) => name !== 'COMPOSE_PROJECT_NAME').sort());
    for (const name of Object.keys(example)) expect(exampleText).toMatch(new RegExp(`# .*\\n(#.*\\n)*([A-Z_]+=.*\\n)*${name}=`));
  });

  it('keeps the project name "shagram" (its volume shagram_app-data holds the chat history) and secrets out of git', () => {
    expect(example.COMPOSE_PROJECT_NAME).toBe('shagram');
    expect(Object.keys(report.document.volumes as object)).toEqual(['app-data']);
    expect(example.JWT_SECRET).toMatch(/change-me/);
    expect(fs.readFileSync(path.join(stackDir, '.gitignore'), 'utf8')).toMatch(/^\.env$/m);
  });

  it('is the app alone: private, in a named volume, read-only, built from app/Dockerfile', () => {
    expect(Object.keys(services)).toEqual(['app']);
    expect(app.ports).toBeUndefined();
    expect(app.expose).toEqual(['8080']);
    expect(parseMount(app.volumes[0])).toMatchObject({ source: 'app-data', target: '/app/data', type: 'volume' });
    expect(app.read_only).toBe(true);
    expect(app.init).toBe(true);
    expect(app.cap_drop).toEqual(['ALL']);
    expect(app.environment).toMatchObject({ NODE_ENV: 'production', PORT: '8080', DATABASE_PATH: '/app/data/shagram.db', TRUST_PROXY: '1' });
    expect(app.image).toBe(example.APP_IMAGE);
    expect(app.build).toMatchObject({ context: '..', dockerfile: 'app/Dockerfile' });
    expect(fs.existsSync(path.join(stackDir, app.build.context, app.build.dockerfile))).toBe(true);
    expect(app.healthcheck.test.join(' ')).toContain('/healthz');
  });

  it('lets the app hold its sized connections: open-files limit (soft = hard) far above WS_MAX_CONNECTIONS', () => {
    expect(app.ulimits).toEqual({ nofile: { soft: '65536', hard: '65536' }, nproc: 4096 }); // CONTAINER_NOFILE's default, interpolated (Compose converts it)
    // the default, as the validated document has it interpolated (`${WS_MAX_CONNECTIONS:-…}`)
    const maxConnections = Number(/(\d+)\}?$/.exec(String(app.environment.WS_MAX_CONNECTIONS))?.[1]);
    expect(maxConnections).toBeGreaterThan(0);
    // one file per WebSocket, plus the database, the log and the listening socket
    expect(Number(app.ulimits.nofile.soft)).toBeGreaterThanOrEqual(maxConnections + 1024);
    // the sized 15,000 users per process (docs/bench.md#sizing) fit too, should WS_MAX_CONNECTIONS be raised to them
    expect(Number(app.ulimits.nofile.soft)).toBeGreaterThanOrEqual(15000 + 1024);
  });

  it('lets a reconnect storm queue: the container\'s own somaxconn (not the host\'s) admits the app\'s listen backlog', () => {
    expect(app.sysctls).toEqual({ 'net.core.somaxconn': 8192 });
    expect(LISTEN_BACKLOG).toBeLessThanOrEqual(Number(app.sysctls['net.core.somaxconn']));
    expect(LISTEN_BACKLOG).toBeGreaterThan(4096); // above the kernel's default, or the sysctl would not matter
  });

  it('joins the edge stack\'s network (external, "shagram-edge") under the name the edge proxies to', () => {
    expect(report.document.networks).toEqual({ edge: { external: true, name: 'shagram-edge' } });
    expect(app.networks).toEqual({ edge: { aliases: ['shagram-app'] } });
    // The same network the edge creates, under the same variable (both .env files name it the same).
    const edgeNetworks = edge.document.networks as Record<string, { name: string }>;
    expect(edgeNetworks.edge?.name).toBe('shagram-edge');
    expect(example.EDGE_NETWORK).toBe(edgeExample.EDGE_NETWORK);
    const raw = (file: string) => fs.readFileSync(file, 'utf8').match(/name: (\$\{EDGE_NETWORK[^}]*\})/)?.[1];
    expect(raw(composeFile)).toBe('${EDGE_NETWORK:-shagram-edge}');
    expect(raw(path.join(edgeDir, 'compose.yaml'))).toBe(raw(composeFile));
    // The edge's upstream is this alias on the app's port.
    const edgeNginx = (edge.document.services as Record<string, Service>).nginx as Service;
    expect(edgeNginx.environment.EDGE_APP_UPSTREAM).toBe(`${app.networks.edge.aliases[0]}:${app.environment.PORT}`);
    // The browser origin the app allows is the edge's chat name.
    expect(example.WS_ALLOWED_ORIGINS).toBe(`https://${edgeExample.CHAT_HOST}`);
  });
});
