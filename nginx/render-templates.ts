import fs from 'node:fs';
import path from 'node:path';

/** Suffix of the nginx image's template files. */
export const TEMPLATE_SUFFIX = '.template';

/**
 * Renders one template the way the nginx image's 20-envsubst-on-templates.sh does: `${NAME}` and `$NAME`
 * are replaced for every variable that is defined in `env` and whose name matches `filter` (an anchored
 * or unanchored regular expression, like NGINX_ENVSUBST_FILTER); everything else (nginx's `$host`, …)
 * is left untouched. Pure.
 */
export function renderTemplate(text: string, env: Readonly<Record<string, string | undefined>>, filter = ''): string {
  const pattern = new RegExp(filter);
  const substitutable = (name: string) => env[name] !== undefined && pattern.test(name);
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (match, braced?: string, bare?: string) => {
    const name = (braced ?? bare) as string;
    return substitutable(name) ? (env[name] as string) : match;
  });
}

/** Names of the `${UPPER_CASE}` variables a template uses (nginx's own variables are lower case). Pure. */
export function templateVariables(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g)].map((match) => match[1] as string))].sort();
}

/** First-line marker of an optional template: `# shagram-template-requires: NAME [NAME...]`. */
export const REQUIRES_MARKER = '# shagram-template-requires:';

/**
 * The variables an optional template needs (named on its first line after {@link REQUIRES_MARKER}); none for the
 * others. Pure.
 */
export function templateRequires(text: string): string[] {
  const first = text.split('\n', 1)[0] ?? '';
  return first.startsWith(REQUIRES_MARKER) ? first.slice(REQUIRES_MARKER.length).trim().split(/\s+/).filter(Boolean) : [];
}

/**
 * True when a template is rendered with `env`: every variable it requires is set and not empty. The edge container
 * makes the same choice after rendering (entrypoint.d/25-shagram-optional-servers.sh removes the others). Pure.
 */
export function templateEnabled(text: string, env: Readonly<Record<string, string | undefined>>): boolean {
  return templateRequires(text).every((name) => (env[name] ?? '') !== '');
}

/** Every `*.template` file under `dir`, as paths relative to it, sorted. */
export function listTemplates(dir: string): string[] {
  const found: string[] = [];
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = path.join(relative, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith(TEMPLATE_SUFFIX)) found.push(child);
    }
  };
  walk('');
  return found.sort();
}

/**
 * Renders every template under `templateDir` into `outputDir` (sub-folders kept, suffix dropped), exactly
 * as the nginx image does into /etc/nginx/conf.d, leaving out the optional templates whose variables `env` does not
 * set (as entrypoint.d/25-shagram-optional-servers.sh does in the container). Returns the written paths.
 */
export function renderTemplateDir(
  templateDir: string,
  outputDir: string,
  env: Readonly<Record<string, string | undefined>>,
  filter = '',
): string[] {
  return listTemplates(templateDir).flatMap((relative) => {
    const text = fs.readFileSync(path.join(templateDir, relative), 'utf8');
    if (!templateEnabled(text, env)) return [];
    const output = path.join(outputDir, relative.slice(0, -TEMPLATE_SUFFIX.length));
    fs.mkdirSync(path.dirname(output), { recursive: true });
    fs.writeFileSync(output, renderTemplate(text, env, filter));
    return [output];
  });
}
