/** The log format: pino-pretty's readable lines on a development terminal, JSON everywhere else. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import { chooseLogFormat } from '../src/logger';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

/** Runs a few lines against app/src/logger.ts in a child process whose stdout is a pipe; returns its stdout. */
async function logFrom(code: string, env: Record<string, string> = {}): Promise<string> {
  const script = `import { createLogger } from './app/src/logger';\n${code}`;
  const { stdout } = await run(TSX, ['--eval', script], { cwd: ROOT, env: { ...process.env, NODE_ENV: 'development', ...env }, timeout: 60_000 });
  return stdout;
}

describe('chooseLogFormat', () => {
  test.each([
    [true, 'development', 'pretty'],
    [true, undefined, 'pretty'],
    [true, 'test', 'pretty'],
    [true, 'production', 'json'],
    [false, 'development', 'json'],
    [false, undefined, 'json'],
    [false, 'production', 'json'],
  ] as const)('stdout a TTY: %s, NODE_ENV=%s → %s', (tty, nodeEnv, format) => {
    expect(chooseLogFormat(tty, nodeEnv)).toBe(format);
  });
});

describe('createLogger writes what the format says', () => {
  test('not a terminal (a pipe), development: JSON lines, credentials redacted', async () => {
    const out = await logFrom("createLogger('info').info({ token: 'secret-token-value' }, 'hello json');");
    const line = JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 30, msg: 'hello json', service: 'shagram', token: '[redacted]' });
    expect(out).not.toContain('secret-token-value');
  }, 90_000);

  test("pretty: pino-pretty's readable line, credentials still redacted", async () => {
    const raw = await logFrom("createLogger('info', undefined, 'pretty').info({ token: 'secret-token-value' }, 'hello pretty');");
    const out = stripVTControlCharacters(raw); // colours, should the environment force them
    expect(out).toMatch(/\[\d\d:\d\d:\d\d\.\d{3}\] INFO: hello pretty/);
    expect(out).toContain('token: "[redacted]"');
    expect(out).not.toContain('secret-token-value');
    expect(() => JSON.parse(out.trim())).toThrow();
  }, 90_000);
});
