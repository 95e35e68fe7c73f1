/**
 * Google Cloud Storage object references: parsing the URLs users paste (`gs://bucket/key`,
 * `https://storage.googleapis.com/bucket/key`, `https://bucket.storage.googleapis.com/key`,
 * and the console's `https://storage.cloud.google.com/bucket/key`), and the rules an object
 * name must pass before it is signed. Keys follow the S3 rules of SPEC "Keys in paths":
 * https paths are percent-decoded once, `gs://` keys are taken literally.
 */
import { ApiError } from "../lib/errors";
import { assertSafeKey, decodeKeySegments } from "../lib/object-key";

export interface GcsObjectRef {
  bucket: string;
  key: string;
}

const PATH_STYLE_HOSTS = new Set(["storage.googleapis.com", "storage.cloud.google.com"]);
const VIRTUAL_HOST_SUFFIX = ".storage.googleapis.com";

/**
 * GCS bucket naming rules: 3-63 characters (up to 222 with dots, each dot-separated part at
 * most 63) of lowercase letters, digits, `-`, `_` and `.`, starting and ending with a letter
 * or digit; not an IPv4 address, not starting with "goog".
 */
export function isValidGcsBucketName(name: string): boolean {
  if (!/^[a-z0-9][a-z0-9._-]*[a-z0-9]$/.test(name) || name.length < 3 || name.startsWith("goog")) return false;
  if (!name.includes(".")) return name.length <= 63;
  if (name.length > 222 || /^\d+\.\d+\.\d+\.\d+$/.test(name)) return false;
  return name.split(".").every((p) => p.length >= 1 && p.length <= 63);
}

/**
 * Refuses object names that cannot be signed: the S3 key rules (empty, over 1024 UTF-8
 * bytes, lone surrogates, `.`/`..` segments) plus GCS's own: no CR or LF.
 */
export function assertGcsKey(key: string): void {
  assertSafeKey(key);
  if (/[\r\n]/.test(key)) throw new ApiError("invalid_key", "Cloud Storage object names cannot contain carriage returns or line feeds.");
}

function assertBucket(bucket: string): void {
  if (!isValidGcsBucketName(bucket)) {
    throw new ApiError("invalid_url", "Invalid Cloud Storage bucket name.", "Bucket names are 3-63 lowercase letters, digits, dashes, underscores and dots.");
  }
}

/**
 * The query of a pasted https URL: signature parameters of an earlier signed URL
 * (`X-Goog-*`) are dropped, since signpost signs afresh; anything else (a `generation`,
 * say) would change which object is meant, and is refused.
 */
function checkQuery(query: string): void {
  for (const part of query.split("&")) {
    if (part === "") continue;
    const rawName = part.split("=", 1)[0]!;
    let name: string;
    try {
      name = decodeURIComponent(rawName);
    } catch {
      throw new ApiError("invalid_url", "The URL's query is not valid percent-encoding.");
    }
    if (/^x-goog-/i.test(name)) continue;
    throw new ApiError(
      "invalid_url",
      `The query parameter "${name.slice(0, 40)}" is not supported in a Cloud Storage URL.`,
      "Pass the object URL without a query.",
    );
  }
}

function parseGsUri(input: string): GcsObjectRef {
  const rest = input.slice("gs://".length);
  const slash = rest.indexOf("/");
  if (slash < 0) throw new ApiError("invalid_key", "The gs:// URL names a bucket but no object.", "Use gs://bucket/path/to/object.");
  const bucket = rest.slice(0, slash);
  assertBucket(bucket);
  const key = rest.slice(slash + 1); // literal, as gsutil/gcloud take it
  assertGcsKey(key);
  return { bucket, key };
}

/**
 * Bucket and object of a GCS URL. Throws `invalid_url` (malformed, fragment, userinfo,
 * port, bad bucket, unsupported query parameter), `unsupported_host` (not a GCS host) or
 * `invalid_key` (bad escapes, empty, `.`/`..` segments, CR/LF, too long).
 */
export function parseGcsUrl(input: string): GcsObjectRef {
  if (/^gs:\/\//i.test(input)) return parseGsUri(input);
  // Parsed by hand: WHATWG URL parsing would already have removed `.`/`..` segments
  // (also spelled %2e), turning a refused key into another object's key.
  const m = /^https:\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?(#[\s\S]*)?$/i.exec(input);
  if (!m || /[\s\x00-\x1f\x7f]/.test(m[1]!)) throw new ApiError("invalid_url", "Not a gs:// or https:// Cloud Storage URL.");
  const [, authority, rawPath, query, fragment] = m as unknown as [string, string, string, string | undefined, string | undefined];
  if (fragment !== undefined) throw new ApiError("invalid_url", "The URL has a fragment (#…).", "Percent-encode # in object names as %23.");
  if (authority.includes("@") || authority.includes(":")) throw new ApiError("invalid_url", "The URL must not carry credentials or a port.");
  checkQuery(query ?? "");

  const host = authority.toLowerCase();
  let bucket: string;
  let rawKey: string;
  if (PATH_STYLE_HOSTS.has(host)) {
    const slash = rawPath.indexOf("/", 1);
    if (slash < 0) throw new ApiError("invalid_key", "The URL names a bucket but no object.");
    bucket = rawPath.slice(1, slash);
    rawKey = rawPath.slice(slash + 1);
  } else if (host.endsWith(VIRTUAL_HOST_SUFFIX) && host.length > VIRTUAL_HOST_SUFFIX.length) {
    bucket = host.slice(0, -VIRTUAL_HOST_SUFFIX.length);
    rawKey = rawPath.slice(1);
  } else {
    throw new ApiError("unsupported_host", `${host.slice(0, 100)} is not a Cloud Storage host.`);
  }
  assertBucket(bucket);
  const key = decodeKeySegments(rawKey);
  assertGcsKey(key);
  return { bucket, key };
}
