/**
 * RS256 JSON Web Tokens with WebCrypto, for Google's JWT bearer grant (RFC 7523): the key is
 * the PKCS#8 PEM of a service account key file, the signature RSASSA-PKCS1-v1_5 with SHA-256.
 */

import { base64Decode, base64UrlEncode } from "../lib/bytes";

const encoder = new TextEncoder();

/**
 * The DER bytes of the one `-----BEGIN {label}-----` block in `pem`, or null when there is
 * no such block or its body is not base64. Never throws, so callers choose the error (and
 * can make sure it does not quote the key).
 */
export function pemToDer(pem: string, label: string): Uint8Array | null {
  const m = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(pem);
  if (!m) return null;
  try {
    const der = base64Decode(m[1]!);
    return der.length > 0 ? der : null;
  } catch {
    return null;
  }
}

const RS256 = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;

/** Imports a PKCS#8 RSA private key (DER) for RS256 signing; rejects on anything else. */
export function importRs256PrivateKey(pkcs8Der: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("pkcs8", pkcs8Der, RS256, false, ["sign"]);
}

/** `header.payload.signature`, header `{"alg":"RS256","typ":"JWT"[,"kid"]}`. */
export async function signJwtRs256(key: CryptoKey, claims: Record<string, unknown>, keyId?: string): Promise<string> {
  const header = keyId ? { alg: "RS256", typ: "JWT", kid: keyId } : { alg: "RS256", typ: "JWT" };
  const signingInput = `${base64UrlEncode(JSON.stringify(header))}.${base64UrlEncode(JSON.stringify(claims))}`;
  const signature = await crypto.subtle.sign(RS256, key, encoder.encode(signingInput));
  return `${signingInput}.${base64UrlEncode(new Uint8Array(signature))}`;
}
