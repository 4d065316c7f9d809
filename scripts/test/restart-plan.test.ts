import { ScriptError } from '../lib/cli';
import { chooseCompose, locateStack, selectStacks, type ComposeCli } from '../src/ops/compose';
import { formatRestartPlan, logsCommand, parseRestartArgs, planRestart, type RestartOptions } from '../src/restart-plan';

const PLUGIN: ComposeCli = chooseCompose({ plugin: true, standalone: true });
const STANDALONE: ComposeCli = chooseCompose({ plugin: false, standalone: true });
const ROOT = '/opt/shagram/stacks';
const locations = [
  locateStack(ROOT, 'harbor', ['docker-compose.yml', 'harbor.yml', 'common']),
  locateStack(ROOT, 'jenkins', ['compose.yaml', '.env']),
  locateStack(ROOT, 'shagram', ['compose.yaml', 'templates', '.env']),
];

function options(argv: string[]): RestartOptions {
  const parsed = parseRestartArgs(argv);
  if (parsed === 'help') throw new Error('unexpected help');
  return parsed;
}

describe('parseRestartArgs', () => {
  test('defaults: every stack in dependency order, pull on, 300 s, the host stacks root', () => {
    expect(options([])).toEqual({ stacksRoot: ROOT, stacks: ['edge', 'harbor', 'jenkins', 'shagram', 'monitoring'], pull: true, dryRun: false, timeoutSeconds: 300 });
  });
  test('--only keeps dependency order whatever the argument order; repeat and comma forms', () => {
    expect(options(['--only', 'shagram', '--only', 'harbor']).stacks).toEqual(['harbor', 'shagram']);
    expect(options(['--only=shagram,jenkins']).stacks).toEqual(['jenkins', 'shagram']);
  });
  test('flags', () => {
    expect(options(['--no-pull', '--dry-run', '--timeout', '45', '--stacks-root', '/tmp/s'])).toEqual({
      stacksRoot: '/tmp/s', stacks: ['edge', 'harbor', 'jenkins', 'shagram', 'monitoring'], pull: false, dryRun: true, timeoutSeconds: 45,
    });
    expect(parseRestartArgs(['--dry-run', '--help'])).toBe('help');
    expect(parseRestartArgs(['-h'])).toBe('help');
  });
  test.each([
    [['--only', 'redis'], 'unknown stack "redis" for --only (stacks: edge, harbor, jenkins, shagram, monitoring)'],
    [['--only'], '--only needs a value'],
    [['--only', '--dry-run'], '--only needs a value'],
    [['--timeout', 'soon'], '--timeout must be a whole number, not "soon"'],
    [['--timeout', '0'], '--timeout must be at least 1 second'],
    [['--force'], 'unknown option --force (see --help)'],
    [['shagram'], 'unexpected argument "shagram" (see --help)'],
    [['--no-pull=yes'], '--no-pull takes no value'],
  ])('%j fails with one line', (argv, message) => {
    expect(() => parseRestartArgs(argv)).toThrow(new ScriptError(message));
  });
});

describe('compose selection and stack folders', () => {
  test('the plugin is preferred; docker-compose is the fallback; neither is an error', () => {
    expect(PLUGIN.argv).toEqual(['docker', 'compose']);
    expect(STANDALONE.argv).toEqual(['docker-compose']);
    expect(STANDALONE.reason).toMatch(/fallback/);
    expect(chooseCompose({ plugin: true, standalone: false }).argv).toEqual(['docker', 'compose']);
    expect(() => chooseCompose({ plugin: false, standalone: false })).toThrow(/neither `docker compose` nor `docker-compose`/);
  });
  test("compose files are found in Compose's order of preference", () => {
    expect(locateStack(ROOT, 'harbor', ['docker-compose.yaml', 'docker-compose.yml']).file).toBe('docker-compose.yml');
    expect(locateStack(ROOT, 'shagram', ['docker-compose.yml', 'compose.yml', 'compose.yaml']).file).toBe('compose.yaml');
    expect(locateStack(ROOT, 'jenkins', ['compose.yml'])).toEqual({ stack: 'jenkins', dir: `${ROOT}/jenkins`, file: 'compose.yml' });
  });
  test('a missing folder or compose file is one readable line', () => {
    expect(() => locateStack(ROOT, 'harbor', undefined)).toThrow('harbor: stack folder /opt/shagram/stacks/harbor does not exist');
    expect(() => locateStack(ROOT, 'jenkins', ['.env'])).toThrow(
      'jenkins: no compose file in /opt/shagram/stacks/jenkins (looked for compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml)',
    );
  });
  test('selectStacks with nothing selected is every stack', () => {
    expect(selectStacks([])).toEqual(['edge', 'harbor', 'jenkins', 'shagram', 'monitoring']);
  });
});

