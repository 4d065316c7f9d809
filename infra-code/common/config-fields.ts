/** The configuration pieces every program shares: the error that names a bad key, and the field parsers. */
import { z } from 'zod';

/** Thrown for a missing or invalid configuration key; the message names the key. */
export class ConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`${key}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** A DNS name of two labels or more, lower-case (the VPS and the Kubernetes programs both take host names). */
export const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** A host name config value, lower-cased. */
export const hostname = z.string().toLowerCase().regex(HOSTNAME, 'must be a DNS name such as chat.example.com');

/** A whole-number config value (Pulumi config values are strings) within [min, max]. */
export const intString = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

/** A `true`/`false` config value. */
export const boolString = z.enum(['true', 'false'], 'must be true or false').transform((v) => v === 'true');
