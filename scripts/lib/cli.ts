/**
 * The command-line half of the kit every script shares (the host scripts in scripts/src and the pipeline steps in
 * scripts/ci/src): one error class, flag parsing on node:util's parseArgs, and the runner of a script's main
 * function, which turns any failure into one line `<script>: <message>` and exit code 1.
 */
import { parseArgs } from 'node:util';

/** A failure the operator can act on; the message is one readable line. */
export class ScriptError extends Error {}

/** The kind of value a flag takes: a switch, a string, a list (repeatable, comma-separable) or a whole number. */
export type FlagKind = 'boolean' | 'string' | 'list' | 'integer';

/** A script's flags: name without the dashes → kind. `--help` / `-h` is always understood. */
export type FlagSpec = Readonly<Record<string, FlagKind>>;

type ValueOf<K extends FlagKind> = K extends 'boolean' ? boolean : K extends 'list' ? string[] : K extends 'integer' ? number | undefined : string | undefined;

/** Parsed flags: a boolean is true or false, a list an array (empty when absent), a string or integer undefined when absent. */
export type ParsedFlags<S extends FlagSpec = FlagSpec> = { -readonly [N in keyof S]: ValueOf<S[N]> };

/** The flags and, when the script takes them, the positional arguments. */
export interface CommandLine<S extends FlagSpec = FlagSpec> {
  flags: ParsedFlags<S>;
  positionals: string[];
}

const PARSE_ERROR = /^ERR_PARSE_ARGS_/;

/** One line for a parseArgs error, naming the option or argument it is about. Pure. */
export function parseErrorLine(error: { code?: string; message: string }): string {
  const quoted = /'([^']*)'/.exec(error.message)?.[1] ?? '';
  const option = quoted.match(/--?[A-Za-z0-9][\w-]*/g)?.pop() ?? quoted;
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option} (see --help)`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument "${quoted}" (see --help)`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /does not take an argument/.test(error.message) ? `${option} takes no value` : `${option} needs a value`;
    default:
      return error.message.split('\n')[0] as string;
  }
}

function convert(name: string, kind: FlagKind, raw: string | boolean | (string | boolean)[] | undefined): ParsedFlags[string] {
  if (kind === 'boolean') return raw === true;
  const values = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String);
  if (values.some((value) => value === '')) throw new ScriptError(`--${name} needs a value`);
  if (kind === 'list') return values.flatMap((value) => value.split(',')).map((part) => part.trim()).filter(Boolean);
  const value = values.pop();
  if (kind === 'string' || value === undefined) return value;
  if (!/^\d+$/.test(value.trim())) throw new ScriptError(`--${name} must be a whole number, not "${value.trim()}"`);
  return Number(value.trim());
}

/**
 * Parses `--flag`, `--flag value` and `--flag=value` against `spec` with parseArgs (strict): unknown options,
 * missing values, values given to a switch and (unless `positionals`) stray arguments are a {@link ScriptError}
 * of one line. `--help` / `-h` anywhere answers 'help'. The last of a repeated string or integer counts. Pure.
 */
export function parseCommandLine<S extends FlagSpec>(argv: readonly string[], spec: S, options: { positionals?: boolean } = {}): CommandLine<S> | 'help' {
  const declared = Object.fromEntries(
    Object.entries(spec).map(([name, kind]) => [name, { type: kind === 'boolean' ? ('boolean' as const) : ('string' as const), multiple: kind !== 'boolean' }]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...declared, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: options.positionals ?? false });
  } catch (error) {
    const e = error as { code?: string; message: string };
    if (!PARSE_ERROR.test(e.code ?? '')) throw error;
    if (argv.includes('--help') || argv.includes('-h')) return 'help';
    throw new ScriptError(parseErrorLine(e));
  }
  if (parsed.values.help === true) return 'help';
  const flags = Object.fromEntries(Object.entries(spec).map(([name, kind]) => [name, convert(name, kind, parsed.values[name])]));
  return { flags: flags as ParsedFlags<S>, positionals: parsed.positionals };
}

/** {@link parseCommandLine} for a script without positional arguments: the flags, or 'help'. Pure. */
export function parseFlags<S extends FlagSpec>(argv: readonly string[], spec: S): ParsedFlags<S> | 'help' {
  const line = parseCommandLine(argv, spec);
  return line === 'help' ? 'help' : line.flags;
}

/** A string flag's value, else `fallback` when it is not empty, else a {@link ScriptError} naming the flag. Pure. */
export function option(value: string | undefined, name: string, fallback?: string): string {
  if (value !== undefined) return value;
  if (fallback !== undefined && fallback !== '') return fallback;
  throw new ScriptError(`--${name} is required`);
}

/** The one line printed for a failure: the first line of its message. Pure. */
export function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n').find((line) => line.trim() !== '') ?? String(error);
}

/**
 * Runs a script's `main`: a number it returns becomes the exit code; a failure is printed as one line
 * `<script>: <message>` on stderr and the process exits with code 1.
 */
export function runScript(script: string, main: () => Promise<number | void>): void {
  main().then(
    (code) => {
      if (typeof code === 'number' && code !== 0) process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${script}: ${errorLine(error)}\n`);
      process.exit(1);
    },
  );
}
