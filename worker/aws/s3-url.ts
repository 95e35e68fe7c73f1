/**
 * The object named by a `/v1/redirect?url=` (or `/v1/sign`) URL: `s3://bucket/key`, an
 * AWS S3 URL in any of its virtual-hosted or path-style spellings, or a path-style URL on
 * a configured S3-compatible endpoint.
 *
 * The URL text is parsed by hand. `new URL()` would resolve `.`/`..` and `%2e` path
 * segments, turn `\` into `/` and drop tabs, which would make signpost sign a key other
 * than the one written; here each path segment is percent-decoded exactly once and keys
 * that a browser would rewrite are refused instead (see assertSafeKey). Only the
 * authority is handed to the URL parser, to canonicalise the host.
 *
 * Whatever the input, the only thing thrown is an ApiError with a 4xx code.
 */
import { ApiError } from "../lib/errors";
import { isValidBucketName } from "./bucket";
import { isValidRegion } from "./partition";
import { assertSafeKey, decodeKeySegments } from "../lib/object-key";

export interface S3UrlTarget {
  bucket: string;
  key: string;
  /** The region the host names, or null when it does not say (s3://, legacy global host, custom endpoints). */
  region: string | null;
}

export interface ParseS3UrlOptions {
  /** Origins (optionally with a base path) of S3-compatible endpoints that take path-style URLs. */
  pathStyleOrigins?: readonly string[];
}

// A 1024-byte key encodes to at most 3 KB; the rest is room for a presigned query
// (session tokens are long) that is ignored anyway.
const MAX_URL_LENGTH = 16 * 1024;

const ACCEPTED_FORMS =
  "Use s3://{bucket}/{key}, https://{bucket}.s3.{region}.amazonaws.com/{key} (also .amazonaws.com.cn, dualstack, fips and the legacy s3-{region} and global forms), https://s3.{region}.amazonaws.com/{bucket}/{key}, or a path-style URL on the integration's endpoint.";

function invalidUrl(message: string, hint = ACCEPTED_FORMS): ApiError {
  return new ApiError("invalid_url", message, hint);
}

/** For messages: user text, bounded. JSON encoding of the error body escapes the rest. */
function quote(s: string): string {
  return JSON.stringify(s.length > 100 ? s.slice(0, 100) + "…" : s);
}

export function parseS3Url(input: string, opts?: ParseS3UrlOptions): S3UrlTarget {
  try {
    return parse(input, opts);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    // Defence in depth: no input may turn into a 500.
    throw invalidUrl("The URL could not be parsed.");
  }
}

function isC0OrSpace(c: number): boolean {
  return c <= 0x20;
}

function parse(input: string, opts: ParseS3UrlOptions | undefined): S3UrlTarget {
  if (typeof input !== "string" || input.length === 0) throw invalidUrl("The url parameter is empty.");
  if (input.length > MAX_URL_LENGTH) throw invalidUrl(`The URL is longer than ${MAX_URL_LENGTH} characters.`);
  // Leading C0 controls and spaces are dropped, as browsers do; they cannot start a scheme.
  let start = 0;
  while (start < input.length && isC0OrSpace(input.charCodeAt(start))) start++;
  const colon = input.indexOf(":", start);
  const scheme = colon < 0 ? "" : input.slice(start, colon).toLowerCase();
  if (input.slice(colon + 1, colon + 3) !== "//" || (scheme !== "s3" && scheme !== "https" && scheme !== "http")) {
    throw invalidUrl("The url parameter is not an S3 URL.");
  }
  const rest = input.slice(colon + 3);
  return scheme === "s3" ? parseS3Scheme(rest) : parseHttp(scheme, rest, opts);
}

/** `s3://{bucket}/{key}`: the key is everything after the first slash, literally (as the AWS CLI reads it). */
function parseS3Scheme(rest: string): S3UrlTarget {
  const slash = rest.indexOf("/");
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  if (!isValidBucketName(bucket)) throw badBucket(bucket);
  const key = slash < 0 ? "" : rest.slice(slash + 1);
  if (key === "") throw noKey();
  assertSafeKey(key);
  return { bucket, key, region: null };
}

function badBucket(bucket: string): ApiError {
  return invalidUrl(`${quote(bucket)} is not a valid bucket name.`, "Bucket names are 3-63 lowercase letters, digits, dots and hyphens.");
}

function noKey(): ApiError {
  return invalidUrl("The URL names no object key.", "Point the URL at an object, not at a bucket or a prefix.");
}

