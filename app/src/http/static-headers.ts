import type { RequestHandler } from 'express';

/**
 * One middleware that sets headers recorded by {@link recordHeaders} — the same headers a
 * header-only middleware (helmet) would set, without a dozen middleware calls per request.
 */
export function staticHeaders({ entries, removals }: RecordedHeaders): RequestHandler {
  return (_req, res, next) => {
    for (const [name, value] of entries) res.setHeader(name, value);
    for (const name of removals) res.removeHeader(name);
    next();
  };
}

/** The headers a header-only middleware sets (and removes), recorded once; see {@link staticHeaders}. */
export interface RecordedHeaders {
  entries: Array<[string, string | string[]]>;
  removals: string[];
}

/**
 * Runs a header-only middleware once, at start-up, against a recording response. Only valid for
 * middlewares whose headers do not depend on the request (helmet without CSP nonces).
 * @throws when the middleware does anything but set or remove headers and call next().
 */
export function recordHeaders(middleware: RequestHandler): RecordedHeaders {
  const headers = new Map<string, string | string[]>();
  const removed = new Set<string>();
  const recorder = {
    setHeader(name: string, value: string | number | string[]) {
      headers.set(name, Array.isArray(value) ? value : String(value));
      removed.delete(name.toLowerCase());
    },
    removeHeader(name: string) {
      headers.delete(name);
      removed.add(name.toLowerCase());
    },
    getHeader: (name: string) => headers.get(name),
  };
  let nextCalled = false;
  middleware({ headers: {} } as never, recorder as never, (error?: unknown) => {
    if (error) throw error;
    nextCalled = true;
  });
  if (!nextCalled) throw new Error('staticHeaders: the middleware did not finish synchronously');
  return { entries: [...headers], removals: [...removed] };
}
