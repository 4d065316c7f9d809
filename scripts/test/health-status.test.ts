import { assessStack, containerVerdict, toContainerInfo, type ContainerInfo } from '../src/ops/health';
import { formatBytes, formatDuration, formatTable } from '../src/ops/table';
import { formatStatus, parseStatusArgs, volumesOf } from '../src/status-plan';

function container(partial: Partial<ContainerInfo>): ContainerInfo {
  return { id: 'c1', name: 'shagram_app_1', service: 'app', image: 'shagram:1', status: 'running', exitCode: 0, health: undefined, volumes: [], ...partial };
}

describe('toContainerInfo', () => {
  test('reads docker inspect JSON (compose labels, health, named volumes only)', () => {
    const info = toContainerInfo({
      Id: 'abc', Name: '/shagram_app_1', Image: 'sha256:1',
      State: { Status: 'running', ExitCode: 0, Health: { Status: 'healthy' } },
      Config: { Image: 'registry/shagram:abc', Labels: { 'com.docker.compose.service': 'app' } },
      Mounts: [
        { Type: 'volume', Name: 'shagram_app-data', Source: '/var/lib/docker/volumes/shagram_app-data/_data', Destination: '/app/data' },
        { Type: 'bind', Source: '/opt/x', Destination: '/etc/x' },
      ],
    });
    expect(info).toEqual({
      id: 'abc', name: 'shagram_app_1', service: 'app', image: 'registry/shagram:abc', status: 'running', exitCode: 0, health: 'healthy',
      volumes: [{ name: 'shagram_app-data', source: '/var/lib/docker/volumes/shagram_app-data/_data', destination: '/app/data' }],
    });
  });
  test("podman's empty Health status means no health check; no labels falls back to the name", () => {
    const info = toContainerInfo({ Id: 'x', Name: 'lonely', State: { Status: 'exited', ExitCode: 3, Health: { Status: '' } }, Config: {} });
    expect(info).toMatchObject({ service: 'lonely', health: undefined, status: 'exited', exitCode: 3, volumes: [] });
  });
});

describe('health verdicts', () => {
  test.each([
    [{ status: 'running' }, 'ok', 'running'],
    [{ status: 'running', health: 'healthy' }, 'ok', 'healthy'],
    [{ status: 'running', health: 'starting' }, 'waiting', 'health starting'],
    [{ status: 'running', health: 'unhealthy' }, 'failed', 'unhealthy'],
    [{ status: 'exited', exitCode: 0 }, 'ok', 'completed (exit 0)'],
    [{ status: 'exited', exitCode: 137 }, 'failed', 'exited with code 137'],
    [{ status: 'dead', exitCode: 0 }, 'failed', 'dead with code 0'],
    [{ status: 'restarting' }, 'waiting', 'restarting'],
    [{ status: 'created' }, 'waiting', 'created'],
    [{ status: 'paused' }, 'failed', 'paused'],
  ] as const)('%j is %s', (partial, state, reason) => {
    expect(containerVerdict(container(partial as Partial<ContainerInfo>))).toEqual({ state, reason });
  });

  test('a stack is healthy only when every container is', () => {
    const healthy = container({ service: 'nginx', health: 'healthy' });
    expect(assessStack([healthy, container({ service: 'worker' })])).toEqual({ state: 'healthy', summary: '2/2 up, 1 healthy', problems: [] });
    expect(assessStack([healthy, container({ health: 'starting' })])).toEqual({
      state: 'waiting', summary: '1/2 ready, waiting for app (health starting)', problems: [{ service: 'app', reason: 'health starting' }],
    });
  });
  test('one failed container fails the stack even while others start; no containers fails', () => {
    const result = assessStack([container({ service: 'nginx', health: 'starting' }), container({ health: 'unhealthy' })]);
    expect(result).toEqual({ state: 'failed', summary: 'app unhealthy', problems: [{ service: 'app', reason: 'unhealthy' }] });
    expect(assessStack([]).state).toBe('failed');
  });
});

describe('status screen', () => {
  test('parseStatusArgs', () => {
    expect(parseStatusArgs([])).toEqual({ stacksRoot: '/opt/shagram/stacks', stacks: ['edge', 'harbor', 'jenkins', 'shagram', 'monitoring'] });
    expect(parseStatusArgs(['--only', 'shagram', '--stacks-root', '/x'])).toEqual({ stacksRoot: '/x', stacks: ['shagram'] });
    expect(() => parseStatusArgs(['--only', 'nope'])).toThrow(/unknown stack "nope"/);
  });
  test('stacks, containers (sorted by service, failures marked) and volume sizes', () => {
    const data = { name: 'shagram_app-data', source: '/v/app-data', destination: '/app/data' };
    const text = formatStatus(
      [
        { stack: 'harbor', error: 'stack folder /s/harbor does not exist', containers: [] },
        { stack: 'jenkins', containers: [] },
        {
          stack: 'shagram',
          containers: [
            container({ name: 'shagram_nginx_1', service: 'nginx', image: 'nginx:1.27', health: 'unhealthy' }),
            container({ health: 'healthy', volumes: [data] }),
          ],
        },
      ],
      new Map([['shagram_app-data', 5 * 1024 * 1024]]),
      'docker compose (plugin)',
    );
    expect(text).toBe(
      [
        'compose: docker compose (plugin)',
        '',
        'stack    state',
        '-------  -------------------------------------',
        'harbor   stack folder /s/harbor does not exist',
        'jenkins  not running',
        'shagram  nginx unhealthy',
        '',
        'stack    service  container        state    health     image       note',
        '-------  -------  ---------------  -------  ---------  ----------  ---------',
        'shagram  app      shagram_app_1    running  healthy    shagram:1',
        'shagram  nginx    shagram_nginx_1  running  unhealthy  nginx:1.27  <-- check',
        '',
        'stack    volume            size     mountpoint',
        '-------  ----------------  -------  -----------',
        'shagram  shagram_app-data  5.0 MiB  /v/app-data',
      ].join('\n'),
    );
  });
  test('a volume mounted twice is listed once; unknown size shows ?', () => {
    const v = { name: 'v', source: '/s', destination: '/d' };
    const snapshots = [{ stack: 'shagram' as const, containers: [container({ volumes: [v] }), container({ name: 'b', volumes: [v] })] }];
    expect(volumesOf(snapshots)).toEqual([{ stack: 'shagram', ...v }]);
    expect(formatStatus(snapshots, new Map(), 'x')).toContain('shagram  v       ?     /s');
  });
});

describe('table helpers', () => {
  test('formatTable pads every column but the last', () => {
    expect(formatTable(['a', 'bb'], [['xxx', 'y']])).toBe('a    bb\n---  --\nxxx  y');
  });
  test('durations and sizes', () => {
    expect(formatDuration(4210)).toBe('4.2 s');
    expect(formatDuration(125_000)).toBe('2 m 05 s');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
  });
});