function parseHttp(scheme: string, rest: string, opts: ParseS3UrlOptions | undefined): S3UrlTarget {
  // Trailing C0 controls and spaces are dropped as a browser would; any other control
  // character (a browser silently deletes tabs and newlines) or a backslash before the
  // fragment (a browser reads it as "/") means the text does not spell the URL it looks like.
  let end = rest.length;
  while (end > 0 && isC0OrSpace(rest.charCodeAt(end - 1))) end--;
  const hash = rest.indexOf("#");
  const body = hash >= 0 && hash < end ? rest.slice(0, hash) : rest.slice(0, end);
  for (let i = 0; i < end; i++) {
    const c = rest.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || (c === 0x5c && i < body.length)) {
      throw invalidUrl("The URL holds a control character or a backslash.", "Percent-encode those characters in the key.");
    }
  }

  let authorityEnd = body.length;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c === 0x2f || c === 0x3f) {
      authorityEnd = i;
      break;
    }
  }
  const authority = body.slice(0, authorityEnd);
  if (authority === "" || authority.includes("@")) throw invalidUrl("The URL has no host, or carries credentials.");
  const origin = canonicalOrigin(scheme, authority);

  const pathAndQuery = body.slice(authorityEnd);
  const q = pathAndQuery.indexOf("?");
  const rawPath = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
  const query = q < 0 ? "" : pathAndQuery.slice(q + 1);

  // Errors come in this order: host, bucket, query, key.
  const custom = matchCustomOrigin(origin.origin, rawPath, opts?.pathStyleOrigins);
  if (custom !== null) return pathStyle(custom, null, query);

  let host = origin.hostname;
  if (host.endsWith(".")) host = host.slice(0, -1); // the same host to DNS
  const aws = origin.port === "" ? parseAwsHost(host) : null;
  if (aws === null) {
    throw new ApiError("unsupported_host", `${quote(origin.host)} is not an S3 endpoint signpost can sign for.`, ACCEPTED_FORMS);
  }
  if (aws.bucket === null) return pathStyle(rawPath, aws.region, query);
  checkQuery(query);
  if (rawPath.length <= 1) throw noKey();
  return target(aws.bucket, rawPath.slice(1), aws.region);
}

interface Origin {
  /** scheme://host[:port], default port omitted. */
  origin: string;
  hostname: string;
  /** "" for the scheme's default port. */
  port: string;
  /** hostname[:port] */
  host: string;
}

/**
 * Whether the URL parser would return `a` unchanged as a host: non-empty lowercase LDH
 * labels, no punycode (IDNA would validate it) and a last label starting with a letter
 * (so it cannot be read as an IPv4 number like `0x7f.1` or `2130706433`).
 */
export function isPlainHost(a: string): boolean {
  let labelStart = 0;
  for (let i = 0; i <= a.length; i++) {
    const c = i < a.length ? a.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (i === labelStart) return false;
      labelStart = i + 1;
    } else if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d)) {
      return false;
    }
  }
  const last = a.charCodeAt(a.lastIndexOf(".") + 1);
  return last >= 0x61 && last <= 0x7a && !a.includes("xn--");
}

/** The authority canonicalised as a browser would (case, IDNA, IPv4 shorthands, default port). */
function canonicalOrigin(scheme: string, authority: string): Origin {
  // The common case needs no URL parser: the authority already is the canonical host.
  if (isPlainHost(authority)) return { origin: `${scheme}://${authority}`, hostname: authority, port: "", host: authority };
  let u: URL;
  try {
    u = new URL(`${scheme}://${authority}/`);
  } catch {
    throw invalidUrl(`The URL host ${quote(authority)} is not valid.`);
  }
  return { origin: u.origin, hostname: u.hostname, port: u.port, host: u.host };
}

function target(bucket: string, rawKey: string, region: string | null): S3UrlTarget {
  const key = decodeKeySegments(rawKey);
  assertSafeKey(key);
  return { bucket, key, region };
}

/** `/{bucket}/{key...}`; the bucket segment must already be a plain bucket name. */
function pathStyle(rawPath: string, region: string | null, query: string): S3UrlTarget {
  const slash = rawPath.indexOf("/", 1);
  const bucket = rawPath.slice(1, slash < 0 ? rawPath.length : slash);
  if (bucket === "") throw invalidUrl("The path-style URL names no bucket.");
  if (!isValidBucketName(bucket)) throw badBucket(bucket);
  checkQuery(query);
  if (slash < 0 || slash === rawPath.length - 1) throw noKey();
  return target(bucket, rawPath.slice(slash + 1), region);
}

/**
 * Query parameters cannot be dropped silently: `versionId=…` names another object
 * version. Only the X-Amz-* parameters of an earlier presigned URL (and the SDKs'
 * informational `x-id=GetObject`) are ignored.
 */
