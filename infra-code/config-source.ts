/** Reads the stack's configuration from the Pulumi runtime and parses it (thin; the rules live in config.ts). */
import * as pulumi from '@pulumi/pulumi';
import { ConfigError, parseConfig, type InfraConfig } from './config';

type SecretProbe = (key: string) => boolean;

/**
 * Loads and validates the configuration. A bad key stops the program before any resource is registered,
 * with a `RunError` (no stack trace) whose message names the key.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): InfraConfig {
  const values = pulumi.runtime.allConfig();
  // `isConfigSecret` is part of the SDK's runtime but not of its public typings.
  const probe = (pulumi.runtime as unknown as { isConfigSecret?: SecretProbe }).isConfigSecret;
  const secretKeys = new Set(Object.keys(values).filter((k) => (probe ? probe(k) : true)));
  try {
    return parseConfig({ values, secretKeys, env });
  } catch (e) {
    if (e instanceof ConfigError) throw new pulumi.RunError(`invalid configuration: ${e.message}`);
    throw e;
  }
}
