/** The shared command kit (scripts/lib/command.ts): the printed form of a command and the runner, on real processes. */
import { ScriptError } from '../lib/cli';
import { execute, executeOrThrow, formatCommand, lastLine, shellQuote } from '../lib/command';

describe('formatCommand', () => {
  test('shell-quoted as an operator would type it, in its folder', () => {
    expect(shellQuote("it's here")).toBe(`'it'\\''s here'`);
    expect(formatCommand({ argv: ['docker', 'compose', '-f', 'my file.yaml', 'ps'], cwd: '/srv/a b' })).toBe("cd '/srv/a b' && docker compose -f 'my file.yaml' ps");
    expect(formatCommand({ argv: ['docker', 'push', 'r/x:1'] })).toBe('docker push r/x:1');
  });
  test('secret-named variables print as ***; standard input never appears', () => {
    const line = formatCommand({
      argv: ['pulumi', 'config', 'set', '--secret', 'k'],
      env: { PULUMI_BACKEND_URL: 's3://b?region=x', AWS_SECRET_ACCESS_KEY: 'k3y', HARBOR_PASSWORD: 'p', GH_TOKEN: 't', SSH_PRIVATE: 'v', PULUMI_CONFIG_PASSPHRASE: 'pp' },
      stdin: 'the-secret-value',
    });
    expect(line).toBe("PULUMI_BACKEND_URL='s3://b?region=x' AWS_SECRET_ACCESS_KEY=*** HARBOR_PASSWORD=*** GH_TOKEN=*** SSH_PRIVATE=*** PULUMI_CONFIG_PASSPHRASE=*** pulumi config set --secret k");
    expect(line).not.toContain('the-secret-value');
  });
});

describe('execute', () => {
  test('captures both streams, writes standard input, lays env over the inherited environment', async () => {
    const result = await execute({ argv: ['sh', '-c', 'cat; echo "$EXTRA $HOME" >&2; exit 3'], env: { EXTRA: 'x' }, stdin: 'in' });
    expect(result).toEqual({ code: 3, stdout: 'in', stderr: `x ${process.env.HOME ?? ''}\n` });
  });
  test('baseEnv replaces the inherited environment; cwd is honoured', async () => {
    const result = await execute({ argv: ['/bin/sh', '-c', 'echo "${HOME:-none} $(pwd)"'], cwd: '/' }, { baseEnv: {} });
    expect(result.stdout).toBe('none /\n');
  });
  test('a program that cannot start answers 127 and why, without rejecting', async () => {
    const result = await execute({ argv: ['no-such-program-here'] });
    expect(result).toMatchObject({ code: 127, startError: 'command not found' });
    expect(result.stderr).toBe('cannot run no-such-program-here: command not found');
    // a folder that does not exist is said so, before anything runs
    expect(await execute({ argv: ['true'], cwd: '/no/such/folder' })).toMatchObject({ code: 127, startError: 'folder /no/such/folder does not exist' });
  });
  test('every argument reaches the program as it is: nothing split, expanded or substituted', async () => {
    const tricky = ["it's a $HOME `id` *", '', 'a b', '--flag=$(id)'];
    expect((await execute({ argv: ['printf', '[%s]', ...tricky] })).stdout).toBe(tricky.map((arg) => `[${arg}]`).join(''));
  });
  test('a timeout kills the command', async () => {
    const result = await execute({ argv: ['sleep', '5'] }, { timeoutMs: 100 });
    expect(result).toMatchObject({ code: 128, signal: 'SIGKILL' });
  });
  test('a command that exits without reading its input does not fail the runner', async () => {
    expect((await execute({ argv: ['true'], stdin: 'x'.repeat(1 << 20) })).code).toBe(0);
  });
});

describe('executeOrThrow', () => {
  test('one line naming the command, its exit code and its last output line', async () => {
    const failing = { argv: ['sh', '-c', 'echo first >&2; echo last words >&2; exit 2'] };
    await expect(executeOrThrow(failing)).rejects.toThrow(new ScriptError('sh -c failed with exit code 2: last words'));
    await expect(executeOrThrow(failing, { what: 'stop app' })).rejects.toThrow(new ScriptError('stop app failed with exit code 2: last words'));
    await expect(executeOrThrow({ argv: ['no-such-program-here'] })).rejects.toThrow(/^cannot run no-such-program-here: /);
  });
  test('output that passed through is not quoted back', async () => {
    await expect(executeOrThrow({ argv: ['sh', '-c', 'exit 3'] }, { output: 'inherit' })).rejects.toThrow(new ScriptError('sh -c failed with exit code 3'));
  });
  test('success answers the captured output', async () => {
    expect((await executeOrThrow({ argv: ['echo', 'hi'] })).stdout).toBe('hi\n');
    expect(lastLine({ stdout: 'a\nb\n', stderr: '' })).toBe('b');
    expect(lastLine({ stdout: '', stderr: '' })).toBe('(no output)');
  });
});
