/** The Kubernetes program, callable: load its configuration, then build the platform. */
import { loadStackConfig } from '../common/config-source';
import { createKubernetesPlatform, type KubernetesPlatform } from './cluster';
import { parseK8sConfig, type K8sConfig } from './config';

/** Loads and validates the Kubernetes configuration; a bad key stops the run with a `RunError` naming it. */
export function loadK8sConfig(env: Record<string, string | undefined> = process.env): K8sConfig {
  return loadStackConfig(({ values, secretKeys }) => parseK8sConfig({ values, secretKeys, env }));
}

/** Runs the Kubernetes program against the current Pulumi runtime (its config and its monitor). */
export function runKubernetesProgram(): KubernetesPlatform {
  return createKubernetesPlatform(loadK8sConfig());
}
