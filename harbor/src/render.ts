import { ScriptError } from '../../scripts/lib/cli';
import YAML from 'yaml';

/** Thrown when the template or the environment is not usable; the message names the problem. */
export class HarborInstallError extends ScriptError {}

const REFERENCE = /\$\{([A-Z_][A-Z0-9_]*)\}/g;

/** The variables a template reads, sorted. Pure. */
export function templateVariables(template: string): string[] {
  const code = template.replace(/^\s*#.*$/gm, '');
  return [...new Set([...code.matchAll(REFERENCE)].map((match) => match[1] as string))].sort();
}

/**
 * Renders harbor.yml: parses the template as YAML, replaces `${VAR}` in every string scalar with the value
 * from `env` (a scalar that is exactly one reference to a whole number becomes a number, e.g. the port),
 * and serialises it again, so any character in a password stays valid YAML. Throws naming every missing
 * or empty variable. Pure.
 */
export function renderHarborYml(template: string, env: Record<string, string | undefined>): string {
  const missing = templateVariables(template).filter((name) => !env[name]);
  if (missing.length > 0) throw new HarborInstallError(`set ${missing.join(', ')} in .env`);
  const substitute = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(substitute);
    if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, substitute(value)]));
    if (typeof node !== 'string') return node;
    const whole = /^\$\{([A-Z_][A-Z0-9_]*)\}$/.exec(node);
    const value = node.replace(REFERENCE, (_, name: string) => env[name] as string);
    return whole && /^\d+$/.test(value) ? Number(value) : value;
  };
  const document = substitute(YAML.parse(template));
  return `# Rendered by harbor/install from harbor.yml.template and .env. Do not edit: edit .env and rerun ./install.\n${YAML.stringify(document)}`;
}
