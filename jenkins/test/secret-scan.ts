import YAML from 'yaml';
import { parseDotEnv } from '../../test/compose/interpolate';

/** Keys whose value is a secret (YAML field names and environment variable names). */
export const SECRET_KEY = /(password|passwd|secret|token|passphrase|private_?key|secretBytes|api_?key)/i;

/** True when the value holds nothing but `${...}` references (nested references allowed). */
export function onlyReferences(value: string): boolean {
  let rest = value;
  // Innermost references first, so ${base64:${x}} reduces to nothing.
  for (let previous = ''; previous !== rest; ) {
    previous = rest;
    rest = rest.replace(/\$\{[^${}]*\}/g, '');
  }
  return rest.trim() === '';
}

/**
 * Literal secrets: in a YAML document, "path: value" for every scalar whose own key looks secret (ids
 * excepted) and whose value is neither empty nor made of `${...}` references; with `env`, the names of
 * secret-looking variables of a .env file that hold more than a `change-me` placeholder. Pure.
 */
export function literalSecrets(text: string, { env = false } = {}): string[] {
  if (env) {
    return Object.entries(parseDotEnv(text))
      .filter(([key, value]) => SECRET_KEY.test(key) && value !== '' && !/change-me/.test(value) && !onlyReferences(value))
      .map(([key]) => key);
  }
  const found: string[] = [];
  const walk = (node: unknown, where: string, key: string): void => {
    if (Array.isArray(node)) node.forEach((item, index) => walk(item, `${where}[${index}]`, key));
    else if (node && typeof node === 'object') {
      for (const [child, value] of Object.entries(node)) walk(value, where ? `${where}.${child}` : child, child);
    } else if (SECRET_KEY.test(key) && !/id$/i.test(key) && (typeof node === 'number' || (typeof node === 'string' && node !== '' && !onlyReferences(node)))) {
      found.push(`${where}: ${String(node)}`);
    }
  };
  walk(YAML.parse(text), '', '');
  return found;
}

/** The file-secret names a JCasC document reads: lower-case `${name}` references, sorted. Pure. */
export function secretVariables(text: string): string[] {
  const code = text.replace(/^\s*#.*$/gm, '');
  const names = [...code.matchAll(/\$\{([a-z][a-z0-9_]*)(?::-[^}]*)?\}/g)].map((match) => match[1] as string);
  return [...new Set(names)].sort();
}
