/**
 * The parts of AWS Signature Version 4 that signpost computes itself.
 *
 * Why not one generic signer: S3 canonicalises differently from every other service
 * (no path normalisation, single encoding), and the redirect hot path must cost one
 * SHA-256 and one HMAC. So callers hand in an already-canonical path and query, and the
 * derived signing key is cached as a ready-to-use CryptoKey per credentials/day/region/service.
 */
import { sha256Hex, toHex } from "../lib/bytes";

const encoder = new TextEncoder();

export const ALGORITHM = "AWS4-HMAC-SHA256";
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

async function hmacRaw(key: ArrayBuffer | Uint8Array, data: string): Promise<ArrayBuffer> {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", k, encoder.encode(data));
}

/** 20130524T000000Z */
export function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, "");
}

export function credentialScope(date: string, region: string, service: string): string {
  return `${date.slice(0, 8)}/${region}/${service}/aws4_request`;
}

// Signing keys change once a day per credentials; a small LRU bounds memory when many
// integrations are signed in one isolate. Keyed by access key id plus a fingerprint of the
// secret (never the secret itself), so a corrected secret for the same key id is not masked.
const SIGNING_KEYS = new Map<string, Promise<CryptoKey>>();
const SIGNING_KEYS_MAX = 512;
let derivations = 0;

/** How many signing keys this isolate has derived (observability and tests). */
export function signingKeyDerivations(): number {
  return derivations;
}

export function signingKey(creds: AwsCredentials, date: string, region: string, service: string): Promise<CryptoKey> {
  const day = date.slice(0, 8);
  const cacheKey = `${creds.accessKeyId}\n${fnv1a(creds.secretAccessKey)}\n${day}\n${region}\n${service}`;
  let key = SIGNING_KEYS.get(cacheKey);
  if (key) {
    // refresh LRU position
    SIGNING_KEYS.delete(cacheKey);
    SIGNING_KEYS.set(cacheKey, key);
    return key;
  }
  key = deriveSigningKey(creds.secretAccessKey, day, region, service);
  key.catch(() => SIGNING_KEYS.delete(cacheKey));
  SIGNING_KEYS.set(cacheKey, key);
  if (SIGNING_KEYS.size > SIGNING_KEYS_MAX) SIGNING_KEYS.delete(SIGNING_KEYS.keys().next().value!);
  return key;
}

async function deriveSigningKey(secret: string, day: string, region: string, service: string): Promise<CryptoKey> {
  derivations++;
  const kDate = await hmacRaw(encoder.encode("AWS4" + secret), day);
  const kRegion = await hmacRaw(kDate, region);
  const kService = await hmacRaw(kRegion, service);
  const kSigning = await hmacRaw(kService, "aws4_request");
  return crypto.subtle.importKey("raw", kSigning, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

export function canonicalRequest(
  method: string,
  canonicalPath: string,
  canonicalQuery: string,
  canonicalHeaders: string, // "name:value\n" lines, sorted, lowercase names
  signedHeaders: string,
  payloadHash: string,
): string {
  return `${method}\n${canonicalPath}\n${canonicalQuery}\n${canonicalHeaders}\n${signedHeaders}\n${payloadHash}`;
}

export async function stringToSign(datetime: string, scope: string, canonical: string): Promise<string> {
  return `${ALGORITHM}\n${datetime}\n${scope}\n${await sha256Hex(canonical)}`;
}

export async function signString(key: CryptoKey, toSign: string): Promise<string> {
  return toHex(await crypto.subtle.sign("HMAC", key, encoder.encode(toSign)));
}

function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}
