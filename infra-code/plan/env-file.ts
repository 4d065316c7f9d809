/** Rendering a compose `.env` file. */

/**
 * Renders `KEY='value'` lines (single quotes: compose reads the value literally, no `$` interpolation). Pure.
 * Throws on a key that is not an environment name or a value with a quote or line break.
 */
export function renderEnvFile(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([key, value]) => {
      if (!/^[A-Z_][A-Z0-9_]*$/.test(key)) throw new Error(`renderEnvFile: invalid variable name ${JSON.stringify(key)}`);
      if (/['\n\r]/.test(value)) throw new Error(`renderEnvFile: the value of ${key} has a quote or a line break`);
      return `${key}='${value}'\n`;
    })
    .join('');
}
