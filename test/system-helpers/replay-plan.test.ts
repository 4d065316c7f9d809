/**
 * The replay planner (./replay-plan.ts): what `pulumi up` runs on the host, from the rules of the Pulumi engine
 * (step_generator.go `applyReplaceOnChanges`, `GenerateDeletes`), pulumi-go-provider v1.3.0 infer `diff` and
 * @pulumi/command v1.2.1 (commandController.go Create/Update/Delete, copyController.go Update `needCopy`, the
 * SDK's `replaceOnChanges: ["triggers[*]"]`).
 */
import {
  changedPaths,
  COMMAND_TYPE,
  COPY_TYPE,
  dependencyOrder,
  matchesReplaceOnChanges,
  planReplay,
  type AssetRef,
  type PlannedResource,
  type StateResource,
} from './replay-plan';

const conn = { host: '127.0.0.1', port: 22, user: 'deploy' };
const urn = (name: string, type = COMMAND_TYPE) => `urn:pulumi:test::shagram::${type}::${name}`;
const asset = (hash: string, path = '/tmp/b/x.tar.gz'): AssetRef => ({ asset: 'file', path, hash });

function cmd(name: string, inputs: Record<string, unknown>, deps: string[] = [], extra: Partial<PlannedResource> = {}): PlannedResource {
  return { urn: urn(name), type: COMMAND_TYPE, name, inputs: { connection: conn, ...inputs }, dependencies: deps.map((d) => urn(d)), ...extra };
}
function copy(name: string, inputs: Record<string, unknown>, deps: string[] = []): PlannedResource {
  return { urn: urn(name, COPY_TYPE), type: COPY_TYPE, name, inputs: { connection: conn, ...inputs }, dependencies: deps.map((d) => urn(d)) };
}
const state = (rs: PlannedResource[], outputs: Record<string, { stdout: string; stderr: string }> = {}): StateResource[] =>
  rs.map((r) => ({ ...r, outputs: outputs[r.name] }));
const summary = (steps: ReturnType<typeof planReplay>) => steps.map((s) => `${s.op} ${s.name}${s.action ? `: ${s.action.kind === 'command' ? s.action.command : `copy → ${s.action.remotePath}`}` : ''}`);

/** One compose stack as the program registers it (lifecycle → stage → upload → deploy). */
function stack(name: string, o: { hash: string; tag?: string; after?: string[] }): PlannedResource[] {
  const upload = copy(`${name}-upload`, { source: asset(o.hash, `/tmp/b/${name}.tar.gz`), remotePath: `/opt/shagram/incoming/${name}.tar.gz`, triggers: [o.hash] }, [`${name}-stage`]);
  const deploy = cmd(`${name}-deploy`, { create: `deploy ${name}`, stdin: `TAG=${o.tag ?? ''}\n`, triggers: [o.hash, o.tag ?? ''], addPreviousOutputInEnv: false });
  return [
    cmd(`${name}-lifecycle`, { create: `prepare ${name}`, delete: `down ${name}`, addPreviousOutputInEnv: false }, o.after ?? []),
    cmd(`${name}-stage`, { create: `stage ${name}`, triggers: [o.hash], addPreviousOutputInEnv: false }, [`${name}-lifecycle`]),
    upload,
    { ...deploy, dependencies: [upload.urn] },
  ];
}

describe('changedPaths (the detailed diff)', () => {
  test('equal inputs: nothing', () => {
    expect(changedPaths({ a: [1, { b: 2 }], s: asset('h') }, { a: [1, { b: 2 }], s: asset('h') })).toEqual([]);
  });
  test('array elements, nested keys, added and removed properties are named by path', () => {
    expect(changedPaths({ triggers: ['h1', 't1'], connection: { host: 'a' }, gone: 1 }, { triggers: ['h1', 't2', 'x'], connection: { host: 'b' }, added: 2 })).toEqual([
      'added',
      'connection.host',
      'gone',
      'triggers[1]',
      'triggers[2]',
    ]);
  });
  test('an asset is one leaf: a new hash changes `source`, not its parts', () => {
    expect(changedPaths({ source: asset('h1') }, { source: asset('h2') })).toEqual(['source']);
  });
  test('a property appearing wholesale is its own path', () => {
    expect(changedPaths({}, { triggers: ['h'] })).toEqual(['triggers']);
  });
});

