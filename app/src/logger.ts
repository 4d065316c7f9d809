import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs to stdout. Anything that could hold a credential is redacted by path, and request
 * logging never records query strings (WebSocket tokens travel there).
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'shagram' },
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'access_token', '*.access_token', 'authorization', '*.authorization', 'headers.authorization'],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
