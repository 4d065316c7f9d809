/**
 * Compose-style variable interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:?message}`, `${VAR?message}`, `${VAR:+alt}`, `${VAR+alt}` and `$$` (a literal dollar).
 * Pure. Returns the text and the names of required variables that were missing.
 */
export function interpolate(text: string, env: Readonly<Record<string, string | undefined>>): { value: string; missing: string[] } {
  const missing: string[] = [];
  const value = text.replace(
    /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\{[^{}]*\})*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_match, dollar: string | undefined, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
      if (dollar) return '$';
      const name = (braced ?? bare) as string;
      const current = env[name];
      const set = current !== undefined;
      const nonEmpty = set && current !== '';
      switch (op) {
        case undefined:
          return current ?? '';
        case ':-':
          return nonEmpty ? (current as string) : interpolate(arg ?? '', env).value;
        case '-':
          return set ? (current as string) : interpolate(arg ?? '', env).value;
        case ':?':
        case '?':
          if (op === ':?' ? !nonEmpty : !set) missing.push(name);
          return current ?? '';
        case ':+':
          return nonEmpty ? interpolate(arg ?? '', env).value : '';
        case '+':
          return set ? interpolate(arg ?? '', env).value : '';
        default:
          return '';
      }
    },
  );
  return { value, missing };
}

/** Interpolates every string inside a parsed YAML document (keys stay as they are). Pure. */
export function interpolateDeep(node: unknown, env: Readonly<Record<string, string | undefined>>, missing: string[] = []): unknown {
  if (typeof node === 'string') {
    const result = interpolate(node, env);
    missing.push(...result.missing);
    return result.value;
  }
  if (Array.isArray(node)) return node.map((item) => interpolateDeep(item, env, missing));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, interpolateDeep(value, env, missing)]));
  }
  return node;
}

/** Parses a `.env` file (KEY=value lines, `#` comments, optional quotes). Pure. */
export function parseDotEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2] as string;
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    env[match[1] as string] = value;
  }
  return env;
}
