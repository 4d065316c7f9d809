/** PostgreSQL for the chat: a StatefulSet with a persistent volume in the cluster, or an external server's URL. */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import type { DatabaseConfig } from '../config';
import { containerSecurityContext, podSecurityContext } from '../spec/security';
import { postgresUrl, serviceHost } from '../spec/urls';

/** Inputs of `PostgresDatabase`. */
export interface PostgresDatabaseArgs {
  namespace: pulumi.Input<string>;
  /** In the cluster (image, volume size, StorageClass) or external (URL, secret). */
  database: DatabaseConfig;
}

/** Name of the StatefulSet and of its headless Service. */
export const POSTGRES_NAME = 'shagram-postgres';
/** PostgreSQL's port. */
export const POSTGRES_PORT = 5432;
/** Database and role the app uses. */
export const POSTGRES_DB = 'shagram';
/** The uid/gid of the `postgres` user in the official Debian-based images. */
export const POSTGRES_UID = 999;

/**
 * The database. In the cluster: a Secret with a generated password, a headless Service and a one-replica
 * StatefulSet whose `data` volume comes from a PersistentVolumeClaim template. External: no resource, only the URL.
 */
export class PostgresDatabase extends pulumi.ComponentResource {
  readonly secret?: k8s.core.v1.Secret;
  readonly service?: k8s.core.v1.Service;
  readonly statefulSet?: k8s.apps.v1.StatefulSet;
  /** `DATABASE_URL` for the app (secret). */
  readonly url: pulumi.Output<string>;

  /** Registers the database's resources (none for an external server). */
  constructor(name: string, args: PostgresDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super('shagram:k8s:PostgresDatabase', name, {}, opts);
    const db = args.database;
    if (db.kind === 'external') {
      this.url = pulumi.secret(db.url);
      this.registerOutputs({});
      return;
    }
    const child = { parent: this };
    const namespace = args.namespace;
    const labels = { 'app.kubernetes.io/name': 'shagram', 'app.kubernetes.io/component': 'postgres' };
    const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, child).result;

    this.secret = new k8s.core.v1.Secret(
      `${name}-credentials`,
      { metadata: { namespace, labels }, type: 'Opaque', stringData: pulumi.secret(password.apply((pw) => ({ POSTGRES_PASSWORD: pw }))) },
      child,
    );
    this.service = new k8s.core.v1.Service(
      name,
      {
        metadata: { name: POSTGRES_NAME, namespace, labels },
        spec: { clusterIP: 'None', selector: labels, ports: [{ name: 'postgres', port: POSTGRES_PORT, targetPort: 'postgres' }] },
      },
      child,
    );
    const pgReady = { exec: { command: ['pg_isready', '-U', POSTGRES_DB, '-d', POSTGRES_DB, '-h', '127.0.0.1'] } };
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      name,
      {
        metadata: { name: POSTGRES_NAME, namespace, labels },
        spec: {
          serviceName: POSTGRES_NAME,
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              securityContext: podSecurityContext(POSTGRES_UID),
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              terminationGracePeriodSeconds: 60,
              containers: [
                {
                  name: 'postgres',
                  image: db.image,
                  ports: [{ name: 'postgres', containerPort: POSTGRES_PORT }],
                  env: [
                    { name: 'POSTGRES_USER', value: POSTGRES_DB },
                    { name: 'POSTGRES_DB', value: POSTGRES_DB },
                    { name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: this.secret.metadata.name, key: 'POSTGRES_PASSWORD' } } },
                    { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
                  ],
                  readinessProbe: { ...pgReady, periodSeconds: 5, timeoutSeconds: 3 },
                  livenessProbe: { ...pgReady, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 6, initialDelaySeconds: 30 },
                  resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
                  securityContext: containerSecurityContext(),
                  volumeMounts: [
                    { name: 'data', mountPath: '/var/lib/postgresql/data' },
                    { name: 'run', mountPath: '/var/run/postgresql' },
                    { name: 'tmp', mountPath: '/tmp' },
                  ],
                },
              ],
              volumes: [
                { name: 'run', emptyDir: {} },
                { name: 'tmp', emptyDir: {} },
              ],
            },
          },
          volumeClaimTemplates: [
            {
              metadata: { name: 'data', labels },
              spec: {
                accessModes: ['ReadWriteOnce'],
                storageClassName: db.storageClass,
                resources: { requests: { storage: `${db.storageGb}Gi` } },
              },
            },
          ],
        },
      },
      child,
    );
    this.url = pulumi.secret(
      pulumi
        .all([password, namespace])
        .apply(([pw, ns]) => postgresUrl({ user: POSTGRES_DB, password: pw, host: serviceHost(POSTGRES_NAME, ns), port: POSTGRES_PORT, database: POSTGRES_DB })),
    );
    this.registerOutputs({});
  }
}
