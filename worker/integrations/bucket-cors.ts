/**
 * What every generated bucket CORS rule (S3, GCS, Azure) allows, in one place.
 *
 * A browser that follows signpost's cross-origin 302 to the bucket sends `Origin: null` there
 * (the Fetch standard's tainted-origin rule), so the labeling frontends' own origins are not
 * enough: the literal origin `null` is allowed too. The presigned signature is what grants
 * access; CORS only lets a page's script read a response it could already fetch.
 */

/** The origin a redirected request carries to the bucket. */
export const REDIRECTED_ORIGIN = "null";

/** Request headers browsers send on media and fetch reads (range requests for video, hls.js). */
export const BUCKET_CORS_REQUEST_HEADERS = ["Range"];

/** Response headers a page's script may read: sizes and ranges for players, ETag for caches. */
export const BUCKET_CORS_EXPOSED_HEADERS = ["Content-Length", "Content-Range", "Accept-Ranges", "ETag", "Content-Type"];

export const BUCKET_CORS_MAX_AGE_SECONDS = 3600;

/** CORS_ORIGINS plus `null`; `*` alone when no origin is configured (or `*` is one of them). */
export function bucketCorsOrigins(corsOrigins: string[]): string[] {
  if (corsOrigins.length === 0 || corsOrigins.includes("*")) return ["*"];
  return [...corsOrigins, REDIRECTED_ORIGIN];
}

/** The origins a `cors` check sends: each configured one, then the redirected `null`. */
export function originsBrowsersSend(corsOrigins: string[]): string[] {
  return [...corsOrigins.filter((o) => o !== "*"), REDIRECTED_ORIGIN];
}
