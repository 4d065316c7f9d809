/**
 * Reads the facts of state-backend-plan.ts from the bucket with the AWS SDK (the credentials Pulumi uses too:
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the environment) and judges them. Writes one probe object outside
 * the lock folder and deletes it again; reads and changes nothing of Pulumi's.
 */
import crypto from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { newS3Client } from '../../src/ops/s3-store';
import { judgeState, parseS3BackendUrl, stateKeys, type LockContent, type S3BackendTarget, type StateCheckFacts } from './state-backend-plan';

/** The result of one check. */
export interface StateCheckResult {
  target: S3BackendTarget;
  facts: StateCheckFacts;
  problems: string[];
}

const describeError = (error: unknown): string => {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  return [e.name && e.name !== 'Error' ? e.name : undefined, status ? `HTTP ${status}` : undefined, e.message && e.message !== e.name ? e.message : undefined].filter(Boolean).join(': ') || String(error);
};

/** An S3 client for the target, configured as Pulumi's s3blob is for it (credentials from the environment unless given). */
export function s3ClientFor(target: S3BackendTarget, extra: { credentials?: { accessKeyId: string; secretAccessKey: string } } = {}): S3Client {
  return newS3Client({ endpoint: target.endpoint, region: target.region, forcePathStyle: target.forcePathStyle, credentials: extra.credentials, maxAttempts: 2 });
}

async function exists(client: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw error;
  }
}

/** Checks the backend a `pulumi up` of `project`/`stack` would use. */
export async function checkStateBackend(
  url: string,
  project: string,
  stack: string,
  options: { requireState: boolean; client?: { credentials?: { accessKeyId: string; secretAccessKey: string } } },
): Promise<StateCheckResult> {
  const target = parseS3BackendUrl(url);
  const keys = stateKeys(target, project, stack);
  const client = s3ClientFor(target, options.client);
  const facts: StateCheckFacts = { bucketReachable: false, locks: [], writable: false };
  try {
    try {
      await client.send(new HeadBucketCommand({ Bucket: target.bucket }));
      facts.bucketReachable = true;
    } catch (error) {
      facts.bucketError = describeError(error);
      return { target, facts, problems: judgeState(target, stack, facts, options.requireState) };
    }
    try {
      const meta = await client.send(new GetObjectCommand({ Bucket: target.bucket, Key: keys.meta }));
      const version = /^version:\s*(\d+)\s*$/m.exec((await meta.Body?.transformToString()) ?? '');
      facts.metaVersion = version ? Number(version[1]) : 0;
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) throw error;
    }
    for (const key of keys.checkpoints) {
      if (await exists(client, target.bucket, key)) {
        facts.checkpointKey = key;
        break;
      }
    }
    const listed = await client.send(new ListObjectsV2Command({ Bucket: target.bucket, Prefix: keys.lockDir }));
    for (const object of listed.Contents ?? []) {
      if (!object.Key || object.Key.endsWith('/')) continue;
      let content: Partial<LockContent> | undefined;
      try {
        const body = await client.send(new GetObjectCommand({ Bucket: target.bucket, Key: object.Key }));
        content = JSON.parse((await body.Body?.transformToString()) ?? '') as Partial<LockContent>;
      } catch {
        content = undefined;
      }
      facts.locks.push({ key: object.Key, content });
    }
    const probe = keys.probe(crypto.randomUUID());
    try {
      await client.send(new PutObjectCommand({ Bucket: target.bucket, Key: probe, Body: 'shagram state-check probe\n' }));
      await client.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: probe }));
      facts.writable = true;
    } catch (error) {
      facts.writeError = describeError(error);
    }
    return { target, facts, problems: judgeState(target, stack, facts, options.requireState) };
  } finally {
    client.destroy();
  }
}
