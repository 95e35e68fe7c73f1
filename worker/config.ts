/**
 * Variables parsed once per isolate (memoised on the env object). A malformed variable is
 * an operator error: it fails every request with a message naming the variable, instead of
 * being ignored (an ignored ALLOWED_IPS would silently open the proxy to everyone).
 */
import type { Env } from "./env";
import { ApiError } from "./http/errors";
import { IpAllowlist, isLoopbackHost } from "./http/ip";
import { isValidRegion } from "./aws/partition";
import { DEFAULT_RETRY, type RetryPolicy } from "./lib/outbound";
import { parseSigningJwk, SigningKeyError, type ParsedJwk } from "./oidc/signing-key";

export interface Config {
  stsRegion: string;
  stsEndpoint: string | null;
  s3Endpoint: string | null;
  gcpEndpoints: GcpEndpoints;
  azureEndpoints: AzureEndpoints;
  allowedIps: IpAllowlist;
  defaultUrlTtl: number;
  corsOrigins: string[];
  allowHttpLoopbackEndpoints: boolean;
  accessTeamDomain: string | null;
  accessAud: string | null;
  outbound: RetryPolicy;
  /** ALERT_WEBHOOK_URL, checked: https, or http on loopback when allowed. */
  alertWebhookUrl: string | null;
  revalidateBatch: number;
  /** REQUEST_LOG_SAMPLE_RATE: the share of successful redirects that get a request log line. */
  requestLogSampleRate: number;
  /** signpost as an OIDC issuer; null unless both OIDC_ISSUER and OIDC_SIGNING_KEY are set. */
  oidc: OidcConfig | null;
  /** What keeps the issuer off (names of unset variables); empty when `oidc` is set. */
  oidcMissing: string[];
}

/** Google endpoint overrides (origins, optionally with a base path); null = Google's own. */
export interface GcpEndpoints {
  oauth: string | null;
  sts: string | null;
  iamCredentials: string | null;
  storage: string | null;
}

export interface AzureEndpoints {
  login: string | null;
  /** A template: `{account}` is replaced by the storage account name. */
  blob: string | null;
}

export interface OidcConfig {
  /** The issuer origin, no trailing slash: the `iss` of every token. */
  issuer: string;
  /** The issuer URL without scheme (host, and port if any): IAM's name for the provider. */
  issuerHost: string;
  current: ParsedJwk;
  /** Published during a rotation only; never signs. */
  previous: ParsedJwk | null;
}

/** One successful redirect in a thousand: see README "Request log" for why not every one. */
export const DEFAULT_REQUEST_LOG_SAMPLE_RATE = 0.001;

const CONFIGS = new WeakMap<object, Config>();

function misconfigured(name: string, why: string): ApiError {
  return new ApiError("internal_error", `signpost is misconfigured: ${name} ${why}.`, "Fix the variable in wrangler.toml (or the dashboard) and redeploy.");
}

function endpointVar(name: string, value: string | undefined): string | null {
  if (!value) return null;
  try {
    const u = new URL(value);
    if (u.protocol !== "https:" && u.protocol !== "http:") throw new Error();
    return u.origin + u.pathname.replace(/\/+$/, "");
  } catch {
    throw misconfigured(name, "is not an http(s) URL");
  }
}

function blobTemplateVar(value: string | undefined): string | null {
  if (!value) return null;
  // Checked as a URL with a sample account name; `{account}` may sit in the host or the path.
  endpointVar("AZURE_ENDPOINT_URL_BLOB", value.replaceAll("{account}", "account"));
  return value.replace(/\/+$/, "");
}

function intVar(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw misconfigured(name, `must be an integer in ${min}..${max}`);
  return n;
}

function rateVar(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!/^\d*\.?\d+$/.test(value.trim()) || !(n >= 0 && n <= 1)) throw misconfigured(name, "must be a number from 0 to 1");
  return n;
}

function webhookVar(value: string | undefined, allowHttpLoopback: boolean): string | null {
  if (!value) return null;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw misconfigured("ALERT_WEBHOOK_URL", "is not a URL");
  }
  if (u.protocol === "https:") return u.href;
  if (u.protocol === "http:" && allowHttpLoopback && isLoopbackHost(u.hostname)) return u.href;
  throw misconfigured("ALERT_WEBHOOK_URL", "must be an https:// URL (plain http only on loopback with ALLOW_HTTP_LOOPBACK_ENDPOINTS)");
}

function issuerVar(value: string, allowHttpLoopback: boolean): { issuer: string; issuerHost: string } {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw misconfigured("OIDC_ISSUER", "is not a URL");
  }
  const loopbackHttp = u.protocol === "http:" && allowHttpLoopback && isLoopbackHost(u.hostname);
  if (u.protocol !== "https:" && !loopbackHttp) {
    throw misconfigured("OIDC_ISSUER", "must be an https origin (plain http only on 127.0.0.1/localhost with ALLOW_HTTP_LOOPBACK_ENDPOINTS)");
  }
  if (u.username || u.password || u.search || u.hash || value.includes("?") || value.includes("#") || u.pathname !== "/") {
    throw misconfigured("OIDC_ISSUER", "must be an origin only (scheme://host[:port], no path, query or credentials)");
  }
  return { issuer: u.origin, issuerHost: u.host };
}

