/** Thrown for anything an operator must fix; the message is one readable line. */
export class ScriptError extends Error {}

/** The kind of value a flag takes. */
export type FlagKind = 'boolean' | 'string' | 'list' | 'integer';

/** Parsed flags: booleans are true/false, strings a string, lists an array, integers a number. */
export type ParsedFlags = Record<string, boolean | string | string[] | number | undefined>;

/**
 * Parses `--flag`, `--flag value` and `--flag=value` against `spec`; lists may repeat or use commas.
 * `--help`/`-h` answers 'help'. Unknown flags and stray arguments throw a {@link ScriptError}. Pure.
 */
export function parseFlags(argv: readonly string[], spec: Readonly<Record<string, FlagKind>>): ParsedFlags | 'help' {
  const flags: ParsedFlags = {};
  for (const [name, kind] of Object.entries(spec)) flags[name] = kind === 'boolean' ? false : kind === 'list' ? [] : undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return 'help';
    if (!arg.startsWith('--')) throw new ScriptError(`unexpected argument "${arg}" (see --help)`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const kind = spec[name];
    if (!kind) throw new ScriptError(`unknown option --${name} (see --help)`);
    if (kind === 'boolean') {
      if (eq !== -1) throw new ScriptError(`--${name} takes no value`);
      flags[name] = true;
      continue;
    }
    let value: string | undefined = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '' || (eq === -1 && value.startsWith('--'))) throw new ScriptError(`--${name} needs a value`);
    if (kind === 'list') {
      (flags[name] as string[]).push(...value.split(',').map((part) => part.trim()).filter(Boolean));
    } else if (kind === 'integer') {
      value = value.trim();
      if (!/^\d+$/.test(value)) throw new ScriptError(`--${name} must be a whole number, not "${value}"`);
      flags[name] = Number(value);
    } else {
      flags[name] = value;
    }
  }
  return flags;
}

/**
 * Runs a script's `main`, turning any failure into one line `<script>: <message>` on stderr and exit code 1
 * (a {@link ScriptError}'s message as is; otherwise the error's message or the last stderr line of a command).
 */
export function runScript(script: string, main: () => Promise<number | void>): void {
  main().then(
    (code) => {
      if (typeof code === 'number' && code !== 0) process.exitCode = code;
    },
    (error: unknown) => {
      const stderr = (error as { stderr?: string }).stderr?.trim().split('\n').pop();
      const message = error instanceof ScriptError ? error.message : stderr || (error as Error).message || String(error);
      process.stderr.write(`${script}: ${message}\n`);
      process.exitCode = 1;
    },
  );
}
