/**
 * User delegation keys (Get User Delegation Key, `POST /?restype=service&comp=userdelegationkey`):
 * requested with signpost's token in the owner's tenant, which works once the owner granted
 * signpost's app Storage Blob Delegator on the storage account. A key signs any number of
 * SAS URLs locally, so it is cached per tenant and account and requested about once a day.
 */
import { ApiError } from "../lib/errors";
import { shellQuote } from "../lib/shell";
import { DEFAULT_RETRY, OutboundFailure, fetchWithRetry, type RetryPolicy } from "../lib/outbound";
import { escapeXml, xmlText } from "../aws/xml";
import { SingleFlightCache } from "../lib/single-flight";
import { callBudgetMs } from "../lib/outbound";
import { providerUnavailable } from "../lib/errors";
import { blobServiceUrl, isValidStorageAccountName } from "./blob-url";
import { SAS_VERSION, sasTime, type UserDelegationKey } from "./sas";
import { getAzureAccessToken, invalidateAzureAccessToken, type AzureCallOptions, type AzureEnv } from "./token";

export const DELEGATOR_ROLE = "Storage Blob Delegator";
export const DATA_READER_ROLE = "Storage Blob Data Reader";
/** Azure refuses keys that end more than 7 days from now. */
export const MAX_KEY_LIFETIME_MS = 7 * 24 * 3600_000;
/** A new key lasts this much longer than the URL that needed it, so it serves a day of URLs. */
const KEY_EXTRA_MS = 24 * 3600_000;
/** Key start is backdated for clock skew between signpost and Azure. */
const KEY_BACKDATE_MS = 5 * 60_000;
const STALE_OK_MS = 60_000;

export interface CachedDelegationKey extends UserDelegationKey {
  /** Epoch ms of SignedExpiry. */
  expiresAt: number;
}

export interface DelegationKeyOptions extends AzureCallOptions {
  /** Blob endpoint override (emulators): `{endpoint}/{account}/?restype=…`. */
  blobEndpoint?: string | null;
  keyCache?: SingleFlightCache<CachedDelegationKey>;
}

/** Storage rejected the bearer token itself (expired or revoked): refresh it once. */
class TokenRefused extends Error {}

const defaultKeyCache = new SingleFlightCache<CachedDelegationKey>(1000);

export function keyInfoXml(startsOn: number, expiresOn: number): string {
  return `<?xml version="1.0" encoding="utf-8"?><KeyInfo><Start>${escapeXml(sasTime(startsOn))}</Start><Expiry>${escapeXml(sasTime(expiresOn))}</Expiry></KeyInfo>`;
}

/** Reads a `<UserDelegationKey>` response; throws `upstream_error` when a field is missing. */
export function parseUserDelegationKey(xml: string): UserDelegationKey {
  const field = (tag: string) => xmlText(xml, tag);
  const key = {
    signedOid: field("SignedOid"),
    signedTid: field("SignedTid"),
    signedStart: field("SignedStart"),
    signedExpiry: field("SignedExpiry"),
    signedService: field("SignedService"),
    signedVersion: field("SignedVersion"),
    value: field("Value"),
  };
  for (const [name, v] of Object.entries(key)) {
    if (!v) throw new ApiError("upstream_error", `Get User Delegation Key returned no ${name}.`);
  }
  if (!Number.isFinite(Date.parse(key.signedExpiry!)) || !Number.isFinite(Date.parse(key.signedStart!))) {
    throw new ApiError("upstream_error", "Get User Delegation Key returned unreadable validity times.");
  }
  return key as UserDelegationKey;
}

function keyError(status: number, code: string, account: string, tenantId: string | undefined, clientId: string | undefined): ApiError {
  const app = clientId ? `signpost's app (client id ${clientId})` : "signpost's app";
  const scope = `/subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.Storage/storageAccounts/${account}`;
  if (code === "AuthorizationPermissionMismatch") {
    return new ApiError(
      "role_cannot_be_assumed",
      `${app} lacks the ${DELEGATOR_ROLE} role on the storage account ${account}, so it cannot get a user delegation key.`,
      `Assign it: az role assignment create --assignee ${shellQuote(clientId ?? "<signpost client id>")} --role ${shellQuote(DELEGATOR_ROLE)} --scope ${shellQuote(scope)} (and ${DATA_READER_ROLE} on the container).`,
    );
  }
  if (code === "InvalidAuthenticationInfo" || status === 401) {
    return new ApiError(
      "role_cannot_be_assumed",
      `The storage account ${account} did not accept a token from tenant ${tenantId ?? "(unknown)"} (${code}).`,
      "Check that the storage account belongs to the tenant stored in the integration.",
    );
  }
  if (status === 403) {
    return new ApiError(
      "role_cannot_be_assumed",
      `The storage account ${account} refused the request (${code}).`,
      "Check the account's firewall and network rules, and the role assignments of signpost's app.",
    );
  }
  if (status === 404)
    return new ApiError(
      "role_cannot_be_assumed",
      `The storage account ${account} was not found (${code}).`,
      "Check the storage account name stored in the integration.",
    );
  return new ApiError("upstream_error", `Get User Delegation Key answered HTTP ${status} (${code}).`);
}

/**
 * One Get User Delegation Key call. Throws `role_cannot_be_assumed` (Delegator missing,
 * wrong tenant, account not found), `upstream_error`, `sts_unavailable`, or TokenRefused.
 */