describe('planRestart', () => {
  test('per stack, in order: pull, up -d --force-recreate --remove-orphans, wait; each in its folder with its compose file', () => {
    const plans = planRestart(options([]), PLUGIN, locations);
    expect(plans.map((plan) => plan.location.stack)).toEqual(['harbor', 'jenkins', 'shagram']);
    expect(plans[0]!.steps).toEqual([
      { kind: 'pull', command: { argv: ['docker', 'compose', '-f', 'docker-compose.yml', 'pull', '--ignore-pull-failures'], cwd: `${ROOT}/harbor` } },
      { kind: 'up', command: { argv: ['docker', 'compose', '-f', 'docker-compose.yml', 'up', '-d', '--force-recreate', '--remove-orphans'], cwd: `${ROOT}/harbor` } },
      { kind: 'wait', timeoutSeconds: 300, ps: { argv: ['docker', 'compose', '-f', 'docker-compose.yml', 'ps', '-a', '-q'], cwd: `${ROOT}/harbor` } },
    ]);
  });
  test('--no-pull drops pull; the fallback CLI changes only the prefix', () => {
    const plans = planRestart(options(['--no-pull', '--timeout', '30']), STANDALONE, locations.slice(2));
    expect(plans).toHaveLength(1);
    expect(plans[0]!.steps.map((step) => step.kind)).toEqual(['up', 'wait']);
    expect(plans[0]!.steps[0]).toEqual({ kind: 'up', command: { argv: ['docker-compose', '-f', 'compose.yaml', 'up', '-d', '--force-recreate', '--remove-orphans'], cwd: `${ROOT}/shagram` } });
    expect(plans[0]!.steps[1]).toMatchObject({ kind: 'wait', timeoutSeconds: 30 });
  });
  test('--dry-run prints the exact commands, in order', () => {
    const text = formatRestartPlan(planRestart(options(['--only', 'jenkins,shagram']), STANDALONE, locations.slice(1)), STANDALONE);
    expect(text).toBe(
      [
        '# compose: docker-compose (fallback: the docker compose plugin is not installed)',
        '# jenkins',
        'cd /opt/shagram/stacks/jenkins && docker-compose -f compose.yaml pull --ignore-pull-failures',
        'cd /opt/shagram/stacks/jenkins && docker-compose -f compose.yaml up -d --force-recreate --remove-orphans',
        '# wait up to 300 s until every container is healthy: cd /opt/shagram/stacks/jenkins && docker-compose -f compose.yaml ps -a -q | xargs docker inspect',
        '# shagram',
        'cd /opt/shagram/stacks/shagram && docker-compose -f compose.yaml pull --ignore-pull-failures',
        'cd /opt/shagram/stacks/shagram && docker-compose -f compose.yaml up -d --force-recreate --remove-orphans',
        '# wait up to 300 s until every container is healthy: cd /opt/shagram/stacks/shagram && docker-compose -f compose.yaml ps -a -q | xargs docker inspect',
      ].join('\n'),
    );
  });
  test('logs of a failing service: last lines, no colour', () => {
    expect(logsCommand(PLUGIN, locations[2]!, 'app')).toEqual({
      argv: ['docker', 'compose', '-f', 'compose.yaml', 'logs', '--no-color', '--tail', '20', 'app'],
      cwd: `${ROOT}/shagram`,
    });
  });
});
