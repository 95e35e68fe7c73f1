/**
 * Whether a request was sent by a page of another site. The Fetch Metadata header
 * (`Sec-Fetch-Site`), which pages cannot forge, decides when present. Browsers send
 * `Origin: null` on form posts from a page with `Referrer-Policy: no-referrer` (the admin
 * page's), so `null` is only trusted together with Fetch Metadata; clients without either
 * header (curl, server-side scripts) are not browsers and are not refused here.
 */
export function isCrossSite(req: Request): boolean {
  const origin = req.headers.get("origin");
  const site = req.headers.get("sec-fetch-site");
  if (origin !== null && origin !== "null" && origin !== new URL(req.url).origin) return true;
  if (site !== null) return site !== "same-origin" && site !== "none";
  return origin === "null";
}
