import type { RequestHandler } from 'express';

/**
 * `Cache-Control: no-store` (and the HTTP/1.0 `Pragma: no-cache`) for responses that carry an access token or
 * account data, errors included: no browser, proxy or CDN may keep a copy.
 */
export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  next();
};
