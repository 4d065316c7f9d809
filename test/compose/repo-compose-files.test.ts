import fs from 'node:fs';
import path from 'node:path';
import { validateComposeFile, type ValidateOptions } from './validate-compose';

const repo = path.join(__dirname, '..', '..');

/**
 * Every compose file of the repository (test fixtures and stand-ins aside) and the exemptions its stack needs. A new compose
 * file fails the first test until it is listed here, so none escapes the schema and the semantic rules.
 */
const COMPOSE_FILES: Record<string, ValidateOptions> = {
  // The edge stack, deployed first: nginx + certbot.
  'nginx/compose.yaml': {},
  // The shagram stack: the app, reachable only through the edge.
  'chat/compose.yaml': { unpublished: ['app'] },
  'jenkins/compose.yaml': { unpublished: ['agent'], noHealthcheck: ['agent-keys'], writableBindTargets: ['/var/run/docker.sock'] },
  // The monitoring stack: nothing published (Grafana only through the edge).
  'monitoring/compose.yaml': { unpublished: ['prometheus', 'alertmanager', 'grafana', 'node-exporter', 'cadvisor', 'blackbox'] },
};

const COMPOSE_NAME = /^(docker-)?compose\.ya?ml$/;
// fixtures and test/system-helpers/standin hold test stand-ins, not stacks of the product
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'fixtures', 'standin', 'test-results', 'dist', '.stacks-tmp']);

/** Repository-relative paths of the compose files under `dir`, test fixtures and installed packages aside. */
function composeFilesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : composeFilesUnder(full);
    return entry.isFile() && COMPOSE_NAME.test(entry.name) ? [path.relative(repo, full).split(path.sep).join('/')] : [];
  });
}

describe('every compose file in the repository', () => {
  it('is listed here (so it is validated below)', () => {
    expect(composeFilesUnder(repo).sort()).toEqual(Object.keys(COMPOSE_FILES).sort());
  });

  it.each(Object.entries(COMPOSE_FILES))('%s validates (schema, semantics, its .env.example sets every required variable)', (file, options) => {
    const report = validateComposeFile(path.join(repo, file), options);
    expect(report.schemaErrors).toEqual([]);
    expect(report.semanticErrors).toEqual([]);
    expect(report.missingVariables).toEqual([]);
  });
});
