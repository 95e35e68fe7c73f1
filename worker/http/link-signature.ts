/**
 * Signed asset links (SPEC "Signed links"): `?exp={unix seconds}&sig={hex}` with
 * sig = hex(HMAC-SHA256(LINK_SIGNING_KEY, "GET\n" + path + "\n" + exp)), `path` exactly as sent
 * (still percent-encoded, no query). A labeling backend mints them; see README.
 */
import { ApiError } from "./errors";
import { timingSafeEqualStr } from "./timing-safe";
import { toHex } from "../lib/bytes";

const encoder = new TextEncoder();
const KEYS = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let k = KEYS.get(secret);
  if (!k) {
    k = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    KEYS.clear(); // one key per deployment; do not grow on rotation
    KEYS.set(secret, k);
  }
  return k;
}

export async function linkSignature(secret: string, path: string, exp: number | string): Promise<string> {
  return toHex(await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(`GET\n${path}\n${exp}`)));
}

/** Returns the link's expiry (epoch ms) or throws invalid_link_signature / link_expired. */
export async function verifyLink(secret: string | undefined, rawPath: string, params: URLSearchParams, now = Date.now()): Promise<number> {
  if (!secret) {
    throw new ApiError(
      "invalid_link_signature",
      "This integration requires signed links, but signpost has no LINK_SIGNING_KEY.",
      "The operator must set LINK_SIGNING_KEY (wrangler secret put LINK_SIGNING_KEY).",
    );
  }
  const exp = params.get("exp");
  const sig = params.get("sig");
  if (!exp || !sig) {
    throw new ApiError(
      "invalid_link_signature",
      "This integration requires signed links: exp and sig are missing.",
      'Mint links with your LINK_SIGNING_KEY (see the README, "Signed asset links").',
    );
  }
  const expected = await linkSignature(secret, rawPath, exp);
  if (!/^\d{1,12}$/.test(exp) || !timingSafeEqualStr(sig, expected)) {
    throw new ApiError(
      "invalid_link_signature",
      "The link signature is not valid for this path and exp.",
      'Sign "GET\\n{path as sent}\\n{exp}" with HMAC-SHA256 and send the lowercase hex.',
    );
  }
  const expMs = Number(exp) * 1000;
  if (expMs <= now) throw new ApiError("link_expired", "This signed link has expired.", "Mint a new link.");
  return expMs;
}
