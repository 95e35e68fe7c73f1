/**
 * Access tokens for Azure Storage as signpost's multi-tenant app registration, in the bucket
 * owner's tenant (OAuth 2.0 client credentials at the Microsoft identity platform). Cached
 * per tenant until 5 minutes before expiry, one request in flight per tenant.
 */
import { ApiError } from "../lib/errors";
import { DEFAULT_RETRY, postTokenForm, type RetryPolicy } from "../lib/outbound";
import { TOKEN_REFRESH_MARGIN_MS, type AccessToken } from "../gcp/token";
import { SingleFlightCache } from "../lib/single-flight";
import { callBudgetMs } from "../lib/outbound";
import { providerUnavailable } from "../lib/errors";

export const AZURE_AUTHORITY = "https://login.microsoftonline.com";
export const AZURE_STORAGE_SCOPE = "https://storage.azure.com/.default";
const STALE_OK_MS = 60_000;

/** The secrets this module reads; structurally a subset of worker/env.ts's Env. */
export interface AzureEnv {
  AZURE_CLIENT_ID?: string;
  AZURE_CLIENT_SECRET?: string;
}

export interface AzureCallOptions {
  /** Timeout and attempts per upstream call; pass `config(env).outbound`. */
  retry?: RetryPolicy;
  /** Clock for expiry decisions (epoch ms); tests move it. */
  now?: () => number;
  /** Token cache; defaults to the isolate-wide one. */
  tokenCache?: SingleFlightCache<AccessToken>;
  /** Identity platform origin override (sovereign clouds, tests). */
  authorityHost?: string;
  /**
   * Keyless: signpost's own token (`aud` api://AzureADTokenExchange) as the client assertion of
   * a federated identity credential, used when AZURE_CLIENT_SECRET is not set.
   */
  clientAssertion?: () => Promise<string>;
}

/** How signpost's app proves itself: a client secret, or a client assertion (keyless). */
export type AppCredential = { clientSecret: string } | { clientAssertion: () => Promise<string> };

export const CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

const defaultCache = new SingleFlightCache<AccessToken>(1000);