describe('matchesReplaceOnChanges (engine applyReplaceOnChanges)', () => {
  test.each([
    ['triggers[0]', 'triggers[*]', true],
    ['triggers[12]', 'triggers[*]', true],
    ['triggers', 'triggers[*]', true],
    ['triggers[0].x', 'triggers[*]', true],
    ['stdin', 'triggers[*]', false],
    ['create', 'triggers[*]', false],
    ['connection.host', 'connection', true],
    ['connection', 'connection.host', true],
    ['connection.port', 'connection.host', false],
  ])('%s against %s → %s', (changed, pattern, expected) => {
    expect(matchesReplaceOnChanges(changed, pattern)).toBe(expected);
  });
});

describe('dependencyOrder', () => {
  test('keeps registration order when it already respects dependencies', () => {
    const rs = [cmd('a', {}), cmd('b', {}, ['a']), cmd('c', {}, ['b'])];
    expect(dependencyOrder(rs).map((r) => r.name)).toEqual(['a', 'b', 'c']);
  });
  test('moves a resource after the dependencies listed later', () => {
    const rs = [cmd('c', {}, ['b']), cmd('a', {}), cmd('b', {}, ['a'])];
    expect(dependencyOrder(rs).map((r) => r.name)).toEqual(['a', 'b', 'c']);
  });
  test('ignores dependencies outside the list; throws on a cycle', () => {
    expect(dependencyOrder([cmd('a', {}, ['elsewhere'])]).map((r) => r.name)).toEqual(['a']);
    expect(() => dependencyOrder([cmd('a', {}, ['b']), cmd('b', {}, ['a'])])).toThrow(/dependency cycle/);
  });
});

