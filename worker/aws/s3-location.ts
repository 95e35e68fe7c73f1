/**
 * Where a signed S3 request goes (SPEC "Asset redirects"): virtual-hosted
 * `https://{bucket}.s3.{region}.{dnsSuffix}/{key}` by default, path-style
 * `https://s3.{region}.{dnsSuffix}/{bucket}/{key}` for bucket names with dots, and
 * path-style `{endpoint}/{bucket}/{key}` on a custom endpoint (R2, MinIO, emulators, the
 * AWS_ENDPOINT_URL_S3 override), keeping the endpoint's base path.
 *
 * `path` is the canonical, already-encoded path: it is what the client requests and what
 * SigV4 signs, byte for byte.
 */
import { ApiError } from "../lib/errors";
import { isValidBucketName, isVirtualHostable } from "./bucket";
import { dnsSuffix, isValidRegion, partitionOfRegion } from "./partition";
import { assertSafeKey, encodeS3Key } from "../lib/object-key";

export interface S3Location {
  /** scheme://host[:port] */
  origin: string;
  /** Host header value: host[:port], default port omitted. */
  host: string;
  /** Canonical, percent-encoded path starting with `/`. */
  path: string;
}

export interface BucketRef {
  bucket: string;
  region: string;
  /** S3-compatible endpoint URL; null/undefined for AWS itself. */
  endpoint?: string | null;
}

interface ParsedEndpoint {
  origin: string;
  host: string;
  /** Base path without a trailing slash ("" for none), e.g. "/s3". */
  basePath: string;
}

// Endpoints are per-integration configuration: few distinct strings, parsed once each.
const endpointCache = new Map<string, ParsedEndpoint>();
const MAX_CACHED_ENDPOINTS = 256;

function parseEndpoint(endpoint: string): ParsedEndpoint {
  const cached = endpointCache.get(endpoint);
  if (cached) return cached;
  let u: URL;
  try {
    u = new URL(endpoint);
  } catch {
    throw new ApiError("invalid_request", "The integration's endpoint is not a valid URL.");
  }
  if ((u.protocol !== "https:" && u.protocol !== "http:") || u.username || u.password || u.search || u.hash) {
    throw new ApiError("invalid_request", "The integration's endpoint must be an http(s) URL without credentials, query or fragment.");
  }
  let basePath = u.pathname;
  while (basePath.endsWith("/")) basePath = basePath.slice(0, -1);
  const parsed: ParsedEndpoint = { origin: u.origin, host: u.host, basePath };
  if (endpointCache.size >= MAX_CACHED_ENDPOINTS) endpointCache.clear();
  endpointCache.set(endpoint, parsed);
  return parsed;
}

function assertBucket(bucket: string): void {
  if (!isValidBucketName(bucket)) {
    throw new ApiError("invalid_request", "Invalid bucket name.", "Bucket names are 3-63 lowercase letters, digits, dots and hyphens.");
  }
}

/** Host of the regional S3 endpoint, with the bucket in front when virtual-hosted. */
function awsHost(bucket: string | null, region: string): string {
  if (!isValidRegion(region)) throw new ApiError("invalid_request", `Invalid AWS region "${region.slice(0, 40)}".`);
  const base = `s3.${region}.${dnsSuffix(partitionOfRegion(region))}`;
  return bucket === null ? base : `${bucket}.${base}`;
}

/**
 * Location of one object. The key is refused (`invalid_key`) unless it is safe to sign,
 * so every caller gets the guarantee that a browser requests exactly `path`.
 */
export function objectLocation(ref: BucketRef & { key: string }): S3Location {
  assertBucket(ref.bucket);
  assertSafeKey(ref.key);
  const encodedKey = encodeS3Key(ref.key);
  if (ref.endpoint) {
    const e = parseEndpoint(ref.endpoint);
    return { origin: e.origin, host: e.host, path: `${e.basePath}/${ref.bucket}/${encodedKey}` };
  }
  if (isVirtualHostable(ref.bucket)) {
    const host = awsHost(ref.bucket, ref.region);
    return { origin: `https://${host}`, host, path: `/${encodedKey}` };
  }
  const host = awsHost(null, ref.region);
  return { origin: `https://${host}`, host, path: `/${ref.bucket}/${encodedKey}` };
}

/**
 * Location of a bucket-level call (ListObjectsV2, GetBucketCors, HeadBucket, …): `/`
 * virtual-hosted, `/{bucket}/` path-style — the object path with an empty key, which
 * S3 and the S3-compatible services accept.
 */
export function bucketLocation(ref: BucketRef): S3Location {
  assertBucket(ref.bucket);
  if (ref.endpoint) {
    const e = parseEndpoint(ref.endpoint);
    return { origin: e.origin, host: e.host, path: `${e.basePath}/${ref.bucket}/` };
  }
  if (isVirtualHostable(ref.bucket)) {
    const host = awsHost(ref.bucket, ref.region);
    return { origin: `https://${host}`, host, path: "/" };
  }
  const host = awsHost(null, ref.region);
  return { origin: `https://${host}`, host, path: `/${ref.bucket}/` };
}
