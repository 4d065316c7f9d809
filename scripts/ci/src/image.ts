import { ScriptError } from '../../lib/cli';

/** Characters of the commit SHA used as the image tag (the Pulumi program shortens to the same length). */
export const TAG_LENGTH = 12;

/** The image tag for a commit: its SHA, lower case, shortened to {@link TAG_LENGTH} characters. Pure. */
export function imageTag(sha: string): string {
  const clean = sha.trim().toLowerCase();
  if (!/^[0-9a-f]{7,40}$/.test(clean)) throw new ScriptError(`"${sha}" is not a git commit SHA`);
  if (clean.length < TAG_LENGTH) throw new ScriptError(`commit SHA "${sha}" is shorter than ${TAG_LENGTH} characters`);
  return clean.slice(0, TAG_LENGTH);
}

/** The tag part of an image reference (`host:port/repo:tag` -> `tag`), or undefined without one. Pure. */
export function tagOf(reference: string): string | undefined {
  const last = reference.trim().split('/').pop() ?? '';
  const colon = last.indexOf(':');
  const tag = colon < 0 ? '' : last.slice(colon + 1);
  return /^[a-z0-9][a-z0-9._-]{0,127}$/i.test(tag) ? tag : undefined;
}
