/**
 * The few S3 API calls signpost makes with an integration's credentials: HeadBucket (the
 * bucket's real region), ListObjectsV2, GetBucketCors, and Put/DeleteObject for the write
 * check. Header-signed, with the shared timeout and retry policy.
 */
import { fetchWithRetry, OutboundFailure, retryOnThrottleOr5xx, type RetryPolicy } from "../lib/outbound";
import { bucketLocation, objectLocation } from "./s3-location";
import { signedRequest } from "./s3-signer";
import type { AwsCredentials } from "./sigv4";
import { decodeXmlEntities, xmlElements, xmlText } from "./xml";

export interface S3Context {
  creds: AwsCredentials;
  region: string;
  endpoint: string | null;
  retry: RetryPolicy;
}

export class S3Error extends Error {
  constructor(
    readonly status: number | null,
    readonly awsCode: string,
    message: string,
    readonly regionHeader: string | null = null,
  ) {
    super(message);
  }
}

async function call(
  ctx: S3Context,
  bucket: string,
  key: string | null,
  method: string,
  query: Array<[string, string]>,
  headers?: Record<string, string>,
  body?: string,
) {
  const loc =
    key === null
      ? bucketLocation({ bucket, region: ctx.region, endpoint: ctx.endpoint })
      : objectLocation({ bucket, key, region: ctx.region, endpoint: ctx.endpoint });
  try {
    return await fetchWithRetry(
      () =>
        signedRequest(
          { creds: ctx.creds, region: ctx.region, method, origin: loc.origin, host: loc.host, path: loc.path, signingTime: Date.now(), query, headers },
          body,
        ),
      retryOnThrottleOr5xx,
      ctx.retry,
    );
  } catch (err) {
    const f = err as OutboundFailure;
    throw new S3Error(f.status, (f.body && xmlText(f.body, "Code")) || "Unavailable", `S3 unavailable: ${f.message}`);
  }
}

function fail(res: Response, body: string, what: string): S3Error {
  const code = xmlText(body, "Code") ?? `HTTP${res.status}`;
  const msg = xmlText(body, "Message") ?? `${what} answered HTTP ${res.status}`;
  return new S3Error(res.status, code, msg, res.headers.get("x-amz-bucket-region"));
}

/** The bucket's region per S3 (x-amz-bucket-region is sent even on 301 and 403). */
export async function headBucket(ctx: S3Context, bucket: string): Promise<{ status: number; region: string | null }> {
  const { res } = await call(ctx, bucket, null, "HEAD", []);
  return { status: res.status, region: res.headers.get("x-amz-bucket-region") };
}

export interface ListedObject {
  key: string;
  size: number;
  lastModified: string;
  etag: string;
}

export async function listObjectsV2(ctx: S3Context, bucket: string, opts: { prefix?: string; continuationToken?: string | null; maxKeys?: number }) {
  const q: Array<[string, string]> = [["list-type", "2"]];
  if (opts.prefix) q.push(["prefix", opts.prefix]);
  if (opts.continuationToken) q.push(["continuation-token", opts.continuationToken]);
  q.push(["max-keys", String(opts.maxKeys ?? 1000)]);
  const { res, body } = await call(ctx, bucket, null, "GET", q);
  if (!res.ok) throw fail(res, body, "ListObjectsV2");
  const objects: ListedObject[] = xmlElements(body, "Contents").map((c) => ({
    key: decodeXmlEntities(xmlElements(c, "Key")[0] ?? ""),
    size: Number(xmlText(c, "Size") ?? 0),
    lastModified: new Date(xmlText(c, "LastModified") ?? 0).toISOString(),
    etag: (xmlText(c, "ETag") ?? "").replace(/^"|"$/g, ""),
  }));
  const truncated = xmlText(body, "IsTruncated") === "true";
  return { objects, nextToken: truncated ? xmlText(body, "NextContinuationToken") : null };
}

export interface CorsRule {
  allowedOrigins: string[];
  allowedMethods: string[];
}

/** null when the bucket has no CORS configuration. */
export async function getBucketCors(ctx: S3Context, bucket: string): Promise<CorsRule[] | null> {
  const { res, body } = await call(ctx, bucket, null, "GET", [["cors", ""]]);
  if (res.status === 404 && xmlText(body, "Code") === "NoSuchCORSConfiguration") return null;
  if (!res.ok) throw fail(res, body, "GetBucketCors");
  return xmlElements(body, "CORSRule").map((r) => ({
    allowedOrigins: xmlElements(r, "AllowedOrigin").map((o) => decodeXmlEntities(o).trim()),
    allowedMethods: xmlElements(r, "AllowedMethod").map((m) => m.trim().toUpperCase()),
  }));
}

export async function putObject(ctx: S3Context, bucket: string, key: string, body: string, contentType: string): Promise<void> {
  const { res, body: text } = await call(ctx, bucket, key, "PUT", [], { "content-type": contentType }, body);
  if (!res.ok) throw fail(res, text, "PutObject");
}

export async function deleteObject(ctx: S3Context, bucket: string, key: string): Promise<void> {
  const { res, body } = await call(ctx, bucket, key, "DELETE", []);
  if (!res.ok && res.status !== 404) throw fail(res, body, "DeleteObject");
}
