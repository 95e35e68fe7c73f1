/**
 * Bytes as text: hex, base64 and base64url, written once for every module that needs them
 * (btoa/atob are the only Web APIs for base64, and they speak "binary strings").
 */
const encoder = new TextEncoder();
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function toHex(buf: ArrayBuffer | Uint8Array): string {
  const bytes = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!];
  return out;
}

export async function sha256Hex(data: string | ArrayBuffer | Uint8Array): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", typeof data === "string" ? encoder.encode(data) : data));
}

export function base64Encode(bytes: Uint8Array): string {
  let bin = "";
  // Chunked: String.fromCharCode(...bytes) overflows the stack on large inputs.
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** Standard base64; throws on anything else (whitespace is ignored, as in PEM bodies). */
export function base64Decode(b64: string): Uint8Array {
  const bin = atob(b64.replace(/\s+/g, ""));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** base64url without padding (RFC 4648 §5), of bytes or of a string's UTF-8. */
export function base64UrlEncode(data: Uint8Array | string): string {
  return base64Encode(typeof data === "string" ? encoder.encode(data) : data)
    .replace(/=+$/, "")
    .replace(/\+/g, "-")
    .replace(/\//g, "_");
}

/** Accepts standard and url-safe base64, with or without padding; null when malformed. */
export function base64ToBytes(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(s)) return null;
  try {
    return base64Decode(s.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    return null;
  }
}
