/** S3 CORS: the bucket's rules as XML, rule matching, preflight answers and CORS headers on actual requests. */
import { AwsError } from "./errors";
import type { Bucket, CorsRule } from "./model";
import type { Incoming } from "./routing";
import { S3_NS, escapeXml, s3Response } from "./xml";

export function corsXml(rules: CorsRule[]): string {
  const rule = (r: CorsRule) =>
    "<CORSRule>" +
    (r.ID ? `<ID>${escapeXml(r.ID)}</ID>` : "") +
    r.AllowedOrigins.map((o) => `<AllowedOrigin>${escapeXml(o)}</AllowedOrigin>`).join("") +
    r.AllowedMethods.map((m) => `<AllowedMethod>${escapeXml(m)}</AllowedMethod>`).join("") +
    (r.AllowedHeaders ?? []).map((h) => `<AllowedHeader>${escapeXml(h)}</AllowedHeader>`).join("") +
    (r.ExposeHeaders ?? []).map((h) => `<ExposeHeader>${escapeXml(h)}</ExposeHeader>`).join("") +
    (r.MaxAgeSeconds !== undefined ? `<MaxAgeSeconds>${r.MaxAgeSeconds}</MaxAgeSeconds>` : "") +
    "</CORSRule>";
  return `<?xml version="1.0" encoding="UTF-8"?>\n<CORSConfiguration xmlns="${S3_NS}">${rules.map(rule).join("")}</CORSConfiguration>`;
}

function wildcard(pattern: string, value: string): boolean {
  const re = new RegExp(
    "^" +
      pattern
        .split("*")
        .map((p) => p.replace(/[\\^$.+?()[\]{}|]/g, "\\$&"))
        .join(".*") +
      "$",
    "i",
  );
  return re.test(value);
}

function matchCors(rules: CorsRule[] | undefined, origin: string, method: string, requestHeaders: string[]): CorsRule | undefined {
  return rules?.find(
    (r) =>
      r.AllowedOrigins.some((o) => wildcard(o, origin)) &&
      r.AllowedMethods.includes(method) &&
      requestHeaders.every((h) => (r.AllowedHeaders ?? []).some((a) => wildcard(a, h))),
  );
}

function corsHeaders(rule: CorsRule, origin: string, requestHeaders: string[]): Record<string, string> {
  const any = rule.AllowedOrigins.includes("*");
  const h: Record<string, string> = {
    "access-control-allow-origin": any ? "*" : origin,
    "access-control-allow-methods": rule.AllowedMethods.join(", "),
    vary: "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
  };
  if (!any) h["access-control-allow-credentials"] = "true";
  if (rule.ExposeHeaders?.length) h["access-control-expose-headers"] = rule.ExposeHeaders.join(", ");
  if (rule.MaxAgeSeconds !== undefined) h["access-control-max-age"] = String(rule.MaxAgeSeconds);
  if (requestHeaders.length) h["access-control-allow-headers"] = requestHeaders.join(", ");
  return h;
}

/** CORS headers for an actual (non-preflight) request, as S3 adds them when a rule matches. */
export function corsFor(bucket: Bucket, inc: Incoming): Record<string, string> {
  const origin = inc.headers.get("origin");
  if (!origin || inc.method === "OPTIONS") return {};
  const rule = matchCors(bucket.cors, origin, inc.method, []);
  return rule ? corsHeaders(rule, origin, []) : {};
}

export function preflight(bucket: Bucket | undefined, inc: Incoming): Response {
  if (!bucket) throw new AwsError(404, "NoSuchBucket", "The specified bucket does not exist");
  const origin = inc.headers.get("origin");
  const method = inc.headers.get("access-control-request-method");
  if (!origin || !method) throw new AwsError(400, "BadRequest", "Insufficient information. Origin request header needed.");
  if (!bucket.cors?.length) throw new AwsError(403, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.");
  const requested = (inc.headers.get("access-control-request-headers") ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const rule = matchCors(bucket.cors, origin, method, requested);
  if (!rule)
    throw new AwsError(
      403,
      "AccessForbidden",
      "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
    );
  return s3Response(200, null, corsHeaders(rule, origin, requested));
}
