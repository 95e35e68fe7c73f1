/**
 * Variables parsed once per isolate (memoised on the env object). A malformed variable is
 * an operator error: it fails every request with a message naming the variable, instead of
 * being ignored (an ignored ALLOWED_IPS would silently open the proxy to everyone).
 */
import type { Env } from "./env";
import { ApiError } from "./http/errors";
import { IpAllowlist, isLoopbackHost } from "./http/ip";
import { isValidRegion } from "./aws/partition";
import { DEFAULT_RETRY, type RetryPolicy } from "./http/outbound";

export interface Config {
  stsRegion: string;
  stsEndpoint: string | null;
  s3Endpoint: string | null;
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
}

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

function intVar(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw misconfigured(name, `must be an integer in ${min}..${max}`);
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
  c = {
    stsRegion,
    stsEndpoint: endpointVar("AWS_ENDPOINT_URL_STS", env.AWS_ENDPOINT_URL_STS),
    s3Endpoint: endpointVar("AWS_ENDPOINT_URL_S3", env.AWS_ENDPOINT_URL_S3),
    allowedIps,
    defaultUrlTtl: intVar("DEFAULT_URL_TTL", env.DEFAULT_URL_TTL, 900, 60, 86400),
    corsOrigins,
    allowHttpLoopbackEndpoints: env.ALLOW_HTTP_LOOPBACK_ENDPOINTS === "true",
    alertWebhookUrl: webhookVar(env.ALERT_WEBHOOK_URL, env.ALLOW_HTTP_LOOPBACK_ENDPOINTS === "true"),
    revalidateBatch: intVar("REVALIDATE_BATCH", env.REVALIDATE_BATCH, 25, 1, 500),
    accessTeamDomain: env.ACCESS_TEAM_DOMAIN || null,
    accessAud: env.ACCESS_AUD || null,
    outbound: {
      ...DEFAULT_RETRY,
      timeoutMs: intVar("OUTBOUND_TIMEOUT_MS", env.OUTBOUND_TIMEOUT_MS, DEFAULT_RETRY.timeoutMs, 100, 60000),
      attempts: intVar("OUTBOUND_ATTEMPTS", env.OUTBOUND_ATTEMPTS, DEFAULT_RETRY.attempts, 1, 10),
    },
  };
  CONFIGS.set(env, c);
  return c;
}
