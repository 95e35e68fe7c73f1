/**
 * User delegation keys for signing: isolate memory → KV (sealed with ENCRYPTION_KEY, AAD = the
 * KV key, expiring with the key: worker/store/sealed-kv.ts) → Azure (token + Get User
 * Delegation Key). A key signs every SAS URL of its storage account locally, so Azure is
 * asked about once a day per account.
 *
 * - Keys are cached per (signpost app, tenant, account): they belong to signpost's service
 *   principal in that tenant, not to one integration.
 * - A key is only used for URLs that end before it does; a key that would not cover the next
 *   day of URLs is renewed in the background while the current one keeps signing.
 * - While Azure is unavailable, a cached key with at least a minute left keeps signing
 *   (signBlobSasUrl then ends the URL with the key, and says so).
 */
import type { Background, Env } from "../../env";
import { config } from "../../config";
import { azureClientAssertion } from "./keyless";
import { ApiError } from "../../http/errors";
import { delegationKeyKvKey, kvExpiration, readSealed, writeSealed } from "../../store/sealed-kv";
import { SingleFlightCache } from "../../lib/single-flight";
import { callBudgetMs } from "../../lib/outbound";
import { providerUnavailable } from "../../lib/errors";
import { countStsCall } from "../../ops/usage";
import { getUserDelegationKey, type CachedDelegationKey } from "../../azure/delegation-key";

const MEMORY = new SingleFlightCache<CachedDelegationKey>(1000);
/** Renew in the background once the cached key covers less than this beyond the URL. */
const REFRESH_AHEAD_MS = 60 * 60_000;
const STALE_OK_MS = 60_000;

export const delegationKeyStats = { kvReads: 0, kvHits: 0, kvWrites: 0, fetched: 0 };

/** Test hook: forget every key cached in this isolate. */
export function forgetDelegationKeys(): void {
  MEMORY.clear();
}

function isKey(v: unknown): v is CachedDelegationKey {
  const k = v as CachedDelegationKey;
  return (
    !!k &&
    typeof k.expiresAt === "number" &&
    ["signedOid", "signedTid", "signedStart", "signedExpiry", "signedService", "signedVersion", "value"].every(
      (f) => typeof (k as unknown as Record<string, unknown>)[f] === "string",
    )
  );
}

async function writeKv(env: Env, kvKey: string, k: CachedDelegationKey): Promise<void> {
  const expiration = kvExpiration(k.expiresAt);
  if (expiration === null) return;
  delegationKeyStats.kvWrites++;
  await writeSealed(env, kvKey, k, { expiration });
}

/**
 * A user delegation key for `account` in `tenantId` valid at least until `needUntil`, or
 * (Azure unavailable) a cached one with at least a minute left. Throws what
 * getAzureAccessToken and getUserDelegationKey throw.
 */
export async function delegationKeyFor(
  env: Env,
  ctx: Background,
  p: { tenantId: string; account: string; integrationId?: string },
  needUntil: number,
): Promise<CachedDelegationKey> {
  const cfg = config(env);
  const clientId = env.AZURE_CLIENT_ID ?? "";
  const memKey = `${clientId}|${p.tenantId.toLowerCase()}|${p.account}`;
  const get = (until: number) =>
    MEMORY.get(memKey, {
      needUntil: until,
      deadlineMs: 3 * callBudgetMs(cfg.outbound),
      onDeadline: () => providerUnavailable(`Azure did not hand out a user delegation key for ${p.account} in time`),
      load: async () => {
        const kvKey = await delegationKeyKvKey(clientId, p.tenantId, p.account);
        delegationKeyStats.kvReads++;
        const cached = await readSealed(env, kvKey, isKey);
        if (cached && cached.expiresAt >= until) {
          delegationKeyStats.kvHits++;
          return cached;
        }
        // Its own isolate cache is bypassed: this module is the cache.
        if (p.integrationId) countStsCall(p.integrationId);
        const fresh = await getUserDelegationKey(
          env,
          { tenantId: p.tenantId, account: p.account, needUntil: until },
          {
            retry: cfg.outbound,
            keyCache: new SingleFlightCache(1),
            authorityHost: cfg.azureEndpoints.login ?? undefined,
            blobEndpoint: cfg.azureEndpoints.blob,
            clientAssertion: azureClientAssertion(env),
          },
        );
        delegationKeyStats.fetched++;
        ctx.waitUntil(writeKv(env, kvKey, fresh));
        return fresh;
      },
    });
  try {
    let key = await get(needUntil);
    // Joined a load made for a shorter need: ask for one that covers ours.
    if (key.expiresAt < needUntil) key = await get(needUntil);
    if (key.expiresAt < needUntil + REFRESH_AHEAD_MS) ctx.waitUntil(get(needUntil + REFRESH_AHEAD_MS).catch(() => undefined));
    return key;
  } catch (err) {
    const stale = MEMORY.peek(memKey);
    if (err instanceof ApiError && err.code === "sts_unavailable" && stale && stale.expiresAt > Date.now() + STALE_OK_MS) return stale;
    throw err;
  }
}
