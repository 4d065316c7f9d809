/**
 * The app image's reference, built in one place: the pipeline builds and pushes it (scripts/ci), the VPS program
 * deploys it (vps/platform.ts) and the Kubernetes program runs it (k8s/cluster.ts).
 */
import { REGISTRY_PROJECT } from './stack-spec';

/** The app's repository inside the Harbor project. */
export const APP_IMAGE_NAME = 'shagram';

/**
 * `<registryHost>/shagram/shagram:<tag>`. Throws one line when the host (a DNS name or address, optionally with a
 * port) or the tag (lower case, as the pipeline and the programs tag: digits, letters, `.`, `_`, `-`) cannot form
 * that reference. Pure.
 */
export function appImageRef(registryHost: string, tag: string): string {
  if (!/^[a-z0-9.-]+(:\d+)?$/i.test(registryHost)) throw new Error(`"${registryHost}" is not a registry host name`);
  if (!/^[a-z0-9][a-z0-9._-]{0,127}$/.test(tag)) throw new Error(`"${tag}" is not a valid image tag`);
  return `${registryHost}/${REGISTRY_PROJECT}/${APP_IMAGE_NAME}:${tag}`;
}
