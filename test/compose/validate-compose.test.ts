import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { interpolate, parseDotEnv } from './interpolate';
import { semanticProblems } from './semantic-checks';
import { schemaErrors, validateComposeFile } from './validate-compose';

const good = {
  services: {
    app: {
      image: 'x',
      restart: 'unless-stopped',
      environment: { JWT_SECRET: '${JWT_SECRET:?}' },
      volumes: ['data:/data'],
      healthcheck: { test: ['CMD', 'true'] },
    },
    edge: {
      image: 'y',
      restart: 'always',
      ports: ['80:80'],
      depends_on: { app: { condition: 'service_healthy' } },
      volumes: ['./conf:/etc/conf:ro'],
      healthcheck: { test: ['CMD', 'true'] },
    },
  },
  volumes: { data: {} },
};
const clone = () => JSON.parse(JSON.stringify(good)) as any;

describe('interpolate', () => {
  it.each([
    ['${A}', { A: '1' }, '1'],
    ['${A:-d}', {}, 'd'],
    ['${A:-d}', { A: '' }, 'd'],
    ['${A-d}', { A: '' }, ''],
    ['${A:+x}', { A: '1' }, 'x'],
    ['${A+x}', {}, ''],
    ['$A/$$B', { A: 'a' }, 'a/$B'],
    ['host:${H:-host-gateway}', {}, 'host:host-gateway'],
  ])('%s with %j gives %s', (text, env, expected) => {
    expect(interpolate(text, env).value).toBe(expected);
  });

  it('reports required variables that are missing or empty', () => {
    expect(interpolate('${A:?need A}${B?need B}${C:?x}', { C: '' }).missing).toEqual(['A', 'B', 'C']);
    expect(interpolate('${A:?need A}', { A: 'v' })).toEqual({ value: 'v', missing: [] });
  });

  it('parses .env files', () => {
    expect(parseDotEnv('# c\nA=1\n export B="two words"\nC=\nbad line\n')).toEqual({ A: '1', B: 'two words', C: '' });
  });
});

describe('schema', () => {
  it('accepts a valid document', () => {
    expect(schemaErrors(good)).toEqual([]);
  });

  it('rejects unknown service keys and wrong types', () => {
    const doc = clone();
    doc.services.app.restart_policy = 'always';
    doc.services.edge.ports = 'not-a-list';
    const errors = schemaErrors(doc);
    expect(errors.some((line) => line.includes('/services/app') && line.includes('additional'))).toBe(true);
    expect(errors.some((line) => line.includes('/services/edge/ports'))).toBe(true);
  });
});

describe('semantic checks', () => {
  const check = (doc: Record<string, any>, options = {}) => semanticProblems(doc, doc, options);

  it('finds nothing wrong with a good document', () => {
    expect(check(good, { unpublished: ['app'] })).toEqual([]);
  });

  it.each<[string, (doc: Record<string, any>) => void, RegExp]>([
    ['missing healthcheck', (d) => delete d.services.app.healthcheck, /services\.app: no healthcheck/],
    ['disabled healthcheck', (d) => (d.services.app.healthcheck = { test: ['NONE'] }), /services\.app: no healthcheck/],
    ['missing restart', (d) => delete d.services.edge.restart, /services\.edge: no restart policy/],
    ['restart: no', (d) => (d.services.edge.restart = 'no'), /services\.edge: no restart policy/],
    ['published app port', (d) => (d.services.app.ports = ['8080:8080']), /services\.app: publishes ports/],
    ['literal secret', (d) => (d.services.app.environment.JWT_SECRET = 'hunter2hunter2'), /JWT_SECRET: literal secret/],
    ['literal secret in list form', (d) => (d.services.app.environment = ['DB_PASSWORD=x${Y}']), /DB_PASSWORD: literal secret/],
    ['secret build arg', (d) => (d.services.app.build = { context: '.', args: { NPM_TOKEN: 'abc' } }), /NPM_TOKEN: secrets must not be build arguments/],
    ['undeclared volume', (d) => (d.volumes = {}), /volume "data" is not declared/],
    ['undeclared network (list form)', (d) => (d.services.edge.networks = ['default', 'front']), /services\.edge: network "front" is not declared/],
    ['undeclared network (map form)', (d) => (d.services.app.networks = { back: { aliases: ['a'] } }), /services\.app: network "back" is not declared/],
    ['anonymous volume', (d) => d.services.app.volumes.push('/cache'), /anonymous volume at \/cache/],
    ['writable bind mount', (d) => (d.services.edge.volumes = ['./state:/state']), /writable bind mount \.\/state:\/state/],
    ['healthy wait on a service without healthcheck', (d) => {
      delete d.services.app.healthcheck;
    }, /depends_on\.app: waits for service_healthy but app has no healthcheck/],
    ['no services', (d) => (d.services = {}), /no services defined/],
  ])('reports %s', (_name, mutate, expected) => {
    const doc = clone();
    mutate(doc);
    expect(check(doc, { unpublished: ['app'] }).join('\n')).toMatch(expected);
  });

  it('accepts declared networks and the default one', () => {
    const doc = clone();
    doc.networks = { front: { name: 'shared-front' }, back: { external: true, name: 'x' } };
    doc.services.edge.networks = ['default', 'front'];
    doc.services.app.networks = { back: { aliases: ['app-alias'] } };
    expect(check(doc, { unpublished: ['app'] })).toEqual([]);
  });

  it('honours the exemptions', () => {
    const doc = clone();
    delete doc.services.app.healthcheck;
    doc.services.edge.volumes = ['/var/run/docker.sock:/var/run/docker.sock'];
    doc.services.edge.depends_on = {};
    expect(check(doc, { noHealthcheck: ['app'], writableBindTargets: ['/var/run/docker.sock'] })).toEqual([]);
  });

  it('accepts secrets that come from variables and deploy restart policies', () => {
    const doc = clone();
    doc.services.app.environment = { API_TOKEN: '${API_TOKEN}', PASSWORD_FILE_MODE: '' };
    delete doc.services.app.restart;
    doc.services.app.deploy = { restart_policy: { condition: 'on-failure' } };
    expect(check(doc)).toEqual([]);
  });
});

describe('validateComposeFile', () => {
  it('reads a file, interpolates it with the neighbouring .env.example and reports missing variables', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-'));
    const file = path.join(dir, 'compose.yaml');
    fs.writeFileSync(file, 'services:\n  a:\n    image: ${IMG:?}\n    restart: always\n    ports: ["${PORT:-80}:80"]\n    healthcheck: {test: [CMD, "true"]}\n');
    expect(validateComposeFile(file).missingVariables).toEqual(['IMG']);
    fs.writeFileSync(path.join(dir, '.env.example'), 'IMG=nginx\nPORT=8443\n');
    const report = validateComposeFile(file, { unpublished: ['a'] });
    expect(report.missingVariables).toEqual([]);
    expect(report.schemaErrors).toEqual([]);
    expect(report.semanticErrors).toEqual(['services.a: publishes ports ["8443:80"] but must only be reachable inside the stack']);
    fs.rmSync(dir, { recursive: true });
  });
});
