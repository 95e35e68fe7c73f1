import { redirectSchemas } from "../../../worker/schemas/redirects";
import type { Operation, Surface } from "../document";

const { assetQuery, redirectQuery } = redirectSchemas();

const found = {
  description:
    "Redirect to a short-lived presigned GET of the object (`Location`), valid for the whole `max-age`. HLS playlists (`.m3u8`) are answered 200 with every URI rewritten to signpost links.",
  headers: {
    Location: "The presigned URL (S3, GCS or Azure Blob).",
    "Cache-Control": "private, max-age=N, N never past the URL's validity.",
    "X-Request-Id": "The request's tracking id.",
  },
};
const errors = [
  "invalid_request",
  "invalid_url",
  "invalid_key",
  "unsupported_host",
  "ip_not_allowed",
  "scope_not_allowed",
  "invalid_link_signature",
  "link_expired",
  "integration_not_found",
  "no_default_integration",
  "rate_limited",
  "role_cannot_be_assumed",
  "upstream_error",
  "sts_unavailable",
] as const;

const asset = (method: "get" | "head"): Operation => ({
  method,
  path: "/v1/assets/{integration}/{bucket}/{key}",
  summary: method === "get" ? "Redirect to an object" : "Redirect to an object (HEAD)",
  description:
    "`{key}` is the rest of the path, slashes included; each segment is percent-decoded once and `+` is a plus. With `requireSignedLinks`, `exp` and `sig` are required.",
  auth: "none",
  params: {
    integration: "An integration id, or `default`.",
    bucket: "Bucket (or Azure container) name.",
    key: "Object key: the rest of the path, `/` included.",
  },
  query: assetQuery,
  responses: { 302: found },
  errors,
});

const byUrl = (method: "get" | "head"): Operation => ({
  method,
  path: "/v1/redirect",
  summary: method === "get" ? "Redirect to an object named by its URL" : "Redirect to an object named by its URL (HEAD)",
  auth: "none",
  query: redirectQuery,
  responses: { 302: found },
  errors,
});

export const redirects: Surface = {
  name: "Redirects",
  description: "The hot path: 302 redirects to presigned URLs, for `<img>`, `<video>` and `fetch` in labeling frontends.",
  operations: [asset("get"), asset("head"), byUrl("get"), byUrl("head")],
};
