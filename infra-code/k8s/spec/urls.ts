/** Connection URLs and in-cluster DNS names. Pure. */

/** The cluster-internal DNS name of a Service. */
export function serviceHost(service: string, namespace: string): string {
  return `${service}.${namespace}.svc.cluster.local`;
}

/** A `postgres://` URL; user and password are percent-encoded. */
export function postgresUrl(p: { user: string; password: string; host: string; port: number; database: string }): string {
  return `postgres://${encodeURIComponent(p.user)}:${encodeURIComponent(p.password)}@${p.host}:${p.port}/${encodeURIComponent(p.database)}`;
}

/** A `redis://` URL with a password and no user (Redis `requirepass`); the password is percent-encoded. */
export function redisUrl(p: { password: string; host: string; port: number }): string {
  return `redis://:${encodeURIComponent(p.password)}@${p.host}:${p.port}`;
}
