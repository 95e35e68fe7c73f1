/**
 * AES-GCM for everything secret at rest (static secret keys in D1, cached credentials in KV).
 * Ciphertexts are `v1.{iv}.{ciphertext}` (base64url), a fresh 96-bit IV each time, and bound
 * to where they are stored through the additional data, so a value copied to another row or
 * key does not decrypt.
 */
import { ApiError } from "../http/errors";
import { base64ToBytes, base64UrlEncode } from "../lib/bytes";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const KEYS = new Map<string, Promise<CryptoKey>>();

export const ENCRYPTION_KEY_PROBLEM =
  "ENCRYPTION_KEY is missing or is not the base64 of 32 bytes. Generate one with `openssl rand -base64 32` and set it with `wrangler secret put ENCRYPTION_KEY`.";

/** Parses ENCRYPTION_KEY; a missing or malformed key stops every request with a clear message. */
export function encryptionKey(raw: string | undefined): Promise<CryptoKey> {
  const cached = KEYS.get(raw ?? "");
  if (cached) return cached;
  const bytes = raw ? base64ToBytes(raw.trim()) : null;
  if (!bytes || bytes.length !== 32) throw new ApiError("internal_error", ENCRYPTION_KEY_PROBLEM);
  const key = crypto.subtle.importKey("raw", bytes, "AES-GCM", false, ["encrypt", "decrypt"]);
  KEYS.set(raw!, key);
  return key;
}

export async function encrypt(key: CryptoKey, plaintext: string, context: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(context) }, key, encoder.encode(plaintext));
  return `v1.${base64UrlEncode(iv)}.${base64UrlEncode(new Uint8Array(ct))}`;
}

/** Returns null when the value is not ours, was tampered with, or belongs to another context. */
export async function decrypt(key: CryptoKey, sealed: string, context: string): Promise<string | null> {
  const parts = sealed.split(".");
  if (parts.length !== 3 || parts[0] !== "v1") return null;
  const iv = base64ToBytes(parts[1]!);
  const ct = base64ToBytes(parts[2]!);
  if (!iv || iv.length !== 12 || !ct) return null;
  try {
    const pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(context) }, key, ct);
    return decoder.decode(pt);
  } catch {
    return null;
  }
}
