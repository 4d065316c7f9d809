/** Reads the stack's configuration from the Pulumi runtime and parses it (thin; the rules live in config.ts). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { ConfigError, parseConfig, type InfraConfig } from './config';

/** The repository's pin of Harbor's offline installer (version, url, sha256). */
export const HARBOR_INSTALLER_PIN = join(__dirname, '..', 'harbor', 'installer.json');

/** The `sha256` that `installer.json` pins, or null while it pins none. */
export function readHarborInstallerPin(file = HARBOR_INSTALLER_PIN): string | null {
  const pin = JSON.parse(readFileSync(file, 'utf8')) as { sha256?: unknown };
  return typeof pin.sha256 === 'string' && pin.sha256 !== '' ? pin.sha256 : null;
}

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
    return parseConfig({ values, secretKeys, env, harborInstallerPin: readHarborInstallerPin() });
  } catch (e) {
    if (e instanceof ConfigError) throw new pulumi.RunError(`invalid configuration: ${e.message}`);
    throw e;
  }
}
