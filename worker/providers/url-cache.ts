/**
 * Signed URLs that cost a network call to make (GCS: one IAM signBlob per URL), kept for the
 * cache window they were signed in: isolate memory first, then KV (sealed with
 * ENCRYPTION_KEY, AAD = the KV key, since a signed URL is a bearer capability:
 * worker/store/sealed-kv.ts), then the
 * signer. One signing in flight per URL per isolate, however many requests wait for it.
 *
 * The identity of an entry includes the window's signing time and the signed lifetime, so an
 * entry can only ever be served inside the window it was made for, when the URL still has at
 * least its TTL ahead of it. KV entries expire two minutes after they are written.
 */
import type { Background, Env } from "../env";
import { sha256Hex } from "../lib/bytes";
import { readSealed, signedUrlKvKey, writeSealed } from "../store/sealed-kv";
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

const isCachedUrl = (v: unknown): v is CachedUrl => typeof (v as CachedUrl)?.url === "string" && typeof (v as CachedUrl).expiresAt === "number";

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
      urlCacheStats.kvReads++;
      const cached = await readSealed(env, kvKey, isCachedUrl);
      if (cached && cached.expiresAt > Date.now()) {
        urlCacheStats.kvHits++;
        return cached;
      }
      const fresh = await sign();
      urlCacheStats.signed++;
      urlCacheStats.kvWrites++;
      ctx.waitUntil(writeSealed(env, kvKey, fresh, { expirationTtl: KV_TTL_SECONDS }));
      return fresh;
    },
  });
}
