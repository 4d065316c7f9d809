/**
 * The off-host backup tests' bucket: s3rver (an S3-compatible server for tests) on loopback with one bucket, and the
 * backup settings that point at it. s3rver answers the S3 calls the backup makes (put, get, list, delete) as S3
 * does, but checks an access key id without verifying the request's SigV4 signature: a wrong secret key would pass
 * here and fail against Object Storage.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import S3rver from 's3rver';
import type { OffsiteSettings } from '../src/offsite-plan';

/** A running bucket stand-in. */
export interface OffsiteBucket {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  bucket: string;
  /** Stops the server (its files stay in the folder it was given). */
  close(): Promise<void>;
}

/** Starts s3rver on a free loopback port, keeping its objects under `dir/s3`, with `bucket` created. */
export async function startOffsiteBucket(dir: string, bucket = 'backups'): Promise<OffsiteBucket> {
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: path.join(dir, 's3'), configureBuckets: [{ name: bucket, configs: [] }] });
  const { port } = await server.run();
  return { endpoint: `http://127.0.0.1:${port}`, bucket, close: () => server.close() };
}

/**
 * Backup settings for the stand-in: its credentials, a fresh random key, retention 7 daily / 4 weekly, the metrics
 * file under `dir/metrics`; `overrides` replace any of them (a prefix per test, for example).
 */
export function offsiteSettings(stand: OffsiteBucket, dir: string, overrides: Partial<OffsiteSettings> = {}): OffsiteSettings {
  return {
    bucket: stand.bucket,
    endpoint: stand.endpoint,
    region: 'ru-central1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    key: crypto.randomBytes(32),
    prefix: 'shagram',
    keepDaily: 7,
    keepWeekly: 4,
    metricsFile: path.join(dir, 'metrics', 'backup.prom'),
    ...overrides,
  };
}