async function requestKey(
  p: { accessToken: string; account: string; startsOn: number; expiresOn: number; tenantId?: string; clientId?: string },
  opts: { retry?: RetryPolicy; blobEndpoint?: string | null },
): Promise<UserDelegationKey> {
  if (!isValidStorageAccountName(p.account))
    throw new ApiError(
      "role_cannot_be_assumed",
      "The integration's storage account name is not valid.",
      "Account names are 3-24 lowercase letters and digits.",
    );
  const origin = blobServiceUrl(p.account, opts.blobEndpoint);
  const body = keyInfoXml(p.startsOn, p.expiresOn);
  let result: { res: Response; body: string };
  try {
    result = await fetchWithRetry(
      () =>
        new Request(`${origin}/?restype=service&comp=userdelegationkey`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${p.accessToken}`,
            "x-ms-version": SAS_VERSION,
            "x-ms-date": new Date().toUTCString(),
            "content-type": "application/xml",
          },
          body,
        }),
      (res) => (res.status >= 500 || res.status === 429 ? "retry" : "done"),
      opts.retry ?? DEFAULT_RETRY,
    );
  } catch (err) {
    const detail = err instanceof OutboundFailure ? err.message : "network error";
    throw providerUnavailable(`Azure Blob Storage (${p.account}) is unavailable (${detail})`);
  }
  const { res, body: xml } = result;
  if (res.ok) return parseUserDelegationKey(xml);
  const code = res.headers.get("x-ms-error-code") ?? xmlText(xml, "Code") ?? `HTTP${res.status}`;
  if (res.status === 401 || (res.status === 403 && code === "InvalidAuthenticationInfo")) {
    const e = new TokenRefused();
    e.cause = keyError(res.status, code, p.account, p.tenantId, p.clientId);
    throw e;
  }
  throw keyError(res.status, code, p.account, p.tenantId, p.clientId);
}

/**
 * One Get User Delegation Key call with a given token, no cache: `startsOn`..`expiresOn`
 * (epoch ms, at most 7 days ahead). Throws `role_cannot_be_assumed`, `upstream_error` or
 * `sts_unavailable`.
 */
export async function fetchUserDelegationKey(
  p: { accessToken: string; account: string; startsOn: number; expiresOn: number; tenantId?: string; clientId?: string },
  opts: { retry?: RetryPolicy; blobEndpoint?: string | null } = {},
): Promise<UserDelegationKey> {
  try {
    return await requestKey(p, opts);
  } catch (err) {
    throw err instanceof TokenRefused ? (err.cause as ApiError) : err;
  }
}

/**
 * A user delegation key for `account` in `tenantId` that is valid at least until `needUntil`
 * (epoch ms: the `se` the caller will sign). Cached per isolate; a new key is valid a day
 * longer than needed (at most 7 days). While Azure is unavailable a cached key that expires
 * sooner is still returned when it has a minute left: signBlobSasUrl then shortens the URL
 * to fit it. Throws what getAzureAccessToken and fetchUserDelegationKey throw.
 */
export async function getUserDelegationKey(
  env: AzureEnv,
  p: { tenantId: string; account: string; needUntil: number },
  opts: DelegationKeyOptions = {},
): Promise<CachedDelegationKey> {
  const clock = opts.now ?? Date.now;
  const now = clock();
  if (p.needUntil > now + MAX_KEY_LIFETIME_MS - KEY_BACKDATE_MS)
    throw new ApiError("invalid_request", "A user delegation SAS cannot be valid for more than 7 days.");
  const cache = opts.keyCache ?? defaultKeyCache;
  const cacheKey = `${p.tenantId.toLowerCase()}|${p.account}`;

  const load = async (): Promise<CachedDelegationKey> => {
    const t = clock();
    const startsOn = t - KEY_BACKDATE_MS;
    const expiresOn = Math.min(t + MAX_KEY_LIFETIME_MS - KEY_BACKDATE_MS, Math.max(p.needUntil, t) + KEY_EXTRA_MS);
    const call = async () => {
      const token = await getAzureAccessToken(env, p.tenantId, opts);
      try {
        return await requestKey(
          { accessToken: token.token, account: p.account, startsOn, expiresOn, tenantId: p.tenantId, clientId: env.AZURE_CLIENT_ID },
          opts,
        );
      } catch (err) {
        if (err instanceof TokenRefused) invalidateAzureAccessToken(env, p.tenantId, token, opts);
        throw err;
      }
    };
    let key: UserDelegationKey;
    try {
      key = await call();
    } catch (err) {
      if (!(err instanceof TokenRefused)) throw err;
      try {
        key = await call(); // with a fresh token
      } catch (again) {
        throw again instanceof TokenRefused ? (again.cause as ApiError) : again;
      }
    }
    return { ...key, expiresAt: Date.parse(key.signedExpiry) };
  };

  const get = () =>
    cache.get(cacheKey, {
      needUntil: p.needUntil,
      load,
      // a token request and a key request, one after the other
      deadlineMs: 2 * callBudgetMs(opts.retry ?? DEFAULT_RETRY),
      onDeadline: () => providerUnavailable(`Azure did not hand out a user delegation key for ${p.account} in time`),
    });
  try {
    const key = await get();
    // Joined a request made for a shorter need: ask for one that covers ours.
    return key.expiresAt >= p.needUntil ? key : await get();
  } catch (err) {
    const stale = cache.peek(cacheKey);
    if (err instanceof ApiError && err.code === "sts_unavailable" && stale && stale.expiresAt > now + STALE_OK_MS) return stale;
    throw err;
  }
}
