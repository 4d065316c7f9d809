/** Quoting for the generated POSIX shell scripts. */

/** Quotes one word for POSIX sh (single quotes; an embedded quote becomes '\''). Pure. */
export function shQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Throws unless `path` is an absolute path of safe characters (no spaces, quotes or `..`). Pure. */
export function assertSafePath(path: string): string {
  if (!/^\/[A-Za-z0-9._/-]+$/.test(path) || path.split('/').includes('..')) {
    throw new Error(`unsafe remote path: ${JSON.stringify(path)}`);
  }
  return path;
}
