/**
 * The bucket, through @aws-sdk/client-s3: upload a file (multipart above one part), list, download with the
 * SHA-256 computed on the way, delete. Works with Yandex Object Storage and any S3-compatible server (path-style
 * addressing; checksums only where S3 requires them, since not every S3-compatible server accepts the SDK's default
 * CRC headers).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { ScriptError } from '../../lib/cli';

/** What the client needs. */
export interface BucketSettings {
  bucket: string;
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** A bucket handle. */
export interface Bucket {
  client: S3Client;
  name: string;
}

/**
 * An S3 client as every tool here makes one: checksums only where S3 requires them when the store is not AWS (an
 * `endpoint`: not every S3-compatible server accepts the SDK's default CRC headers), credentials given or from the
 * environment. The pinned SDK runs on the hosts' Node.js 20; its notice that later SDK releases need Node.js 22 would
 * print on every run (docs/backups.md notes it for the upgrade), so it is turned off.
 */
export function newS3Client(o: { endpoint?: string; region: string; forcePathStyle: boolean; credentials?: { accessKeyId: string; secretAccessKey: string }; maxAttempts: number }): S3Client {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    endpoint: o.endpoint,
    region: o.region,
    forcePathStyle: o.forcePathStyle,
    ...(o.credentials ? { credentials: o.credentials } : {}),
    ...(o.endpoint ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
    maxAttempts: o.maxAttempts,
  });
}

/** A client for the bucket. */
export function openBucket(settings: BucketSettings): Bucket {
  const client = newS3Client({
    endpoint: settings.endpoint,
    region: settings.region,
    forcePathStyle: true,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    maxAttempts: 5,
  });
  return { client, name: settings.bucket };
}

/** One line for an S3 failure: the operation, the key and the service's error code and message. */
function s3Error(what: string, error: unknown): ScriptError {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : '';
  return new ScriptError(`${what}: ${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${(e.message ?? String(error)).split('\n')[0]}${status}`);
}

/** Default part size of multipart uploads (S3 allows 10 000 parts: 640 GB at 64 MiB). */
export const PART_BYTES = 64 * 1024 * 1024;

/**
 * Uploads `file` as `key` with `metadata` (x-amz-meta-*): one PUT up to `partBytes`, a multipart upload above it
 * (aborted on failure, so no parts are left behind).
 */
export async function uploadFile(bucket: Bucket, key: string, file: string, metadata: Record<string, string>, partBytes = PART_BYTES): Promise<void> {
  const size = fs.statSync(file).size;
  const base = { Bucket: bucket.name, Key: key };
  if (size <= partBytes) {
    await bucket.client
      .send(new PutObjectCommand({ ...base, Body: fs.createReadStream(file), ContentLength: size, Metadata: metadata, ContentType: 'application/octet-stream' }))
      .catch((error: unknown) => {
        throw s3Error(`upload of ${key} to bucket ${bucket.name}`, error);
      });
    return;
  }
  const created = await bucket.client.send(new CreateMultipartUploadCommand({ ...base, Metadata: metadata, ContentType: 'application/octet-stream' })).catch((error: unknown) => {
    throw s3Error(`upload of ${key} to bucket ${bucket.name}`, error);
  });
  const uploadId = created.UploadId as string;
  const parts: { PartNumber: number; ETag: string }[] = [];
  const fd = fs.openSync(file, 'r');
  try {
    for (let offset = 0, number = 1; offset < size; offset += partBytes, number++) {
      const length = Math.min(partBytes, size - offset);
      const chunk = Buffer.alloc(length);
      fs.readSync(fd, chunk, 0, length, offset);
      const part = await bucket.client.send(new UploadPartCommand({ ...base, UploadId: uploadId, PartNumber: number, Body: chunk, ContentLength: length }));
      parts.push({ PartNumber: number, ETag: part.ETag as string });
    }
    await bucket.client.send(new CompleteMultipartUploadCommand({ ...base, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
  } catch (error) {
    await bucket.client.send(new AbortMultipartUploadCommand({ ...base, UploadId: uploadId })).catch(() => undefined);
    throw s3Error(`multipart upload of ${key} to bucket ${bucket.name}`, error);
  } finally {
    fs.closeSync(fd);
  }
}

/** An object in the bucket. */
export interface ListedObject {
  key: string;
  size: number;
}

/** Every object under `prefix` (all pages). */
export async function listObjects(bucket: Bucket, prefix: string): Promise<ListedObject[]> {
  const out: ListedObject[] = [];
  let token: string | undefined;
  do {
    const page = await bucket.client.send(new ListObjectsV2Command({ Bucket: bucket.name, Prefix: prefix, ContinuationToken: token })).catch((error: unknown) => {
      throw s3Error(`listing ${prefix} in bucket ${bucket.name}`, error);
    });
    for (const object of page.Contents ?? []) out.push({ key: object.Key as string, size: object.Size ?? 0 });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/** Downloads `key` into `file` (mode 0600, must not exist); answers its size, SHA-256 and the object's metadata. */
export async function downloadFile(bucket: Bucket, key: string, file: string): Promise<{ bytes: number; sha256: string; metadata: Record<string, string> }> {
  const object = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.name, Key: key })).catch((error: unknown) => {
    throw s3Error(`download of ${key} from bucket ${bucket.name}`, error);
  });
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  try {
    await pipeline(
      object.Body as Readable,
      async function* (input: AsyncIterable<Buffer>) {
        for await (const chunk of input) {
          hash.update(chunk);
          bytes += chunk.length;
          yield chunk;
        }
      },
      fs.createWriteStream(file, { mode: 0o600, flags: 'wx' }),
    );
  } catch (error) {
    fs.rmSync(file, { force: true });
    throw s3Error(`download of ${key} from bucket ${bucket.name}`, error);
  }
  return { bytes, sha256: hash.digest('hex'), metadata: object.Metadata ?? {} };
}

/** Deletes one object. */
export async function deleteObject(bucket: Bucket, key: string): Promise<void> {
  await bucket.client.send(new DeleteObjectCommand({ Bucket: bucket.name, Key: key })).catch((error: unknown) => {
    throw s3Error(`delete of ${key} in bucket ${bucket.name}`, error);
  });
}
