/**
 * Minting signed asset links for signpost (for labeling backends).
 *
 *   const url = await signAssetLink({
 *     baseUrl: "https://signpost.example.com",
 *     integration: "int_…", bucket: "acme-media", key: "images/cat 1.jpg",
 *     ttlSeconds: 600, secret: process.env.LINK_SIGNING_KEY!,
 *   });
 *
 * Copy this file into your backend: it has no dependencies and runs wherever WebCrypto does
 * (Node 18+, Deno, Bun, Workers). The signature covers "GET\n{path}\n{exp}", where path is
 * the request path exactly as sent (percent-encoded), so the key is encoded here the same
 * way signpost decodes it: every byte outside A-Z a-z 0-9 - . _ ~ and "/" percent-encoded.
 */
export interface AssetLink {
  baseUrl: string;
  integration: string;
  bucket: string;
  key: string;
  /** How long the link stays usable; the presigned URL it leads to never outlives it. */
  ttlSeconds: number;
  /** LINK_SIGNING_KEY, as set on the Worker. */
  secret: string;
  /** Unix seconds; defaults to the current time. */
  now?: number;
}

const encoder = new TextEncoder();

export function encodeKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%2F/g, "/")
    .replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

export async function linkSignature(secret: string, path: string, exp: number): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(`GET\n${path}\n${exp}`)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function signAssetLink(link: AssetLink): Promise<string> {
  const exp = Math.floor(link.now ?? Date.now() / 1000) + link.ttlSeconds;
  const path = `/v1/assets/${encodeURIComponent(link.integration)}/${link.bucket}/${encodeKey(link.key)}`;
  const sig = await linkSignature(link.secret, path, exp);
  return `${link.baseUrl.replace(/\/+$/, "")}${path}?exp=${exp}&sig=${sig}`;
}
