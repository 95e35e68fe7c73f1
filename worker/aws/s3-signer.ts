/**
 * SigV4 for S3 by S3's rules: the path is taken as given (already encoded once by
 * encodeS3Key, never normalised or double-encoded), service "s3" and the region are always
 * explicit, presigned URLs carry X-Amz-Expires and X-Amz-Security-Token inside the signed
 * query, and the payload is UNSIGNED-PAYLOAD.
 */
import { uriEncode } from "../lib/object-key";
import { ALGORITHM, UNSIGNED_PAYLOAD, amzDate, canonicalRequest, credentialScope, signString, signingKey, stringToSign, type AwsCredentials } from "./sigv4";

export interface S3Target {
  creds: AwsCredentials;
  region: string;
  method: string;
  /** scheme://host[:port] */
  origin: string;
  /** Host header value (host[:port]) as the client will send it. */
  host: string;
  /** Canonical path: already percent-encoded. */
  path: string;
  /** Epoch ms of X-Amz-Date. */
  signingTime: number;
  /** Extra query parameters (unencoded), e.g. response-content-type or list-type. */
  query?: ReadonlyArray<readonly [string, string]>;
  /** Extra signed headers, lowercase names (e.g. content-type of an upload). */
  headers?: Readonly<Record<string, string>>;
}

export const MAX_PRESIGN_SECONDS = 604800;

function canonicalQuery(pairs: Array<[string, string]>): string {
  return pairs
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

function headerBlock(host: string, extra: Readonly<Record<string, string>> | undefined): { canonical: string; signed: string } {
  const entries: Array<[string, string]> = [["host", host]];
  for (const [k, v] of Object.entries(extra ?? {})) entries.push([k.toLowerCase(), v.trim().replace(/\s+/g, " ")]);
  entries.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return { canonical: entries.map(([k, v]) => `${k}:${v}\n`).join(""), signed: entries.map(([k]) => k).join(";") };
}

function fixedPairs(creds: AwsCredentials, datetime: string, scope: string, expires: number, signed: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [
    ["X-Amz-Algorithm", ALGORITHM],
    ["X-Amz-Credential", `${creds.accessKeyId}/${scope}`],
    ["X-Amz-Date", datetime],
    ["X-Amz-Expires", String(expires)],
    ["X-Amz-SignedHeaders", signed],
  ];
  if (creds.sessionToken) pairs.push(["X-Amz-Security-Token", creds.sessionToken]);
  return pairs;
}

// The X-Amz-* part of the canonical query is the same for every URL signed with the same
// credentials in one cache window; encoding the session token (~1 KB) once per window instead
// of once per URL is most of the saving.
const FIXED = new WeakMap<AwsCredentials, { key: string; query: string }>();

function fixedQuery(creds: AwsCredentials, datetime: string, scope: string, expires: number, signed: string): string {
  const key = `${datetime}|${scope}|${expires}|${signed}`;
  const hit = FIXED.get(creds);
  if (hit && hit.key === key) return hit.query;
  const query = canonicalQuery(fixedPairs(creds, datetime, scope, expires, signed));
  FIXED.set(creds, { key, query });
  return query;
}

/** A presigned URL valid for `expiresSeconds` from `signingTime`. */
export async function presignUrl(t: S3Target, expiresSeconds: number): Promise<string> {
  if (!Number.isInteger(expiresSeconds) || expiresSeconds < 1 || expiresSeconds > MAX_PRESIGN_SECONDS) {
    throw new RangeError(`X-Amz-Expires must be an integer in 1..${MAX_PRESIGN_SECONDS}`);
  }
  const datetime = amzDate(t.signingTime);
  const scope = credentialScope(datetime, t.region, "s3");
  const headers = headerBlock(t.host, t.headers);
  const fixed = fixedQuery(t.creds, datetime, scope, expiresSeconds, headers.signed);
  const extra = t.query ?? [];
  // X-Amz-* sort before lowercase keys (response-*, …), so those just follow the fixed part.
  const query =
    extra.length === 0
      ? fixed
      : extra.every(([k]) => k.charCodeAt(0) >= 0x61)
        ? `${fixed}&${canonicalQuery(extra.map(([k, v]) => [k, v]))}`
        : canonicalQuery([...fixedPairs(t.creds, datetime, scope, expiresSeconds, headers.signed), ...extra.map(([k, v]) => [k, v] as [string, string])]);
  const creq = canonicalRequest(t.method, t.path, query, headers.canonical, headers.signed, UNSIGNED_PAYLOAD);
  const key = await signingKey(t.creds, datetime, t.region, "s3");
  const signature = await signString(key, await stringToSign(datetime, scope, creq));
  return `${t.origin}${t.path}?${query}&X-Amz-Signature=${signature}`;
}

/** A header-signed S3 API request (ListObjectsV2, HeadBucket, GetBucketCors, …). */
export async function signedRequest(t: S3Target, body?: Uint8Array | string, payloadHash: string = UNSIGNED_PAYLOAD): Promise<Request> {
  const datetime = amzDate(t.signingTime);
  const scope = credentialScope(datetime, t.region, "s3");
  const extra: Record<string, string> = { ...(t.headers ?? {}), "x-amz-content-sha256": payloadHash, "x-amz-date": datetime };
  if (t.creds.sessionToken) extra["x-amz-security-token"] = t.creds.sessionToken;
  const headers = headerBlock(t.host, extra);
  const query = canonicalQuery([...(t.query ?? [])].map(([k, v]) => [k, v]));
  const creq = canonicalRequest(t.method, t.path, query, headers.canonical, headers.signed, payloadHash);
  const key = await signingKey(t.creds, datetime, t.region, "s3");
  const signature = await signString(key, await stringToSign(datetime, scope, creq));
  const out = new Headers(extra);
  out.set("authorization", `${ALGORITHM} Credential=${t.creds.accessKeyId}/${scope}, SignedHeaders=${headers.signed}, Signature=${signature}`);
  return new Request(`${t.origin}${t.path}${query ? "?" + query : ""}`, { method: t.method, headers: out, body: body ?? null });
}
