/**
 * From "this integration, this bucket, this key" to a presigned URL, with the lifetime
 * rules of the SPEC: the URL is valid for its whole advertised lifetime (never signed with
 * credentials that expire first), never works longer than the effective TTL after it is
 * handed out, never outlives a signed link's `exp`, and is identical for every request of
 * the same cache window (worker/signing/window.ts).
 */
import type { Background, Env } from "../env";
import { config } from "../config";
import { ApiError } from "../http/errors";
import { effectiveUrlTtl, scopeFor, type Integration, type Scope } from "../integrations/model";
import { partitionOfRegion } from "../aws/partition";
import { objectLocation } from "../aws/s3-location";
import { presignUrl } from "../aws/s3-signer";
import { credentialsFor, SKEW_MS } from "../store/credentials";
import { MAX_WINDOW_MS, planWithin, responseOverride, secondsLeft, validUntil, type ValidityPlan } from "./window";
import { handledByProvider, signWithProvider } from "../providers/sign"; // gcs / azure

export interface SignRequest {
  /** GET (downloads, the default) or PUT (export uploads, checked against writeScopes). */
  method?: "GET" | "PUT";
  /** PUT only: signed as a header, so the upload must send exactly this Content-Type. */
  contentType?: string;
  bucket: string;
  key: string;
  /** Requested TTL in seconds (validated integer ≥ 1); capped by the integration. */
  ttl?: number;
  responseContentType?: string;
  responseContentDisposition?: string;
  /** Epoch ms the URL must not outlive (a signed link's exp). */
  notAfter?: number;
  /** Region named by the URL the client gave, if any. */
  regionHint?: string | null;
  /** gcs / azure: the storage the URL named (worker/providers/object-url.ts); undefined = the integration's own. */
  objectKind?: "s3" | "gcs" | "azure";
  /** azure: the storage account the URL named. */
  account?: string;
}

export interface SignedUrl {
  url: string;
  /** Epoch ms: X-Amz-Date + X-Amz-Expires. */
  expiresAt: number;
  /** Seconds a client may cache the redirect: never past expiresAt. */
  maxAge: number;
  /** True when STS is unavailable and the URL is shorter than the integration's TTL. */
  shortened: boolean;
}

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
    throw new ApiError("scope_not_allowed", `This integration may not ${what} s3://${bucket}/${key.slice(0, 200)}.`, "Add a matching scope to the integration, or request an object inside its scopes.");
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


export async function signObject(env: Env, ctx: Background, integ: Integration, req: SignRequest): Promise<SignedUrl> {
  // ---- gcs / azure integrations and objects (worker/providers/sign.ts) ----
  if (handledByProvider(integ, req)) return signWithProvider(env, ctx, integ, req);
  // ---- AWS ----
  const cfg = config(env);
  const method = req.method ?? "GET";
  if (method === "PUT") requireScope(integ.writeScopes, req.bucket, req.key, "write");
  else requireScope(integ.scopes, req.bucket, req.key);
  const region = signingRegion(integ, req.regionHint);
  const query: Array<[string, string]> = [];
  const rct = responseOverride("response-content-type", req.responseContentType);
  const rcd = responseOverride("response-content-disposition", req.responseContentDisposition);
  if (rct) query.push(["response-content-type", rct]);
  if (rcd) query.push(["response-content-disposition", rcd]);

  const maxTtl = maxTtlFor(integ, cfg.defaultUrlTtl);
  const ttl = Math.min(req.ttl ?? maxTtl, maxTtl);
  const now = Date.now();
  let plan: ValidityPlan = planWithin(now, ttl, req.notAfter);
  const refreshBefore = plan.signingTime + (maxTtl + MAX_WINDOW_MS / 1000) * 1000 + 5 * 60_000;
  const lease = await credentialsFor(env, ctx, integ, validUntil(plan), refreshBefore);
  let shortened = false;
  if (lease.degraded && lease.expiration !== null) {
    // STS is down and the cached credentials end first: sign now, for what is left.
    const signingTime = Math.floor(now / 1000) * 1000;
    const expiresSeconds = Math.min(Math.floor((lease.expiration - SKEW_MS - signingTime) / 1000), Math.floor((validUntil(plan) - signingTime) / 1000));
    if (expiresSeconds < 1) throw new ApiError("sts_unavailable", "AWS STS is unavailable and no cached credentials remain valid.", undefined, { "retry-after": "5" });
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
