/**
 * Signed URLs that cost a network call to make (GCS: one IAM signBlob per URL), kept for the
 * cache window they were signed in: isolate memory first, then KV (sealed with
 * ENCRYPTION_KEY, AAD = the KV key, since a signed URL is a bearer capability), then the
 * signer. One signing in flight per URL per isolate, however many requests wait for it.
 *
 * The identity of an entry includes the window's signing time and the signed lifetime, so an
 * entry can only ever be served inside the window it was made for, when the URL still has at
 * least its TTL ahead of it. KV entries expire two minutes after they are written.
 */
import type { Background, Env } from "../env";
import { ApiError } from "../http/errors";
import { sha256Hex } from "../aws/sigv4";
import { decrypt, encrypt, encryptionKey } from "../store/encryption";
import { SingleFlightCache } from "../lib/single-flight";

export interface CachedUrl {
  url: string;
  /** Epoch ms the URL stops working. */
  expiresAt: number;
}

const KV_TTL_SECONDS = 120;
const MEMORY = new SingleFlightCache<CachedUrl>(5000);

/** Counters for tests and the benchmark. */
export const urlCacheStats = { kvReads: 0, kvHits: 0, kvWrites: 0, signed: 0 };

/** Test hook: forget everything cached in this isolate. */
export function forgetSignedUrls(): void {
  MEMORY.clear();
}

/** A URL cached in this isolate under `identity` that is still valid at `now`, if any (no I/O). */
export function peekSignedUrl(identity: string, now = Date.now()): CachedUrl | null {
  const v = MEMORY.peek(identity);
  return v && v.expiresAt > now ? v : null;
}

export function signedUrlKvKey(namespace: string, integrationId: string, hash: string): string {
  return `${namespace}:v1:${integrationId}:${hash}`;
}

async function readKv(env: Env, kvKey: string): Promise<CachedUrl | null> {
  try {
    urlCacheStats.kvReads++;
    const sealed = await env.CREDENTIALS.get(kvKey);
    if (!sealed) return null;
    const plain = await decrypt(await encryptionKey(env.ENCRYPTION_KEY), sealed, kvKey);
    if (!plain) return null;
    const v = JSON.parse(plain) as CachedUrl;
    return typeof v.url === "string" && typeof v.expiresAt === "number" ? v : null;
  } catch (err) {
    if (err instanceof ApiError) throw err; // ENCRYPTION_KEY problems are not a cache miss
    return null;
  }
}

async function writeKv(env: Env, kvKey: string, v: CachedUrl): Promise<void> {
  try {
    urlCacheStats.kvWrites++;
    const sealed = await encrypt(await encryptionKey(env.ENCRYPTION_KEY), JSON.stringify(v), kvKey);
    await env.CREDENTIALS.put(kvKey, sealed, { expirationTtl: KV_TTL_SECONDS });
  } catch {
    // A cache: a failed write costs one more signature elsewhere, nothing else.
  }
}

/**
 * The URL cached under `identity` (which must name the window and the lifetime), or the
 * one `sign` makes; `namespace` and `integrationId` name its KV key
 * (`{namespace}:v1:{integrationId}:{sha256(identity)[0..24]}`). Waiters give up after
 * `deadlineMs` with `onDeadline()` (a signing whose request was cancelled may never settle).
 */
export function cachedSignedUrl(
  env: Env,
  ctx: Background,
  where: { namespace: string; integrationId: string; deadlineMs: number; onDeadline: () => Error },
  identity: string,
  sign: () => Promise<CachedUrl>,
): Promise<CachedUrl> {
  return MEMORY.get(identity, {
    needUntil: Date.now() + 1,
    deadlineMs: where.deadlineMs,
    onDeadline: where.onDeadline,
    load: async () => {
      const kvKey = signedUrlKvKey(where.namespace, where.integrationId, (await sha256Hex(identity)).slice(0, 24));
      const cached = await readKv(env, kvKey);
      if (cached && cached.expiresAt > Date.now()) {
        urlCacheStats.kvHits++;
        return cached;
      }
      const fresh = await sign();
      urlCacheStats.signed++;
      ctx.waitUntil(writeKv(env, kvKey, fresh));
      return fresh;
    },
  });
}
