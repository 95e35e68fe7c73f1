/**
 * Provider dispatch for signObject: gcs and azure integrations, and objects named by gs:// or
 * Azure URLs, are signed here with the SPEC's lifetime rules (the same cache window, TTL cap
 * and signed-link `exp` as S3); everything else stays on the AWS path untouched.
 */
import type { Background, Env } from "../env";
import { config } from "../config";
import { ApiError } from "../http/errors";
import { effectiveUrlTtl, scopeFor, type Integration } from "../integrations/model";
import { SIGNBLOB_MAX_EXPIRES_SECONDS } from "../gcp/sign-blob";
import { planWithin, responseOverride, type ValidityPlan } from "../signing/window";
import type { SignedUrl, SignRequest } from "../signing/sign-object";
import type { ObjectKind } from "./object-url";
import { signGcsObject } from "./gcs-sign";
import { signAzureBlob } from "./azure-sign";
import { providerScopes } from "./settings";

const GCS_INTEROP_HOST = "storage.googleapis.com";

function kindOf(integ: Integration): ObjectKind {
  const p = integ.row.provider;
  return p === "gcs" ? "gcs" : p === "azure" ? "azure" : "s3";
}

/** An S3-keys integration on Cloud Storage's interoperability endpoint signs gs:// objects as S3. */
function isGcsInterop(integ: Integration): boolean {
  if (!integ.row.endpoint) return false;
  try {
    return new URL(integ.row.endpoint).hostname === GCS_INTEROP_HOST;
  } catch {
    return false;
  }
}

/** Whether signObject hands this request to signWithProvider (one or two comparisons on the AWS path). */
export function handledByProvider(integ: Integration, req: Pick<SignRequest, "objectKind">): boolean {
  const p = integ.row.provider;
  if (p === "gcs" || p === "azure") return true;
  const k = req.objectKind;
  if (k === undefined || k === "s3") return false;
  return !(k === "gcs" && isGcsInterop(integ));
}

const LABEL: Record<ObjectKind, string> = { s3: "S3", gcs: "Cloud Storage", azure: "Azure Blob" };

function objectName(kind: ObjectKind, bucket: string, key: string): string {
  const scheme = kind === "gcs" ? "gs" : kind === "azure" ? "az" : "s3";
  return `${scheme}://${bucket}/${key.slice(0, 200)}`;
}


/** Longest TTL an integration of this provider signs: its urlTtlSeconds, and for GCS at most the 12-hour signBlob limit. */
export function providerMaxTtl(integ: Integration, defaultUrlTtl: number): number {
  const ttl = effectiveUrlTtl(integ.row, defaultUrlTtl);
  if (integ.row.provider === "gcs") return Math.min(ttl, SIGNBLOB_MAX_EXPIRES_SECONDS);
  return ttl;
}

export async function signWithProvider(env: Env, ctx: Background, integ: Integration, req: SignRequest): Promise<SignedUrl> {
  const own = kindOf(integ);
  const wanted = req.objectKind ?? own;
  if (wanted !== own) {
    throw new ApiError(
      "scope_not_allowed",
      `Integration ${integ.id} signs ${LABEL[own]} objects; ${objectName(wanted, req.bucket, req.key)} is a ${LABEL[wanted]} object.`,
      `Name a ${wanted === "s3" ? "aws_role or aws_keys" : wanted} integration with &integration={id} (or "integration" in /v1/sign), or add the ${wanted === "azure" ? "container" : "bucket"} to its scopes.`,
    );
  }
  if ((req.method ?? "GET") !== "GET") {
    throw new ApiError("invalid_request", `Export uploads are available for AWS integrations only, not ${integ.row.provider}.`);
  }
  if (!scopeFor(providerScopes(integ), req.bucket, req.key)) {
    throw new ApiError(
      "scope_not_allowed",
      `This integration may not read ${objectName(own, req.bucket, req.key)}.`,
      own === "azure" ? "Add the container (or container/prefix/) to the integration's scopes, or request a blob inside them." : "Add a matching scope to the integration, or request an object inside its scopes.",
    );
  }
  const responseContentType = responseOverride("response-content-type", req.responseContentType);
  const responseContentDisposition = responseOverride("response-content-disposition", req.responseContentDisposition);

  const maxTtl = providerMaxTtl(integ, config(env).defaultUrlTtl);
  const ttl = Math.min(req.ttl ?? maxTtl, maxTtl);
  const now = Date.now();
  const plan: ValidityPlan = planWithin(now, ttl, req.notAfter);
  const r = { bucket: req.bucket, key: req.key, plan, now, responseContentType, responseContentDisposition };
  return own === "gcs" ? signGcsObject(env, ctx, integ, r) : signAzureBlob(env, ctx, integ, r, req.account);
}