/** Tenant ids are GUIDs or verified domain names; the shared aliases cannot issue app-only tokens. */
export function isValidTenantId(tenant: string): boolean {
  if (/^(common|organizations|consumers)$/i.test(tenant)) return false;
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(tenant) || /^(?=.{1,253}$)[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(tenant);
}

function appCredentials(env: AzureEnv, opts: AzureCallOptions): { clientId: string; credential: AppCredential } {
  if (env.AZURE_CLIENT_ID && !env.AZURE_CLIENT_SECRET && opts.clientAssertion)
    return { clientId: env.AZURE_CLIENT_ID, credential: { clientAssertion: opts.clientAssertion } };
  for (const name of ["AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"] as const) {
    if (!env[name]) {
      throw new ApiError(
        "internal_error",
        `signpost is misconfigured: ${name} is not set.`,
        `Store the client id and a client secret of signpost's app registration with \`wrangler secret put ${name}\`.`,
      );
    }
  }
  return { clientId: env.AZURE_CLIENT_ID!, credential: { clientSecret: env.AZURE_CLIENT_SECRET! } };
}

/**
 * A storage access token in `tenantId` with at least 5 minutes left. Throws
 * `internal_error` (secrets not set), `role_cannot_be_assumed` (malformed tenant id, app
 * not consented in the tenant, tenant not found),
 * `upstream_error` (client secret refused) or `sts_unavailable`.
 */
export async function getAzureAccessToken(env: AzureEnv, tenantId: string, opts: AzureCallOptions = {}): Promise<AccessToken> {
  const app = appCredentials(env, opts);
  if (!isValidTenantId(tenantId)) {
    throw new ApiError(
      "role_cannot_be_assumed",
      "The integration's tenant id is not a directory (tenant) id or domain.",
      "Store the bucket owner's Microsoft Entra tenant id (a GUID) in the integration.",
    );
  }
  const cache = opts.tokenCache ?? defaultCache;
  const key = `${app.clientId}|${tenantId.toLowerCase()}`;
  const now = (opts.now ?? Date.now)();
  try {
    return await cache.get(key, {
      needUntil: now + TOKEN_REFRESH_MARGIN_MS,
      load: () => requestAzureAccessToken(app.clientId, app.credential, tenantId, opts),
      deadlineMs: callBudgetMs(opts.retry ?? DEFAULT_RETRY),
      onDeadline: () => providerUnavailable("The Microsoft identity platform did not answer in time"),
    });
  } catch (err) {
    const stale = cache.peek(key);
    if (err instanceof ApiError && err.code === "sts_unavailable" && stale && stale.expiresAt > now + STALE_OK_MS) return stale;
    throw err;
  }
}

/** Drops `token` after Azure Storage refused it, so the next call requests a new one. */
export function invalidateAzureAccessToken(env: AzureEnv, tenantId: string, token: AccessToken, opts: AzureCallOptions = {}): void {
  (opts.tokenCache ?? defaultCache).delete(`${env.AZURE_CLIENT_ID}|${tenantId.toLowerCase()}`, token);
}

function tokenError(status: number, body: string, clientId: string, tenantId: string, authority: string): ApiError {
  let json: { error?: unknown; error_description?: unknown; error_codes?: unknown } = {};
  try {
    json = JSON.parse(body) as typeof json;
  } catch {
    // not JSON: described by status only
  }
  const codes = Array.isArray(json.error_codes) ? json.error_codes.filter((c): c is number => typeof c === "number") : [];
  const description = typeof json.error_description === "string" ? json.error_description.split(/\r?\n/)[0]!.slice(0, 300) : "";
  const has = (code: number) => codes.includes(code) || description.startsWith(`AADSTS${code}:`);
  if (has(700016)) {
    return new ApiError(
      "role_cannot_be_assumed",
      `signpost's app (client id ${clientId}) is not consented in tenant ${tenantId}.`,
      `An administrator of the tenant consents it at ${authority}/${encodeURIComponent(tenantId)}/adminconsent?client_id=${clientId}, then grants it Storage Blob Delegator on the storage account and Storage Blob Data Reader on the container.`,
    );
  }
  if (has(90002) || has(900023) || has(90072)) {
    return new ApiError(
      "role_cannot_be_assumed",
      `Tenant ${tenantId} cannot issue tokens to signpost: ${description || "tenant not found"}`,
      "Check the tenant (directory) id stored in the integration.",
    );
  }
  if (has(700213) || has(700024) || has(700211)) {
    return new ApiError(
      "upstream_error",
      `The Microsoft identity platform refused signpost's client assertion${description ? `: ${description}` : ""}`,
      "The operator adds a federated identity credential to signpost's app registration for OIDC_ISSUER (README: Keyless deployment, Azure).",
    );
  }
  if (json.error === "invalid_client" || has(7000215) || has(7000222)) {
    return new ApiError(
      "upstream_error",
      `The Microsoft identity platform refused signpost's client credentials${description ? `: ${description}` : ""}`,
      "Create a new client secret for signpost's app registration and store it with `wrangler secret put AZURE_CLIENT_SECRET` (check AZURE_CLIENT_ID too).",
    );
  }
  return new ApiError("upstream_error", `The Microsoft identity platform answered HTTP ${status}${description ? `: ${description}` : ""}`);
}

/** One token request, no cache. Same errors as getAzureAccessToken. */
export async function requestAzureAccessToken(
  clientId: string,
  credential: string | AppCredential,
  tenantId: string,
  opts: AzureCallOptions = {},
): Promise<AccessToken> {
  const clock = opts.now ?? Date.now;
  const authority = (opts.authorityHost ?? AZURE_AUTHORITY).replace(/\/+$/, "");
  const url = `${authority}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;
  const cred: AppCredential = typeof credential === "string" ? { clientSecret: credential } : credential;
  // A client assertion lives 5 minutes: one per request, minted just before it is sent.
  const proof: Record<string, string> =
    "clientSecret" in cred
      ? { client_secret: cred.clientSecret }
      : { client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: await cred.clientAssertion() };
  const {
    res,
    body: text,
    sentAt,
  } = await postTokenForm(url, () => ({ client_id: clientId, ...proof, scope: AZURE_STORAGE_SCOPE, grant_type: "client_credentials" }), {
    clock,
    retry: opts.retry,
    unavailable: (detail) => providerUnavailable(`The Microsoft identity platform is unavailable (${detail})`),
  });
  if (res.ok) {
    try {
      const json = JSON.parse(text) as { access_token?: unknown; expires_in?: unknown };
      const expiresIn = Number(json.expires_in); // a string in some older endpoints
      if (typeof json.access_token === "string" && Number.isFinite(expiresIn) && expiresIn > 0) {
        return { token: json.access_token, expiresAt: sentAt + expiresIn * 1000 };
      }
    } catch {
      // handled below
    }
    throw new ApiError("upstream_error", "The Microsoft identity platform returned no usable access token.");
  }
  throw tokenError(res.status, text, clientId, tenantId, authority);
}
