/**
 * The CREDENTIALS KV namespace: every key it holds is built here, and every value is sealed
 * with ENCRYPTION_KEY (AES-GCM, AAD = the KV key, so a value copied under another key does not
 * open). KV is a cache only: a failed or unreadable read is a miss, a failed write is ignored;
 * only a broken ENCRYPTION_KEY is an error. docs/storage.md lists the keys.
 *
 * The key strings are stored data: changing one makes every entry written under it unreachable.
 */
import type { Env } from "../env";
import { ApiError } from "../http/errors";
import { sha256Hex } from "../lib/bytes";
import { decrypt, encrypt, encryptionKey } from "./encryption";

/** Temporary AWS credentials of an integration, by the fingerprint of what they were issued for. */
export function credentialsKvKey(integrationId: string, fingerprint: string): string {
  return `creds:v1:${integrationId}:${fingerprint}`;
}

/** A signed URL kept for its cache window (`namespace`: "gcsurl"), by a hash of what it signs. */
export function signedUrlKvKey(namespace: string, integrationId: string, hash: string): string {
  return `${namespace}:v1:${integrationId}:${hash}`;
}

/** An Azure user delegation key, shared by every integration of the same app, tenant and storage account. */
export async function delegationKeyKvKey(clientId: string, tenantId: string, account: string): Promise<string> {
  return `udk:v1:${(await sha256Hex(`${clientId}|${tenantId.toLowerCase()}|${account}`)).slice(0, 24)}`;
}

/**
 * The value sealed under `kvKey` when `accept` takes it, else null (missing, unreadable, of
 * another shape, or KV unavailable). Throws only when ENCRYPTION_KEY itself is unusable.
 */
export async function readSealed<T>(env: Env, kvKey: string, accept: (v: unknown) => v is T): Promise<T | null> {
  try {
    const sealed = await env.CREDENTIALS.get(kvKey);
    if (!sealed) return null;
    const plain = await decrypt(await encryptionKey(env.ENCRYPTION_KEY), sealed, kvKey);
    if (!plain) return null;
    const v = JSON.parse(plain) as unknown;
    return accept(v) ? v : null;
  } catch (err) {
    if (err instanceof ApiError) throw err; // ENCRYPTION_KEY problems are not a cache miss
    return null;
  }
}

/** KV's `expiration` (epoch seconds) for a value that stops being useful at `expiresAt` (epoch ms), or null when too close: KV wants it ≥ 60 s ahead. */
export function kvExpiration(expiresAt: number): number | null {
  const expiration = Math.floor(expiresAt / 1000);
  return expiration - Date.now() / 1000 < 90 ? null : expiration;
}

/** Seals `value` under `kvKey`; a failure is ignored (the cache is an optimisation). */
export async function writeSealed(env: Env, kvKey: string, value: unknown, expiry: { expiration: number } | { expirationTtl: number }): Promise<void> {
  try {
    const sealed = await encrypt(await encryptionKey(env.ENCRYPTION_KEY), JSON.stringify(value), kvKey);
    await env.CREDENTIALS.put(kvKey, sealed, expiry);
  } catch {
    // A failed write costs one more call upstream elsewhere, nothing else.
  }
}
