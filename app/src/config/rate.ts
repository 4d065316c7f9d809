/** A rate expressed as "count per seconds", e.g. `20/10`. */
export interface Rate {
  count: number;
  windowMs: number;
}

/**
 * Parses `"<count>/<seconds>"` (both positive integers) into a {@link Rate}.
 * Returns `undefined` for anything else so the caller can name the variable at fault.
 */
export function parseRate(value: string): Rate | undefined {
  const match = /^\s*(\d{1,7})\s*\/\s*(\d{1,7})\s*$/.exec(value);
  if (!match) return undefined;
  const count = Number(match[1]);
  const seconds = Number(match[2]);
  if (count < 1 || seconds < 1) return undefined;
  return { count, windowMs: seconds * 1000 };
}
