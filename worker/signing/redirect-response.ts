import type { SignedUrl } from "../providers/types";

/**
 * The 302 itself. `private, max-age` lets the browser reuse the redirect while the URL is
 * valid (never longer); no-referrer keeps the presigned URL out of Referer headers.
 */
export function redirectResponse(signed: SignedUrl, requestId: string, extra: Record<string, string>): Response {
  const headers: Record<string, string> = {
    ...extra,
    location: signed.url,
    "cache-control": `private, max-age=${signed.maxAge}`,
    "referrer-policy": "no-referrer",
    "x-request-id": requestId,
  };
  if (signed.shortened) headers["x-signpost-degraded"] = "sts-unavailable; ttl-shortened";
  return new Response(null, { status: 302, headers });
}
