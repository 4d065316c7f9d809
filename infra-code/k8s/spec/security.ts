/** Security contexts that satisfy the Kubernetes "restricted" Pod Security Standard. Pure. */
import type * as k8s from '@pulumi/kubernetes';

type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
type SecurityContext = k8s.types.input.core.v1.SecurityContext;

/** The pod-level context: a fixed non-root uid/gid, volumes group-owned by it, the runtime's default seccomp profile. */
export function podSecurityContext(uid: number): PodSecurityContext {
  return { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: 'RuntimeDefault' } };
}

/** The container-level context: no privilege escalation, no capabilities, a read-only root file system. */
export function containerSecurityContext(): SecurityContext {
  return { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } };
}
