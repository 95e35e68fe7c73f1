/** signpost's own AWS identity (STS GetCallerIdentity), cached: it changes only with the secrets. */
import type { Env } from "../env";
import { getCallerIdentity, StsError, type CallerIdentity } from "../aws/sts";
import { signpostPrincipal, stsErrorToApi, stsTarget } from "../providers/aws/credentials";
import { config } from "../config";
import { ApiError } from "../http/errors";

const TTL_MS = 60 * 60_000;
let cached: { key: string; at: number; value: Promise<CallerIdentity> } | null = null;

/**
 * GetCallerIdentity checks signpost's own keys, not a role: a refusal is never "role cannot be
 * assumed" with a trust-policy hint. An STS without the action (S3-compatible services answer
 * 405 or NotImplemented) only matters to aws_role integrations, whose trust policy names the ARN.
 */
function principalError(err: StsError): ApiError {
  if (err.kind === "unavailable") return stsErrorToApi(err, 5);
  const unsupported =
    err.httpStatus === 405 || err.httpStatus === 501 || ["InvalidAction", "NotImplemented", "MethodNotAllowed", "UnsupportedOperation"].includes(err.awsCode);
  if (unsupported) {
    return new ApiError(
      "upstream_error",
      `The STS endpoint does not support GetCallerIdentity (${err.awsCode}), so signpost cannot tell its own principal ARN.`,
      "aws_keys integrations do not need it: they sign with the bucket owner's keys. aws_role integrations do: point AWS_ENDPOINT_URL_STS at an STS with GetCallerIdentity, or unset it to use AWS STS.",
    );
  }
  return new ApiError(
    "upstream_error",
    `STS refused signpost's own access keys (GetCallerIdentity: ${err.awsCode}: ${err.message.slice(0, 300)}).`,
    "Check the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY secrets (and AWS_ENDPOINT_URL_STS, if set).",
  );
}

export function principalIdentity(env: Env): Promise<CallerIdentity> {
  const creds = signpostPrincipal(env);
  const cfg = config(env);
  const key = `${creds.accessKeyId}|${cfg.stsEndpoint}|${cfg.stsRegion}`;
  if (cached && cached.key === key && Date.now() - cached.at < TTL_MS) return cached.value;
  const value = getCallerIdentity(stsTarget(env, cfg.stsRegion, creds)).catch((err) => {
    cached = null;
    throw err instanceof StsError ? principalError(err) : err;
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
