/** The Kubernetes program, callable: load its configuration, then build the platform. */
import { createKubernetesPlatform, type KubernetesPlatform } from './cluster';
import { loadK8sConfig } from './config-source';

/** Runs the Kubernetes program against the current Pulumi runtime (its config and its monitor). */
export function runKubernetesProgram(): KubernetesPlatform {
  return createKubernetesPlatform(loadK8sConfig());
}
