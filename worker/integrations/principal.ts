/** signpost's own AWS identity (STS GetCallerIdentity), cached: it changes only with the secrets. */
import type { Env } from "../env";
import { getCallerIdentity, StsError, type CallerIdentity } from "../aws/sts";
import { signpostPrincipal, stsErrorToApi, stsTarget } from "../store/credentials";
import { config } from "../config";

const TTL_MS = 60 * 60_000;
let cached: { key: string; at: number; value: Promise<CallerIdentity> } | null = null;

export function principalIdentity(env: Env): Promise<CallerIdentity> {
  const creds = signpostPrincipal(env);
  const cfg = config(env);
  const key = `${creds.accessKeyId}|${cfg.stsEndpoint}|${cfg.stsRegion}`;
  if (cached && cached.key === key && Date.now() - cached.at < TTL_MS) return cached.value;
  const value = getCallerIdentity(stsTarget(env, cfg.stsRegion, creds)).catch((err) => {
    cached = null;
    throw err instanceof StsError ? stsErrorToApi(err, 5) : err;
  });
  cached = { key, at: Date.now(), value };
  return value;
}

/** For documents that embed the ARN: null instead of failing when STS is unreachable. */
export async function principalArnOrNull(env: Env): Promise<string | null> {
  try {
    return (await principalIdentity(env)).arn;
  } catch {
    return null;
  }
}

export function forgetPrincipal(): void {
  cached = null;
}