describe('planReplay', () => {
  const hostWait = cmd('host-wait', { create: 'wait' });
  const run1 = [hostWait, ...stack('edge', { hash: 'e1', after: ['host-wait'] }), ...stack('shagram', { hash: 's1', tag: 'v1', after: ['edge-deploy'] })];

  test('first up on a clean host: every resource is created, in dependency order, running create / copying', () => {
    expect(summary(planReplay(run1))).toEqual([
      'create host-wait: wait',
      'create edge-lifecycle: prepare edge',
      'create edge-stage: stage edge',
      'create edge-upload: copy → /opt/shagram/incoming/edge.tar.gz',
      'create edge-deploy: deploy edge',
      'create shagram-lifecycle: prepare shagram',
      'create shagram-stage: stage shagram',
      'create shagram-upload: copy → /opt/shagram/incoming/shagram.tar.gz',
      'create shagram-deploy: deploy shagram',
    ]);
  });

  test('the create action carries stdin, the connection and the flags the provider reads', () => {
    const deploy = planReplay(run1).find((s) => s.name === 'edge-deploy');
    expect(deploy?.action).toEqual({ kind: 'command', command: 'deploy edge', stdin: 'TAG=\n', environment: undefined, addPreviousOutputInEnv: false, connection: conn, previous: undefined });
  });

  test('the same program again: nothing runs', () => {
    expect(planReplay(run1, state(run1)).map((s) => s.op)).toEqual(run1.map(() => 'same'));
  });

  test('a new image tag (a trigger of the deploy only): just that deploy is replaced; it has no delete, so nothing else runs', () => {
    const run2 = [hostWait, ...stack('edge', { hash: 'e1', after: ['host-wait'] }), ...stack('shagram', { hash: 's1', tag: 'v2', after: ['edge-deploy'] })];
    const steps = planReplay(run2, state(run1)).filter((s) => s.op !== 'same');
    expect(summary(steps)).toEqual(['replace shagram-deploy: deploy shagram', 'delete-replaced shagram-deploy']);
    expect(steps[0]?.changed).toEqual(['stdin', 'triggers[1]']);
  });

  test('changed stack files (the bundle hash): stage, upload and deploy are replaced, in order; lifecycle stays', () => {
    const run2 = [hostWait, ...stack('edge', { hash: 'e2', after: ['host-wait'] }), ...stack('shagram', { hash: 's1', tag: 'v1', after: ['edge-deploy'] })];
    expect(summary(planReplay(run2, state(run1)).filter((s) => s.op !== 'same'))).toEqual([
      'replace edge-stage: stage edge',
      'replace edge-upload: copy → /opt/shagram/incoming/edge.tar.gz',
      'replace edge-deploy: deploy edge',
      'delete-replaced edge-deploy',
      'delete-replaced edge-upload',
      'delete-replaced edge-stage',
    ]);
  });

  test('a replaced resource with a delete command: the new one is created in place, the OLD delete runs at the very end', () => {
    const a1 = [cmd('a', { create: 'make v1', delete: 'remove v1', triggers: [1] }), cmd('b', { create: 'after a' }, ['a'])];
    const a2 = [cmd('a', { create: 'make v2', delete: 'remove v2', triggers: [2] }), cmd('b', { create: 'after a' }, ['a'])];
    expect(summary(planReplay(a2, state(a1)))).toEqual(['replace a: make v2', 'same b', 'delete-replaced a: remove v1']);
  });

  test('deleteBeforeReplace: the old delete runs first, in place', () => {
    const a1 = [cmd('a', { create: 'make v1', delete: 'remove v1', triggers: [1] }, [], { deleteBeforeReplace: true })];
    const a2 = [cmd('a', { create: 'make v2', delete: 'remove v2', triggers: [2] }, [], { deleteBeforeReplace: true })];
    expect(summary(planReplay(a2, state(a1)))).toEqual(['delete-replaced a: remove v1', 'replace a: make v2']);
  });

  test('a change outside triggers is an update: `update` when set, else `create` again; previous outputs passed on', () => {
    const a1 = [cmd('a', { create: 'c', stdin: 'x' }), cmd('b', { create: 'c', update: 'u', stdin: 'x' })];
    const a2 = [cmd('a', { create: 'c', stdin: 'y' }), cmd('b', { create: 'c', update: 'u', stdin: 'y' })];
    const steps = planReplay(a2, state(a1, { a: { stdout: 'was', stderr: '' } }));
    expect(summary(steps)).toEqual(['update a: c', 'update b: u']);
    expect(steps[0]?.action).toMatchObject({ stdin: 'y', previous: { stdout: 'was', stderr: '' } });
  });

  test('changing only the delete command is an update too, and it runs create again', () => {
    const a1 = [cmd('a', { create: 'c', delete: 'd1' })];
    expect(summary(planReplay([cmd('a', { create: 'c', delete: 'd2' })], state(a1)))).toEqual(['update a: c']);
  });

  test('an update of a command with neither update nor create runs nothing', () => {
    expect(planReplay([cmd('a', { delete: 'd2' })], state([cmd('a', { delete: 'd1' })]))[0]).toMatchObject({ op: 'update', action: undefined });
  });

  test('a command without create: created, nothing runs', () => {
    expect(planReplay([cmd('a', { delete: 'd' })])[0]).toMatchObject({ op: 'create', action: undefined });
  });

  test('CopyToRemote update copies only for a new source hash or remote path (needCopy), not for a connection change', () => {
    const c1 = [copy('u', { source: asset('h1'), remotePath: '/a' })];
    expect(planReplay([copy('u', { source: asset('h2'), remotePath: '/a' })], state(c1))[0]).toMatchObject({ op: 'update', action: { kind: 'copy', remotePath: '/a' } });
    expect(planReplay([copy('u', { source: asset('h1'), remotePath: '/b' })], state(c1))[0]).toMatchObject({ op: 'update', action: { kind: 'copy', remotePath: '/b' } });
    const moved = planReplay([{ ...copy('u', { source: asset('h1'), remotePath: '/a' }), inputs: { connection: { ...conn, port: 2222 }, source: asset('h1'), remotePath: '/a' } }], state(c1))[0];
    expect(moved).toMatchObject({ op: 'update', changed: ['connection.port'], action: undefined });
  });

  test('triggers appearing on a resource that had none: replacement', () => {
    expect(planReplay([cmd('a', { create: 'c', triggers: ['h'] })], state([cmd('a', { create: 'c' })]))[0]?.op).toBe('replace');
  });

  test('a resource the program no longer registers is deleted at the end, dependents first, running its delete', () => {
    const old = [...stack('jenkins', { hash: 'j1' }), cmd('keep', { create: 'k' })];
    expect(summary(planReplay([cmd('keep', { create: 'k' })], state(old)))).toEqual([
      'same keep',
      'delete jenkins-deploy',
      'delete jenkins-upload',
      'delete jenkins-stage',
      'delete jenkins-lifecycle: down jenkins',
    ]);
  });

  test('a resource whose last run failed is updated although nothing changed', () => {
    const old: StateResource[] = [{ ...cmd('a', { create: 'c' }), failed: true }];
    expect(summary(planReplay([cmd('a', { create: 'c' })], old))).toEqual(['update a: c']);
  });

  test('other resource types are planned (create/same/update) with no host action', () => {
    const image: PlannedResource = { urn: urn('img', 'docker:index/image:Image'), type: 'docker:index/image:Image', name: 'img', inputs: { imageName: 'r/app:v1' }, dependencies: [] };
    expect(planReplay([image])[0]).toMatchObject({ op: 'create', action: undefined });
    expect(planReplay([{ ...image, inputs: { imageName: 'r/app:v2' } }], state([image]))[0]).toMatchObject({ op: 'update', changed: ['imageName'], action: undefined });
  });
});
