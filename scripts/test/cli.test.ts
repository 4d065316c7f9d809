/** The shared command-line kit (scripts/lib/cli.ts): flag parsing on parseArgs, its one-line errors, defaults. */
import { ScriptError, errorLine, option, parseCommandLine, parseErrorLine, parseFlags } from '../lib/cli';

const SPEC = { only: 'list', 'stacks-root': 'string', 'no-pull': 'boolean', timeout: 'integer' } as const;

describe('parseFlags', () => {
  test('every kind in both spellings; absent flags get their empty value', () => {
    expect(parseFlags(['--n', '3', '--s=x', '--l', 'a, b', '--l', 'c'], { n: 'integer', s: 'string', l: 'list', b: 'boolean' })).toEqual({
      n: 3, s: 'x', l: ['a', 'b', 'c'], b: false,
    });
    expect(parseFlags([], SPEC)).toEqual({ only: [], 'stacks-root': undefined, 'no-pull': false, timeout: undefined });
  });
  test('the last of a repeated string counts', () => {
    expect(parseFlags(['--stacks-root', '/a', '--stacks-root=/b'], SPEC)).toMatchObject({ 'stacks-root': '/b' });
  });
  test('--help or -h anywhere answers help, even beside a mistake', () => {
    expect(parseFlags(['--no-pull', '--help'], SPEC)).toBe('help');
    expect(parseFlags(['-h'], SPEC)).toBe('help');
    expect(parseFlags(['--bogus', '--help'], SPEC)).toBe('help');
  });
  test.each([
    [['--force'], 'unknown option --force (see --help)'],
    [['-x'], 'unknown option -x (see --help)'],
    [['shagram'], 'unexpected argument "shagram" (see --help)'],
    [['--only'], '--only needs a value'],
    [['--only', '--no-pull'], '--only needs a value'],
    [['--stacks-root='], '--stacks-root needs a value'],
    [['--no-pull=yes'], '--no-pull takes no value'],
    [['--help=1'], '--help takes no value'],
    [['--timeout', 'soon'], '--timeout must be a whole number, not "soon"'],
    [['--timeout', '-5'], '--timeout needs a value'],
  ])('%j fails with one line', (argv, message) => {
    expect(() => parseFlags(argv, SPEC)).toThrow(new ScriptError(message));
  });
});

describe('parseCommandLine', () => {
  test('positional arguments when the script takes them, wherever they stand', () => {
    expect(parseCommandLine(['a.gz', '--timeout', '5', 'b.gz'], SPEC, { positionals: true })).toEqual({
      flags: { only: [], 'stacks-root': undefined, 'no-pull': false, timeout: 5 },
      positionals: ['a.gz', 'b.gz'],
    });
    expect(() => parseCommandLine(['a.gz'], SPEC)).toThrow('unexpected argument "a.gz" (see --help)');
  });
  test('an error that is not one of parseArgs keeps its first line', () => {
    expect(parseErrorLine({ code: 'ERR_PARSE_ARGS_SOMETHING_NEW', message: 'first\nsecond' })).toBe('first');
  });
});

describe('option and errorLine', () => {
  test('a value, else a non-empty fallback, else the flag is required', () => {
    expect(option(undefined, 'stack', 'prod')).toBe('prod');
    expect(option('dev', 'stack', 'prod')).toBe('dev');
    expect(() => option(undefined, 'tag')).toThrow(new ScriptError('--tag is required'));
    expect(() => option(undefined, 'url', '')).toThrow('--url is required');
  });
  test('a failure prints as its first non-empty line', () => {
    expect(errorLine(new ScriptError('one\ntwo'))).toBe('one');
    expect(errorLine(new Error('\nlater'))).toBe('later');
    expect(errorLine('plain')).toBe('plain');
  });
});
