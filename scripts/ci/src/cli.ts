/** A failure the user can act on: printed as one line `<script>: <message>`, exit 1. */
export class CiError extends Error {}

/** Parsed `--name value` / `--flag` arguments. */
export type Flags = Record<string, string | true>;

/**
 * Parses `--name value`, `--name=value` and bare `--flag` arguments. `valued` lists the options that take
 * a value, `bare` those that do not; anything else is an error. Pure.
 */
export function parseFlags(argv: readonly string[], valued: readonly string[], bare: readonly string[] = ['help']): Flags {
  const flags: Flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const match = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(arg);
    if (!match) throw new CiError(`unexpected argument "${arg}" (see --help)`);
    const name = match[1] as string;
    if (bare.includes(name)) {
      if (match[2] !== undefined) throw new CiError(`--${name} takes no value`);
      flags[name] = true;
    } else if (valued.includes(name)) {
      const value = match[2] ?? argv[++i];
      if (value === undefined || value === '') throw new CiError(`--${name} needs a value`);
      flags[name] = value;
    } else {
      throw new CiError(`unknown option --${name} (see --help)`);
    }
  }
  return flags;
}

/** The string value of an option, its default, or an error naming the option. Pure. */
export function option(flags: Flags, name: string, fallback?: string): string {
  const value = flags[name];
  if (typeof value === 'string') return value;
  if (fallback !== undefined && fallback !== '') return fallback;
  throw new CiError(`--${name} is required`);
}

/** Runs a script's main function: failures become one line on stderr and exit code 1. */
export function runMain(script: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${script}: ${message.split('\n')[0]}\n`);
    process.exit(1);
  });
}
