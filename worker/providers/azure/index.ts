/**
 * Azure Blob Storage (azure) as one Provider record: user delegation SAS URLs signed locally
 * with a cached delegation key (./sign.ts, ./key-cache.ts; keyless through ./keyless.ts), the
 * validation run (./checks.ts), the setup documents (./documents.ts).
 */
import type { Env } from "../../env";
import { effectiveUrlTtl, type IntegrationRow } from "../../integrations/model";
import { authorizeRead } from "../authorize";
import type { Provider } from "../types";
import { validateAzure } from "./checks";
import { azureDocuments } from "./documents";
import { azureClientAssertion, federatedCredentialCommand } from "./keyless";
import { signAzureBlob } from "./sign";

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
  documents,
};
