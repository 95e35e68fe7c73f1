/**
 * AWS and S3-compatible storage: a SigV4 presigned URL, signed with the integration's
 * credentials (worker/providers/aws/credentials.ts). A role session is finite, so the URL's
 * lifetime is capped by what a fresh session covers; while STS is down, cached credentials
 * sign a shorter URL for what they have left.
 */
import type { Background, Env } from "../../env";
import { config } from "../../config";
import { ApiError } from "../../http/errors";
import { effectiveUrlTtl, scopeFor, type Integration, type Scope } from "../../integrations/model";
import { partitionOfRegion } from "../../aws/partition";
import { objectLocation } from "../../aws/s3-location";
import { presignUrl } from "../../aws/s3-signer";
import { MAX_WINDOW_MS, validUntil, secondsLeft, type ValidityPlan } from "../../signing/window";
import type { PlannedRequest, SignedUrl, SignRequest } from "../types";
import { credentialsFor, SKEW_MS } from "./credentials";

const GCS_INTEROP_HOST = "storage.googleapis.com";

/** Longest URL the integration's credentials can ever cover (role sessions are finite). */
export function maxTtlFor(integ: Integration, defaultUrlTtl: number): number {
  const ttl = effectiveUrlTtl(integ.row, defaultUrlTtl);
  const temporary = integ.row.provider === "aws_role" || (integ.row.provider === "aws_keys" && !!integ.row.roleArn);
  if (!temporary) return ttl;
  // A fresh session lasts sessionDurationSeconds from now; a URL lasts at most its TTL from now.
  const coverable = integ.row.sessionDurationSeconds - Math.ceil((2 * SKEW_MS) / 1000);
  return Math.max(1, Math.min(ttl, coverable));
}

export function requireScope(scopes: Scope[], bucket: string, key: string, what = "read"): Scope {
  const scope = scopeFor(scopes, bucket, key);
  if (!scope) {
    throw new ApiError(
      "scope_not_allowed",
      `This integration may not ${what} s3://${bucket}/${key.slice(0, 200)}.`,
      "Add a matching scope to the integration, or request an object inside its scopes.",
    );
  }
  return scope;
}

export function signingRegion(integ: Integration, hint: string | null | undefined): string {
  const region = integ.row.region;
  if (!hint || hint === region || integ.row.endpoint) return region;
  if (partitionOfRegion(hint) !== partitionOfRegion(region)) {
    throw new ApiError("invalid_request", `The URL's region ${hint} is in another AWS partition than the integration's region ${region}.`);
  }
  return hint;
}

/** An S3-keys integration on Cloud Storage's interoperability endpoint signs gs:// objects as S3. */
export function isGcsInterop(integ: Integration): boolean {
  if (!integ.row.endpoint) return false;
  try {
    return new URL(integ.row.endpoint).hostname === GCS_INTEROP_HOST;
  } catch {
    return false;
  }
}

/** Scopes for the method (writes: writeScopes), then the region the URL named. */
export function authorizeS3(integ: Integration, req: SignRequest): void {
  if ((req.method ?? "GET") === "PUT") requireScope(integ.writeScopes, req.bucket, req.key, "write");
  else requireScope(integ.scopes, req.bucket, req.key);
  signingRegion(integ, req.regionHint);
}

export async function signS3Object(env: Env, ctx: Background, integ: Integration, req: SignRequest, planned: PlannedRequest): Promise<SignedUrl> {
  const cfg = config(env);
  const method = req.method ?? "GET";
  const region = signingRegion(integ, req.regionHint);
  const query: Array<[string, string]> = [];
  if (planned.responseContentType) query.push(["response-content-type", planned.responseContentType]);
  if (planned.responseContentDisposition) query.push(["response-content-disposition", planned.responseContentDisposition]);

  const { now, maxTtl } = planned;
  let plan: ValidityPlan = planned.plan;
  const refreshBefore = plan.signingTime + (maxTtl + MAX_WINDOW_MS / 1000) * 1000 + 5 * 60_000;
  const lease = await credentialsFor(env, ctx, integ, validUntil(plan), refreshBefore);
  let shortened = false;
  if (lease.degraded && lease.expiration !== null) {
    // STS is down and the cached credentials end first: sign now, for what is left.
    const signingTime = Math.floor(now / 1000) * 1000;
    const expiresSeconds = Math.min(Math.floor((lease.expiration - SKEW_MS - signingTime) / 1000), Math.floor((validUntil(plan) - signingTime) / 1000));
    if (expiresSeconds < 1)
      throw new ApiError("sts_unavailable", "AWS STS is unavailable and no cached credentials remain valid.", undefined, { "retry-after": "5" });
    plan = { signingTime, expiresSeconds, windowMs: 1000 };
    shortened = true;
  }
  const loc = objectLocation({ bucket: req.bucket, key: req.key, region, endpoint: integ.row.endpoint ?? cfg.s3Endpoint });
  const url = await presignUrl(
    {
      creds: lease.creds,
      region,
      method,
      origin: loc.origin,
      host: loc.host,
      path: loc.path,
      signingTime: plan.signingTime,
      query,
      headers: req.contentType ? { "content-type": req.contentType } : undefined,
    },
    plan.expiresSeconds,
  );
  const expiresAt = validUntil(plan);
  return { url, expiresAt, maxAge: secondsLeft(expiresAt, now), shortened };
}
