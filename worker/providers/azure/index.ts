/**
 * Azure Blob Storage (azure) as one Provider record: user delegation SAS URLs signed locally
 * with a cached delegation key (./sign.ts, ./key-cache.ts; keyless through ./keyless.ts), the
 * validation run (./checks.ts), the setup documents (./documents.ts).
 */
import type { Env } from "../../env";
import { effectiveUrlTtl, type IntegrationRow } from "../../integrations/model";
import { authorizeRead } from "../authorize";
import { fieldError, inputOrStored } from "../settings-input";
import { azureSettings } from "../settings";
import type { Provider } from "../types";
import { validateAzure } from "./checks";
import { azureDocuments } from "./documents";
import { azureClientAssertion, federatedCredentialCommand } from "./keyless";
import { signAzureBlob } from "./sign";

function settingsFrom(i: Record<string, unknown>, existing: Record<string, unknown> | undefined): Record<string, unknown> {
  const tenantId = inputOrStored(i, existing, "tenantId");
  const accountName = inputOrStored(i, existing, "accountName");
  if (typeof tenantId !== "string" || !tenantId)
    throw fieldError("tenantId", "an azure integration needs the bucket owner's Microsoft Entra tenant (directory) id.");
  if (typeof accountName !== "string" || !accountName) throw fieldError("accountName", "an azure integration needs the storage account name.");
  const containers = inputOrStored(i, existing, "containers");
  return {
    tenantId: tenantId.toLowerCase(),
    accountName,
    containers: Array.isArray(containers) ? [...new Set(containers as string[])] : [],
  };
}

async function documents(env: Env, row: IntegrationRow): Promise<Record<string, unknown>> {
  const docs = await azureDocuments(env, row);
  return azureClientAssertion(env) ? { ...docs, federatedCredentialCommand: federatedCredentialCommand(env) } : docs;
}

export const azure: Provider = {
  ids: ["azure"],
  objectKind: "azure",
  signsForeignObjects: () => false,
  authorize: (integ, req) => authorizeRead(integ, req, "azure"),
  maxTtl: (integ, defaultUrlTtl) => effectiveUrlTtl(integ.row, defaultUrlTtl),
  sign: (env, ctx, integ, req, planned) => signAzureBlob(env, ctx, integ, planned, req.account),
  validate: async (env, integ, sampleKey) => ({ checks: await validateAzure(env, integ, sampleKey), externalIdInsecure: false }),
  settingsKeys: ["tenantId", "accountName", "containers"],
  settingsFrom,
  documents,
  ownerFields: (integ) => (({ tenantId, accountName, containers }) => ({ tenantId, accountName, containers }))(azureSettings(integ)),
  setupFiles: () => ["az.sh"],
};
