/**
 * Reads the stack's configuration from the Pulumi runtime for every program (thin; the rules live in each program's
 * config.ts): the values, which of them were set as secrets, and the key that selects the program.
 */
import * as pulumi from '@pulumi/pulumi';
import { ConfigError } from './config-fields';
import { parsePlatformKind, type PlatformKind } from './platform-kind';

/** The stack's configuration as the runtime holds it: every value, and the keys set with `--secret`. */
export interface StackConfig {
  values: Record<string, string>;
  secretKeys: ReadonlySet<string>;
}

type SecretProbe = (key: string) => boolean;

/**
 * The stack's configuration values and its secret keys. `isConfigSecret` is part of the SDK's runtime but not of its
 * public typings; a runtime without it counts every key as secret (the plain-text check then passes).
 */
export function readStackConfig(): StackConfig {
  const values = pulumi.runtime.allConfig();
  const probe = (pulumi.runtime as unknown as { isConfigSecret?: SecretProbe }).isConfigSecret;
  return { values, secretKeys: new Set(Object.keys(values).filter((k) => (probe ? probe(k) : true))) };
}

/**
 * Reads the stack's configuration and parses it with a program's pure parser. A bad key stops the program before
 * any resource is registered, with a `RunError` (no stack trace) whose message names the key.
 */
export function loadStackConfig<T>(parse: (config: StackConfig) => T): T {
  const config = readStackConfig();
  try {
    return parse(config);
  } catch (e) {
    if (e instanceof ConfigError) throw new pulumi.RunError(`invalid configuration: ${e.message}`);
    throw e;
  }
}

/** Which program the stack runs (`shagram:platform`, default `vps`); a bad value stops the run naming the key. */
export function loadPlatformKind(): PlatformKind {
  return loadStackConfig(({ values }) => parsePlatformKind(values));
}
