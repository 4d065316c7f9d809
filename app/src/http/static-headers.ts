import type { RequestHandler } from 'express';

/**
 * Runs a header-only middleware (helmet) once at start-up against a recording response and
 * returns one middleware that sets the recorded headers — the same headers, without a dozen
 * middleware calls per request. Only valid for middlewares whose headers do not depend on the
 * request (helmet without CSP nonces); the recording fails loudly if the middleware does
 * anything but set or remove headers and call next().
 */
export function staticHeaders(middleware: RequestHandler): RequestHandler {
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
  const entries = [...headers];
  const removals = [...removed];
  return (_req, res, next) => {
    for (const [name, value] of entries) res.setHeader(name, value);
    for (const name of removals) res.removeHeader(name);
    next();
  };
}
