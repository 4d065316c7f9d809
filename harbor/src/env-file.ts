/**
 * Parses a .env file as Compose does for the simple forms used here: `NAME=value`, `NAME="value"` (with
 * \n escapes and real newlines), `NAME='value'` (literal), comments and blank lines. Pure.
 */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  const pattern = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^\n]*)\s*$/gm;
  const code = text.replace(/^\s*#.*$/gm, '');
  for (const match of code.matchAll(pattern)) {
    const raw = (match[2] as string).trim();
    let value: string;
    if (raw.startsWith('"')) value = raw.slice(1, -1).replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    else if (raw.startsWith("'")) value = raw.slice(1, -1);
    else value = raw.replace(/\s+#.*$/, '');
    env[match[1] as string] = value;
  }
  return env;
}
