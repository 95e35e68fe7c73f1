/**
 * Azure Blob for an integration: a read-only user delegation SAS URL for
 * `https://{account}.blob.core.windows.net/{container}/{blob}`, signed locally with the
 * account's cached user delegation key (./key-cache.ts). No network per
 * URL; `se` never passes the key's expiry, and the answer's expiresAt is exactly `se`.
 */
import type { Background, Env } from "../../env";
import { config } from "../../config";
import { ApiError } from "../../http/errors";
import type { Integration } from "../../integrations/model";
import { signBlobSasUrl } from "../../azure/sas";
import { secondsLeft, validUntil } from "../../signing/window";
import { delegationKeyFor } from "./key-cache";
import type { PlannedRequest, SignedUrl } from "../types";
import { azureSettings } from "../settings";

export async function signAzureBlob(env: Env, ctx: Background, integ: Integration, r: PlannedRequest, account?: string): Promise<SignedUrl> {
  const s = azureSettings(integ);
  if (!s.tenantId || !s.accountName) {
    throw new ApiError(
      "role_cannot_be_assumed",
      "This azure integration has no tenant id or storage account name.",
      "Set tenantId and accountName on the integration and validate.",
    );
  }
  if (account !== undefined && account !== s.accountName) {
    throw new ApiError(
      "scope_not_allowed",
      `This integration signs blobs of the storage account ${s.accountName}, not ${account.slice(0, 24)}.`,
      "Name the azure integration of that storage account with &integration={id}.",
    );
  }
  const key = await delegationKeyFor(env, ctx, { tenantId: s.tenantId, account: s.accountName, integrationId: integ.id }, validUntil(r.plan));
  const sas = await signBlobSasUrl(key, {
    account: s.accountName,
    container: r.bucket,
    blob: r.key,
    signingTime: r.plan.signingTime,
    expiresSeconds: r.plan.expiresSeconds,
    contentType: r.responseContentType,
    contentDisposition: r.responseContentDisposition,
    blobEndpoint: config(env).azureEndpoints.blob,
  });
  return { url: sas.url, expiresAt: sas.expiresAt, maxAge: secondsLeft(sas.expiresAt, r.now), shortened: sas.shortened };
}
