/** Reads the Kubernetes stack's configuration from the Pulumi runtime (thin; the rules live in ./config.ts). */
import * as pulumi from '@pulumi/pulumi';
import { ConfigError } from '../config';
import { parseK8sConfig, parsePlatformKind, type K8sConfig, type PlatformKind } from './config';

type SecretProbe = (key: string) => boolean;

function asRunError<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof ConfigError) throw new pulumi.RunError(`invalid configuration: ${e.message}`);
    throw e;
  }
}

/** Which program the stack runs (`shagram:platform`, default `vps`); a bad value stops the run naming the key. */
export function loadPlatformKind(): PlatformKind {
  return asRunError(() => parsePlatformKind(pulumi.runtime.allConfig()));
}

/** Loads and validates the Kubernetes configuration; a bad key stops the run with a `RunError` naming it. */
export function loadK8sConfig(env: Record<string, string | undefined> = process.env): K8sConfig {
  const values = pulumi.runtime.allConfig();
  // `isConfigSecret` is part of the SDK's runtime but not of its public typings.
  const probe = (pulumi.runtime as unknown as { isConfigSecret?: SecretProbe }).isConfigSecret;
  const secretKeys = new Set(Object.keys(values).filter((k) => (probe ? probe(k) : true)));
  return asRunError(() => parseK8sConfig({ values, secretKeys, env }));
}
