/** The Shagram container and the pieces of its pod spec (env, probes, resources, drain). Pure. */
import type * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';
import type { ResourceSizing } from '../config';
import { containerSecurityContext } from './security';

type Container = k8s.types.input.core.v1.Container;
type EnvVar = k8s.types.input.core.v1.EnvVar;
type Probe = k8s.types.input.core.v1.Probe;
type Volume = k8s.types.input.core.v1.Volume;

/** The port the server listens on (`PORT`, default 8080). */
export const APP_PORT = 8080;
/** The app image's unprivileged user and group (app/Dockerfile). */
export const APP_UID = 10001;
/** The app's data folder (the image's volume); an emptyDir here, since the state lives in PostgreSQL. */
export const APP_DATA_DIR = '/app/data';
/** Seconds the pod keeps serving after it is marked for termination, so endpoints and ingress-nginx drop it first. */
export const PRE_STOP_DELAY_SECONDS = 5;
/** The server drains in at most 10 s after SIGTERM; the grace period covers the pre-stop delay, the drain and a margin. */
export const TERMINATION_GRACE_SECONDS = 30;
/** Keys of the app's Secret, each exposed as the environment variable of the same name. */
export const APP_SECRET_KEYS = ['JWT_SECRET', 'DATABASE_URL', 'REDIS_URL'] as const;

/** The labels that select the app's pods. */
export function appLabels(): Record<string, string> {
  return { 'app.kubernetes.io/name': 'shagram', 'app.kubernetes.io/component': 'server' };
}

/**
 * The app's environment: plain settings as values, and every secret (JWT_SECRET, DATABASE_URL, REDIS_URL) as a
 * `secretKeyRef` to the app's Secret, so no secret value ever appears in the Deployment.
 */
export function appEnv(p: { chatHost: string; secretName: pulumi.Input<string> }): EnvVar[] {
  return [
    { name: 'NODE_ENV', value: 'production' },
    { name: 'PORT', value: String(APP_PORT) },
    { name: 'HOST', value: '0.0.0.0' },
    { name: 'TRUST_PROXY', value: 'on' },
    { name: 'WS_ALLOWED_ORIGINS', value: `https://${p.chatHost}` },
    { name: 'LOG_LEVEL', value: 'info' },
    { name: 'DATABASE_PATH', value: `${APP_DATA_DIR}/shagram.db` },
    ...APP_SECRET_KEYS.map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: p.secretName, key } } })),
  ];
}

/**
 * Probes: readiness on `/readyz` (503 while draining or while PostgreSQL/Redis is unreachable: the pod leaves the
 * Service without being restarted), liveness on `/healthz` (only a hung process is restarted), and a startup probe
 * that gives migrations time before liveness counts.
 */
export function appProbes(): { readinessProbe: Probe; livenessProbe: Probe; startupProbe: Probe } {
  return {
    readinessProbe: { httpGet: { path: '/readyz', port: APP_PORT }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2, successThreshold: 1 },
    livenessProbe: { httpGet: { path: '/healthz', port: APP_PORT }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
    startupProbe: { httpGet: { path: '/healthz', port: APP_PORT }, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 60 },
  };
}

/** CPU and memory requests and limits. */
export function appResources(s: ResourceSizing): k8s.types.input.core.v1.ResourceRequirements {
  return { requests: { cpu: s.cpuRequest, memory: s.memoryRequest }, limits: { cpu: s.cpuLimit, memory: s.memoryLimit } };
}

/** Writable scratch folders on a read-only root file system. */
export function appVolumes(): Volume[] {
  return [
    { name: 'data', emptyDir: { sizeLimit: '256Mi' } },
    { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
  ];
}

/**
 * The Shagram container. Drain: on termination the pre-stop `sleep` keeps the pod serving while it is removed from
 * the endpoints; then SIGTERM makes the server answer 503 on /readyz, close WebSockets with 1001 (clients reconnect
 * to another replica and replay with `since=`) and exit within 10 s.
 */
export function appContainer(p: { image: string; chatHost: string; secretName: pulumi.Input<string>; resources: ResourceSizing }): Container {
  return {
    name: 'shagram',
    image: p.image,
    imagePullPolicy: 'IfNotPresent',
    ports: [{ name: 'http', containerPort: APP_PORT, protocol: 'TCP' }],
    env: appEnv({ chatHost: p.chatHost, secretName: p.secretName }),
    ...appProbes(),
    resources: appResources(p.resources),
    securityContext: containerSecurityContext(),
    lifecycle: { preStop: { exec: { command: ['sleep', String(PRE_STOP_DELAY_SECONDS)] } } },
    volumeMounts: [
      { name: 'data', mountPath: APP_DATA_DIR },
      { name: 'tmp', mountPath: '/tmp' },
    ],
  };
}