function jwkVar(name: string, value: string, needPrivate: boolean): ParsedJwk {
  try {
    return parseSigningJwk(value, needPrivate);
  } catch (err) {
    if (err instanceof SigningKeyError) throw misconfigured(name, err.message);
    throw err;
  }
}

function oidcConfig(env: Env, allowHttpLoopback: boolean): { oidc: OidcConfig | null; missing: string[] } {
  // Malformed values fail loudly; unset ones only keep the issuer off.
  const where = env.OIDC_ISSUER ? issuerVar(env.OIDC_ISSUER, allowHttpLoopback) : null;
  const current = env.OIDC_SIGNING_KEY ? jwkVar("OIDC_SIGNING_KEY", env.OIDC_SIGNING_KEY, true) : null;
  const previous = env.OIDC_SIGNING_KEY_PREVIOUS ? jwkVar("OIDC_SIGNING_KEY_PREVIOUS", env.OIDC_SIGNING_KEY_PREVIOUS, false) : null;
  const missing = [...(where ? [] : ["OIDC_ISSUER"]), ...(current ? [] : ["OIDC_SIGNING_KEY"])];
  if (!where || !current) return { oidc: null, missing };
  // Mid-rotation (`npm run oidc:keygen -- --rotate` stores PREVIOUS before the new key), both name one key.
  const distinct = previous && previous.kid !== current.kid ? previous : null;
  return { oidc: { ...where, current, previous: distinct }, missing };
}

export function config(env: Env): Config {
  let c = CONFIGS.get(env);
  if (c) return c;
  const stsRegion = env.STS_REGION || "us-east-1";
  if (!isValidRegion(stsRegion)) throw misconfigured("STS_REGION", `"${stsRegion}" is not an AWS region`);
  let allowedIps: IpAllowlist;
  try {
    allowedIps = IpAllowlist.parse(env.ALLOWED_IPS ?? "");
  } catch (err) {
    throw misconfigured("ALLOWED_IPS", (err as Error).message);
  }
  const corsOrigins = (env.CORS_ORIGINS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const o of corsOrigins) {
    if (o !== "*" && !/^https?:\/\/[^/\s]+$/.test(o)) throw misconfigured("CORS_ORIGINS", `entry "${o}" is not an origin (scheme://host[:port])`);
  }
  const allowHttpLoopbackEndpoints = env.ALLOW_HTTP_LOOPBACK_ENDPOINTS === "true";
  const { oidc, missing: oidcMissing } = oidcConfig(env, allowHttpLoopbackEndpoints);
  c = {
    stsRegion,
    stsEndpoint: endpointVar("AWS_ENDPOINT_URL_STS", env.AWS_ENDPOINT_URL_STS),
    s3Endpoint: endpointVar("AWS_ENDPOINT_URL_S3", env.AWS_ENDPOINT_URL_S3),
    gcpEndpoints: {
      oauth: endpointVar("GCP_ENDPOINT_URL_OAUTH", env.GCP_ENDPOINT_URL_OAUTH),
      sts: endpointVar("GCP_ENDPOINT_URL_STS", env.GCP_ENDPOINT_URL_STS),
      iamCredentials: endpointVar("GCP_ENDPOINT_URL_IAMCREDENTIALS", env.GCP_ENDPOINT_URL_IAMCREDENTIALS),
      storage: endpointVar("GCP_ENDPOINT_URL_STORAGE", env.GCP_ENDPOINT_URL_STORAGE),
    },
    azureEndpoints: {
      login: endpointVar("AZURE_ENDPOINT_URL_LOGIN", env.AZURE_ENDPOINT_URL_LOGIN),
      blob: blobTemplateVar(env.AZURE_ENDPOINT_URL_BLOB),
    },
    allowedIps,
    defaultUrlTtl: intVar("DEFAULT_URL_TTL", env.DEFAULT_URL_TTL, 900, 60, 86400),
    corsOrigins,
    allowHttpLoopbackEndpoints,
    alertWebhookUrl: webhookVar(env.ALERT_WEBHOOK_URL, env.ALLOW_HTTP_LOOPBACK_ENDPOINTS === "true"),
    revalidateBatch: intVar("REVALIDATE_BATCH", env.REVALIDATE_BATCH, 25, 1, 500),
    requestLogSampleRate: rateVar("REQUEST_LOG_SAMPLE_RATE", env.REQUEST_LOG_SAMPLE_RATE, DEFAULT_REQUEST_LOG_SAMPLE_RATE),
    accessTeamDomain: env.ACCESS_TEAM_DOMAIN || null,
    accessAud: env.ACCESS_AUD || null,
    outbound: {
      ...DEFAULT_RETRY,
      timeoutMs: intVar("OUTBOUND_TIMEOUT_MS", env.OUTBOUND_TIMEOUT_MS, DEFAULT_RETRY.timeoutMs, 100, 60000),
      attempts: intVar("OUTBOUND_ATTEMPTS", env.OUTBOUND_ATTEMPTS, DEFAULT_RETRY.attempts, 1, 10),
    },
    oidc,
    oidcMissing,
  };
  CONFIGS.set(env, c);
  return c;
}
