import pino, { type Logger } from 'pino';

export type { Logger };

/** How log lines are written: one JSON object per line, or pino-pretty's readable lines. */
export type LogFormat = 'json' | 'pretty';

/**
 * Readable lines for a person at a terminal in development; JSON everywhere else (production, containers, files,
 * pipes), where log collectors parse the lines.
 */
export function chooseLogFormat(stdoutIsTty: boolean, nodeEnv: string | undefined): LogFormat {
  return stdoutIsTty && nodeEnv !== 'production' ? 'pretty' : 'json';
}

/** pino-pretty's settings: local time, and none of the fields that are the same on every line (colours when the terminal has them). */
export const PRETTY_OPTIONS = { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' } as const;

/**
 * Logs to stdout (or `destination`, always JSON). Anything that could hold a credential is redacted by path, and
 * request logging never records query strings (WebSocket tokens travel there): it logs `req.path`, never `req.url`.
 * The format defaults to {@link chooseLogFormat} of this process; redaction happens before either.
 */
export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
  format: LogFormat = chooseLogFormat(Boolean(process.stdout.isTTY), process.env.NODE_ENV),
): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'shagram' },
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'access_token', '*.access_token', 'authorization', '*.authorization', 'headers.authorization'],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (destination) return pino(options, destination);
  if (format === 'pretty') return pino(options, pino.transport({ target: 'pino-pretty', options: PRETTY_OPTIONS }));
  return pino(options);
}
