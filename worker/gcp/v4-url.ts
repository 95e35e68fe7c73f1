/**
 * Cloud Storage V4 signed URLs (GOOG4-RSA-SHA256), the pure part: canonical request,
 * string-to-sign and the final URL once a signature exists. No key and no network here;
 * the RSA signature comes from whoever holds the key (IAM Credentials signBlob).
 *
 *   canonical request = METHOD \n PATH \n QUERY \n "host:{host}\n" \n "host" \n UNSIGNED-PAYLOAD
 *   string-to-sign    = GOOG4-RSA-SHA256 \n {X-Goog-Date} \n {yyyymmdd}/auto/storage/goog4_request \n hex(sha256(canonical request))
 *
 * The path is encoded exactly like an S3 key (every byte outside A-Z a-z 0-9 - . _ ~ and
 * `/`), query names and values like SigV4 (RFC 3986, `/` encoded too), sorted by name.
 */
import { ApiError } from "../lib/errors";
import { encodeS3Key, uriEncode } from "../lib/object-key";
import { sha256Hex, toHex } from "../lib/bytes";
import { assertGcsKey, isValidGcsBucketName } from "./gcs-url";

export const GOOG4_ALGORITHM = "GOOG4-RSA-SHA256";
/** The V4 format's own limit on X-Goog-Expires (7 days). */
export const V4_MAX_EXPIRES_SECONDS = 604800;
export const GCS_ENDPOINT = "https://storage.googleapis.com";
const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

export interface V4UrlRequest {
  bucket: string;
  /** Object name, unencoded. */
  key: string;
  /** The service account whose key makes the signature (X-Goog-Credential). */
  serviceAccountEmail: string;
  /** Epoch ms of X-Goog-Date (whole seconds are used). */
  signingTime: number;
  /** X-Goog-Expires, 1..604800. */
  expiresSeconds: number;
  method?: "GET" | "HEAD";
  /** "path" (default) or "virtual" (`{bucket}.storage.googleapis.com`, only for dot-less buckets). */
  style?: "path" | "virtual";
  /** Storage endpoint override (emulators, tests): always path-style on it. */
  endpoint?: string | null;
  responseContentType?: string;
  responseContentDisposition?: string;
}

export interface V4Draft {
  canonicalRequest: string;
  stringToSign: string;
  /** `{origin}{path}?{canonical query}`: the URL without X-Goog-Signature. */
  unsignedUrl: string;
  /** Epoch ms: X-Goog-Date + X-Goog-Expires. */
  expiresAt: number;
}

/** 20190201T090000Z */
export function goog4Date(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, "");
}

export function credentialScope(datetime: string): string {
  return `${datetime.slice(0, 8)}/auto/storage/goog4_request`;
}

function location(r: V4UrlRequest): { origin: string; host: string; path: string } {
  const encodedKey = encodeS3Key(r.key);
  if (r.endpoint) {
    const u = new URL(r.endpoint);
    const base = u.pathname.replace(/\/+$/, "");
    return { origin: u.origin, host: u.host, path: `${base}/${r.bucket}/${encodedKey}` };
  }
  // Dotted bucket names do not match the *.storage.googleapis.com certificate.
  if (r.style === "virtual" && !r.bucket.includes(".")) {
    const host = `${r.bucket}.storage.googleapis.com`;
    return { origin: `https://${host}`, host, path: `/${encodedKey}` };
  }
  return { origin: GCS_ENDPOINT, host: "storage.googleapis.com", path: `/${r.bucket}/${encodedKey}` };
}

/**
 * Everything of a V4 signed URL but the signature. Throws `invalid_request` (expiry out of
 * range, bad bucket) or `invalid_key`.
 */
export async function draftV4SignedUrl(r: V4UrlRequest): Promise<V4Draft> {
  if (!Number.isInteger(r.expiresSeconds) || r.expiresSeconds < 1 || r.expiresSeconds > V4_MAX_EXPIRES_SECONDS) {
    throw new ApiError("invalid_request", `X-Goog-Expires must be an integer in 1..${V4_MAX_EXPIRES_SECONDS}.`);
  }
  if (!isValidGcsBucketName(r.bucket)) throw new ApiError("invalid_request", "Invalid Cloud Storage bucket name.");
  assertGcsKey(r.key);
  const signingSecond = Math.floor(r.signingTime / 1000) * 1000;
  const datetime = goog4Date(signingSecond);
  const scope = credentialScope(datetime);
  const loc = location(r);

  const params: Array<[string, string]> = [
    ["X-Goog-Algorithm", GOOG4_ALGORITHM],
    ["X-Goog-Credential", `${r.serviceAccountEmail}/${scope}`],
    ["X-Goog-Date", datetime],
    ["X-Goog-Expires", String(r.expiresSeconds)],
    ["X-Goog-SignedHeaders", "host"],
  ];
  if (r.responseContentType !== undefined) params.push(["response-content-type", r.responseContentType]);
  if (r.responseContentDisposition !== undefined) params.push(["response-content-disposition", r.responseContentDisposition]);
  const query = params
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");

  const canonicalRequest = [r.method ?? "GET", loc.path, query, `host:${loc.host}\n`, "host", UNSIGNED_PAYLOAD].join("\n");
  const stringToSign = [GOOG4_ALGORITHM, datetime, scope, await sha256Hex(canonicalRequest)].join("\n");
  return {
    canonicalRequest,
    stringToSign,
    unsignedUrl: `${loc.origin}${loc.path}?${query}`,
    expiresAt: signingSecond + r.expiresSeconds * 1000,
  };
}

/** The signed URL: the draft plus `X-Goog-Signature` (lowercase hex of the RSA signature). */
export function completeV4SignedUrl(draft: V4Draft, signature: Uint8Array): string {
  return `${draft.unsignedUrl}&X-Goog-Signature=${toHex(signature.slice().buffer)}`;
}
