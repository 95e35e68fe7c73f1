/**
 * signpost's own Google OAuth access token (JWT bearer grant, RFC 7523), cached in the
 * isolate until 5 minutes before it expires, with one request in flight however many callers
 * wait for it.
 */
import { ApiError, providerUnavailable } from "../lib/errors";
import { DEFAULT_RETRY, callBudgetMs, postTokenForm, type RetryPolicy } from "../lib/outbound";
import { SingleFlightCache } from "../lib/single-flight";
import { importRs256PrivateKey, signJwtRs256 } from "./jwt";
import { parseServiceAccountKey, type ServiceAccountKey } from "./service-account";

export const GCP_SCOPE = "https://www.googleapis.com/auth/cloud-platform";
export const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/** A cached token is replaced once it has less than this left. */
export const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;
/** During an outage, a cached token keeps serving while it has at least this left. */
const STALE_OK_MS = 60_000;

/** The secret this module reads; structurally a subset of worker/env.ts's Env. */
export interface GcpEnv {
  GCP_SERVICE_ACCOUNT_KEY?: string;
}

export interface AccessToken {
  token: string;
  /** Epoch ms, measured from before the request was sent. */
  expiresAt: number;
}

export interface GcpCallOptions {
  /** Timeout and attempts per upstream call; pass `config(env).outbound`. */
  retry?: RetryPolicy;
  /** Clock for expiry decisions (epoch ms); tests move it. */
  now?: () => number;
  /** Token cache; defaults to the isolate-wide one. */
  tokenCache?: SingleFlightCache<AccessToken>;
  /** OAuth endpoint override (GCP_ENDPOINT_URL_OAUTH): tokens are requested at `{oauthEndpoint}/token`. */
  oauthEndpoint?: string | null;
}

// ---------------------------------------------------------------------------------------
// Google token

const defaultCache = new SingleFlightCache<AccessToken>(16);
let parsed: { raw: string; key: ServiceAccountKey } | null = null;

/** signpost's service account key from the environment (parsed once per secret value). */
export function signpostServiceAccount(env: GcpEnv): ServiceAccountKey {
  const raw = env.GCP_SERVICE_ACCOUNT_KEY ?? "";
  if (parsed?.raw !== raw) parsed = { raw, key: parseServiceAccountKey(raw) };
  return parsed.key;
}

function cacheKey(sa: ServiceAccountKey): string {
  return `${sa.clientEmail}|${sa.privateKeyId}`;
}

/**
 * An access token for signpost's service account with at least 5 minutes left, minted once
 * per hour per isolate. Throws `internal_error` (GCP_SERVICE_ACCOUNT_KEY unusable),
 * `upstream_error` (Google refused the key) or `sts_unavailable` (token endpoint down).
 */
export async function getGcpAccessToken(env: GcpEnv, opts: GcpCallOptions = {}): Promise<AccessToken> {
  const sa = signpostServiceAccount(env);
  const cache = opts.tokenCache ?? defaultCache;
  const key = cacheKey(sa);
  const now = (opts.now ?? Date.now)();
  try {
    return await cache.get(key, {
      needUntil: now + TOKEN_REFRESH_MARGIN_MS,
      load: () => requestGcpAccessToken(sa, opts),
      deadlineMs: callBudgetMs(opts.retry ?? DEFAULT_RETRY),
      onDeadline: () => providerUnavailable("Google's OAuth token endpoint did not answer in time"),
    });
  } catch (err) {
    const stale = cache.peek(key);
    if (err instanceof ApiError && err.code === "sts_unavailable" && stale && stale.expiresAt > now + STALE_OK_MS) return stale;
    throw err;
  }
}

/** Drops `token` from the cache after Google refused it (401), so the next call mints a new one. */
export function invalidateGcpAccessToken(env: GcpEnv, token: AccessToken, opts: GcpCallOptions = {}): void {
  (opts.tokenCache ?? defaultCache).delete(cacheKey(signpostServiceAccount(env)), token);
}

/** One token request, no cache. Same errors as getGcpAccessToken. */
export async function requestGcpAccessToken(sa: ServiceAccountKey, opts: GcpCallOptions = {}): Promise<AccessToken> {
  const clock = opts.now ?? Date.now;
  let privateKey: CryptoKey;
  try {
    privateKey = await importRs256PrivateKey(sa.privateKeyDer);
  } catch {
    throw new ApiError(
      "internal_error",
      `signpost is misconfigured: the "private_key" of GCP_SERVICE_ACCOUNT_KEY is not an RSA PKCS#8 key.`,
      "Store the JSON key file exactly as Google issued it with `wrangler secret put GCP_SERVICE_ACCOUNT_KEY`.",
    );
  }
  // The assertion's audience stays the key file's token_uri; only where it is sent changes.
  const tokenUrl = opts.oauthEndpoint ? `${opts.oauthEndpoint.replace(/\/+$/, "")}/token` : sa.tokenUri;
  const { res, body, sentAt } = await postTokenForm(
    tokenUrl,
    async (sentAt) => {
      const iat = Math.floor(sentAt / 1000);
      const assertion = await signJwtRs256(privateKey, { iss: sa.clientEmail, scope: GCP_SCOPE, aud: sa.tokenUri, iat, exp: iat + 3600 }, sa.privateKeyId);
      return { grant_type: JWT_BEARER_GRANT, assertion };
    },
    { clock, retry: opts.retry, unavailable: (detail) => providerUnavailable(`Google's OAuth token endpoint is unavailable (${detail})`) },
  );
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(body) as Record<string, unknown>;
  } catch {
    // handled below
  }
  if (res.ok && typeof json.access_token === "string" && typeof json.expires_in === "number" && json.expires_in > 0) {
    return { token: json.access_token, expiresAt: sentAt + json.expires_in * 1000 };
  }
  const code = typeof json.error === "string" ? json.error : `HTTP ${res.status}`;
  const description = typeof json.error_description === "string" ? `: ${json.error_description.slice(0, 200)}` : "";
  throw new ApiError(
    "upstream_error",
    `Google refused signpost's service account key (${sa.clientEmail}): ${code}${description}`,
    "Check that signpost's service account and its key still exist and are enabled, and that the server clock is right; then store a fresh key with `wrangler secret put GCP_SERVICE_ACCOUNT_KEY`.",
  );
}
