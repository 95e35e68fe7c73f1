/**
 * RS256 JSON Web Tokens with WebCrypto, for Google's JWT bearer grant (RFC 7523): the key is
 * the PKCS#8 PEM of a service account key file, the signature RSASSA-PKCS1-v1_5 with SHA-256.
 * Also the base64 helpers the Google modules share (btoa/atob are the only Web APIs for it).
 */

const encoder = new TextEncoder();

export function base64Encode(bytes: Uint8Array): string {
  let bin = "";
  // Chunked: String.fromCharCode(...bytes) overflows the stack on large inputs.
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** Throws on anything that is not base64 (whitespace is ignored, as in PEM bodies). */
export function base64Decode(b64: string): Uint8Array {
  const bin = atob(b64.replace(/\s+/g, ""));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function base64UrlEncode(data: Uint8Array | string): string {
  return base64Encode(typeof data === "string" ? encoder.encode(data) : data)
    .replace(/=+$/, "")
    .replace(/\+/g, "-")
    .replace(/\//g, "_");
}

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
