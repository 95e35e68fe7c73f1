/**
 * Which AWS service a request is for: STS or S3 by host (regional, legacy, dual-stack,
 * China), or on an S3-compatible custom endpoint by path and form body; and which operation
 * it names, for the call log, before anything is validated.
 */
import { fromUtf8 } from "./encoding";

export interface Incoming {
  method: string;
  url: URL;
  /** The Host header as received, else the URL's host. */
  host: string;
  rawPath: string;
  rawQuery: string;
  headers: Headers;
  body: Uint8Array;
  signal: AbortSignal | undefined;
}

export type Target =
  | { service: "sts"; /** undefined: take it from the credential scope (custom endpoints) */ region?: string }
  | { service: "s3"; bucket: string; rawKey: string; /** only for regional AWS hosts */ hostRegion?: string };

export type S3Target = Extract<Target, { service: "s3" }>;

const REGION = "[a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\\d+";
const STS_HOST = new RegExp(`^sts(?:\\.(${REGION}))?\\.amazonaws\\.com(\\.cn)?$`);
// {bucket}.s3.{region}, {bucket}.s3-{region} (legacy), {bucket}.s3.dualstack.{region}, s3.{region} (path-style), s3 (global)
const S3_HOST = new RegExp(`^(?:(.+)\\.)?s3(?:[.-](?:dualstack\\.)?(${REGION}))?\\.amazonaws\\.com(\\.cn)?$`);
const OBJECT_QUERY = new Set([
  "x-id",
  "response-content-type",
  "response-content-disposition",
  "response-cache-control",
  "response-content-language",
  "response-content-encoding",
  "response-expires",
]);
const LIST_QUERY = new Set(["list-type", "prefix", "delimiter", "max-keys", "continuation-token", "start-after", "fetch-owner", "encoding-type", "x-id"]);

export async function incoming(req: Request): Promise<Incoming> {
  const url = new URL(req.url);
  const body = req.method === "GET" || req.method === "HEAD" ? new Uint8Array() : new Uint8Array(await req.arrayBuffer());
  return {
    method: req.method.toUpperCase(),
    url,
    host: req.headers.get("host") ?? url.host,
    rawPath: url.pathname,
    rawQuery: url.search.slice(1),
    headers: req.headers,
    body,
    signal: req.signal ?? undefined,
  };
}

/** On a custom endpoint, any POST whose form body names an `Action` is STS (S3 has no such request). */
function isStsForm(inc: Incoming): boolean {
  return inc.method === "POST" && new URLSearchParams(fromUtf8.decode(inc.body)).has("Action");
}

function pathStyle(rawPath: string, hostRegion: string | undefined): S3Target {
  const rest = rawPath.slice(1);
  const slash = rest.indexOf("/");
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  return { service: "s3", bucket: safeDecode(bucket), rawKey: slash < 0 ? "" : rest.slice(slash + 1), hostRegion };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function stsAction(inc: Incoming): string {
  return new URLSearchParams(fromUtf8.decode(inc.body)).get("Action") ?? "Unsupported:STS";
}

/** Names the S3 operation from method, key and sub-resources, before anything is validated. */
export function s3Action(inc: Incoming, t: S3Target): string {
  if (inc.method === "OPTIONS") return "PreflightRequest";
  const names = [...new URLSearchParams(inc.rawQuery).keys()].filter((k) => !k.toLowerCase().startsWith("x-amz-"));
  const only = (allowed: Set<string>) => names.every((n) => allowed.has(n));
  if (t.rawKey === "") {
    if (t.bucket === "") return "Unsupported:ListBuckets";
    if (inc.method === "GET" && names.includes("list-type") && only(LIST_QUERY)) return "ListObjectsV2";
    if (inc.method === "GET" && names.length === 1 && names[0] === "cors") return "GetBucketCors";
    if (inc.method === "GET" && names.length === 1 && names[0] === "location") return "GetBucketLocation";
    if (inc.method === "HEAD" && names.length === 0) return "HeadBucket";
    return `Unsupported:${inc.method} bucket ?${names.join("&")}`;
  }
  const ops: Record<string, string> = { GET: "GetObject", HEAD: "HeadObject", PUT: "PutObject", DELETE: "DeleteObject" };
  const op = ops[inc.method];
  const allowed = inc.method === "GET" || inc.method === "HEAD" ? OBJECT_QUERY : new Set(["x-id"]);
  return op && only(allowed) ? op : `Unsupported:${inc.method} object ?${names.join("&")}`;
}

/** Best effort, for the call log only. */
export function peekAccessKeyId(inc: Incoming): string | undefined {
  const fromHeader = /Credential=([^/,\s]+)\//.exec(inc.headers.get("authorization") ?? "")?.[1];
  return fromHeader ?? new URLSearchParams(inc.rawQuery).get("X-Amz-Credential")?.split("/")[0];
}

/** STS or S3, and the bucket and raw key for S3; null when no service is modelled at the host. */
export function route(inc: Incoming, customEndpoint: boolean): Target | null {
  if (customEndpoint) {
    return isStsForm(inc) ? { service: "sts" } : pathStyle(inc.rawPath, undefined);
  }
  const host = inc.url.hostname.toLowerCase();
  const sts = STS_HOST.exec(host);
  if (sts) return { service: "sts", region: sts[1] ?? (sts[2] ? "cn-north-1" : "us-east-1") };
  const s3 = S3_HOST.exec(host);
  if (!s3) return null;
  const [, bucket, region] = s3;
  if (bucket === undefined) return pathStyle(inc.rawPath, region);
  return { service: "s3", bucket, rawKey: inc.rawPath.slice(1), hostRegion: region };
}
