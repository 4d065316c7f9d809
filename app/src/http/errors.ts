import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../logger';

/** An error with the HTTP status and the readable message the client gets. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** 404 for every route nobody handled. */
export const notFound: RequestHandler = (_req, res) => {
  res.status(404).json({ error: 'not found' });
};

/**
 * Turns every error into `{error}` JSON with the right status. Body-parser failures keep their
 * 4xx status; anything unexpected is logged and answered 500 without details.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    if (res.headersSent) return;
    if (error instanceof HttpError) {
      res.status(error.status).json({ error: error.message });
      return;
    }
    const status = typeof error?.status === 'number' ? error.status : typeof error?.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 500) {
      const message =
        error.type === 'entity.too.large'
          ? 'request body too large'
          : error.type === 'entity.parse.failed'
            ? 'request body is not valid JSON'
            : error.type === 'charset.unsupported' || error.type === 'encoding.unsupported'
              ? 'unsupported body encoding'
              : 'bad request';
      res.status(status).json({ error: message });
      return;
    }
    logger.error({ err: error, method: req.method, path: req.path }, 'unhandled error');
    res.status(500).json({ error: 'internal server error' });
  };
}
