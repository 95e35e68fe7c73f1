/**
 * From "this integration, this bucket, this key" to a presigned URL, with the lifetime
 * rules of the SPEC: the URL is valid for its whole advertised lifetime (never signed with
 * credentials that expire first), never works longer than the effective TTL after it is
 * handed out, never outlives a signed link's `exp`, and is identical for every request of
 * the same cache window (worker/signing/window.ts). Here the validity is planned; the
 * integration's provider (worker/providers/) checks the request and signs.
 */
import type { Background, Env } from "../env";
import { config } from "../config";
import type { Integration } from "../integrations/model";
import { providerFor, signsObject } from "../providers";
import { foreignObjectError } from "../providers/authorize";
import type { SignedUrl, SignRequest } from "../providers/types";
import { planWithin, responseOverride } from "./window";

export type { SignedUrl, SignRequest } from "../providers/types";

export async function signObject(env: Env, ctx: Background, integ: Integration, req: SignRequest): Promise<SignedUrl> {
  const provider = providerFor(integ.row.provider);
  if (!signsObject(integ, req.objectKind)) throw foreignObjectError(integ, provider.objectKind, req.objectKind!, req);
  provider.authorize(integ, req);
  const responseContentType = responseOverride("response-content-type", req.responseContentType);
  const responseContentDisposition = responseOverride("response-content-disposition", req.responseContentDisposition);

  const maxTtl = provider.maxTtl(integ, config(env).defaultUrlTtl);
  const ttl = Math.min(req.ttl ?? maxTtl, maxTtl);
  const now = Date.now();
  const plan = planWithin(now, ttl, req.notAfter);
  return provider.sign(env, ctx, integ, req, { bucket: req.bucket, key: req.key, plan, now, maxTtl, responseContentType, responseContentDisposition });
}