function checkQuery(query: string): void {
  let i = 0;
  while (i <= query.length) {
    let amp = query.indexOf("&", i);
    if (amp < 0) amp = query.length;
    const part = query.slice(i, amp);
    i = amp + 1;
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = eq < 0 ? part : part.slice(0, eq);
    if (name.length > 6 && name.slice(0, 6).toLowerCase() === "x-amz-") continue;
    if (name === "x-id" && part.slice(eq + 1) === "GetObject") continue;
    throw invalidUrl(
      `The URL carries the query parameter ${quote(name)}, which signpost does not support.`,
      "Remove it. Object versions cannot be selected; pass response-content-type and response-content-disposition as parameters of the signpost request instead.",
    );
  }
}

interface CustomOrigin {
  origin: string;
  /** Without a trailing slash; "" for none. */
  basePath: string;
}

// Configuration strings, parsed once each (null: not a usable origin).
const customOriginCache = new Map<string, CustomOrigin | null>();

function parseCustomOrigin(entry: string): CustomOrigin | null {
  const cached = customOriginCache.get(entry);
  if (cached !== undefined) return cached;
  let parsed: CustomOrigin | null = null;
  try {
    const u = new URL(entry);
    if (u.protocol === "https:" || u.protocol === "http:") {
      let basePath = u.pathname;
      while (basePath.endsWith("/")) basePath = basePath.slice(0, -1);
      parsed = { origin: u.origin, basePath };
    }
  } catch {
    parsed = null;
  }
  if (customOriginCache.size >= 256) customOriginCache.clear();
  customOriginCache.set(entry, parsed);
  return parsed;
}

/** The path below the endpoint's base path when `origin` is a configured endpoint, else null. */
function matchCustomOrigin(origin: string, rawPath: string, entries: readonly string[] | undefined): string | null {
  if (!entries || entries.length === 0) return null;
  let sameOrigin = false;
  for (const entry of entries) {
    const c = parseCustomOrigin(entry);
    if (c === null || c.origin !== origin) continue;
    sameOrigin = true;
    if (rawPath.startsWith(c.basePath + "/")) return rawPath.slice(c.basePath.length);
  }
  if (sameOrigin) throw invalidUrl("The URL is on the endpoint's host but outside its base path.");
  return null;
}

interface AwsHost {
  /** null: path-style host. */
  bucket: string | null;
  region: string | null;
}

/** Region of a region label, when it belongs to the DNS suffix's partition. */
function regionLabel(label: string, cn: boolean): string | null {
  return isValidRegion(label) && label.startsWith("cn-") === cn ? label : null;
}

/**
 * How many trailing labels form the S3 service part of the host, and the region they
 * name. Forms: `s3`, `s3-external-1`, `s3-accelerate`, `s3-{region}`, `s3-fips-{region}`,
 * `s3.{region}`, `s3-fips.{region}`, `s3-accelerate.dualstack`, `s3.dualstack.{region}`,
 * `s3-fips.dualstack.{region}`. The forms end in distinct kinds of label (`s3…`,
 * `dualstack`, a region), so at most one length matches.
 */
function serviceLabels(labels: readonly string[], cn: boolean): { count: number; region: string | null } | null {
  const n = labels.length;
  const last = labels[n - 1] ?? "";
  const prev = labels[n - 2];
  if (n >= 3 && prev === "dualstack" && (labels[n - 3] === "s3" || labels[n - 3] === "s3-fips")) {
    const region = regionLabel(last, cn);
    return region ? { count: 3, region } : null;
  }
  if (prev === "s3" || prev === "s3-fips") {
    const region = regionLabel(last, cn);
    return region ? { count: 2, region } : null;
  }
  if (prev === "s3-accelerate" && last === "dualstack") return cn ? null : { count: 2, region: null };
  if (last === "s3" || last === "s3-accelerate") return cn ? null : { count: 1, region: null };
  if (last === "s3-external-1") return cn ? null : { count: 1, region: "us-east-1" };
  const dashed = last.startsWith("s3-fips-") ? last.slice(8) : last.startsWith("s3-") ? last.slice(3) : null;
  if (dashed !== null) {
    const region = regionLabel(dashed, cn);
    return region ? { count: 1, region } : null;
  }
  return null;
}

/** Bucket (when virtual-hosted) and region of an S3 host under amazonaws.com(.cn), or null for any other host. */
function parseAwsHost(host: string): AwsHost | null {
  let cn: boolean;
  let rest: string;
  if (host.endsWith(".amazonaws.com")) {
    cn = false;
    rest = host.slice(0, -".amazonaws.com".length);
  } else if (host.endsWith(".amazonaws.com.cn")) {
    cn = true;
    rest = host.slice(0, -".amazonaws.com.cn".length);
  } else {
    return null;
  }
  const labels = rest.split(".");
  const service = serviceLabels(labels, cn);
  if (service === null) return null;
  if (service.count === labels.length) return { bucket: null, region: service.region };
  const bucket = labels.slice(0, labels.length - service.count).join(".");
  if (!isValidBucketName(bucket)) throw badBucket(bucket);
  return { bucket, region: service.region };
}
