/**
 * Google Cloud Storage (gcs) as one Provider record: V4 URLs signed through signBlob as the
 * owner's service account (./sign.ts, keyless through ./keyless.ts), the validation run
 * (./checks.ts), the setup documents (./documents.ts).
 */
import type { Env } from "../../env";
import type { IntegrationRow } from "../../integrations/model";
import { effectiveUrlTtl } from "../../integrations/model";
import { SIGNBLOB_MAX_EXPIRES_SECONDS } from "../../gcp/sign-blob";
import { authorizeRead } from "../authorize";
import { fieldError, inputOrStored } from "../settings-input";
import { gcsSettings, serviceAccountProject } from "../settings";
import type { Provider } from "../types";
import { validateGcs } from "./checks";
import { gcsDocuments } from "./documents";
import { workloadIdentityCommands } from "./keyless";
import { signGcsObject } from "./sign";

function settingsFrom(i: Record<string, unknown>, existing: Record<string, unknown> | undefined): Record<string, unknown> {
  // An explicit null clears the field (and is refused below); undefined keeps what is stored.
  const email = (inputOrStored(i, existing, "serviceAccountEmail") as string | null | undefined) ?? null;
  if (!email) {
    throw fieldError("serviceAccountEmail", "a gcs integration needs the email of the bucket owner's service account (name@project.iam.gserviceaccount.com).");
  }
  const federation = (inputOrStored(i, existing, "workloadIdentityProvider") as string | null | undefined) ?? null;
  return federation ? { serviceAccountEmail: email, workloadIdentityProvider: federation } : { serviceAccountEmail: email };
}

async function documents(env: Env, row: IntegrationRow): Promise<Record<string, unknown>> {
  const docs = await gcsDocuments(env, row);
  const s = JSON.parse(row.settings) as { serviceAccountEmail?: string; workloadIdentityProvider?: string };
  if (!s.workloadIdentityProvider) return docs;
  const email = s.serviceAccountEmail ?? null;
  return {
    ...docs,
    workloadIdentityCommands: workloadIdentityCommands(env, row.id, s.workloadIdentityProvider, email, email ? serviceAccountProject(email) : null),
  };
}

export const gcs: Provider = {
  ids: ["gcs"],
  objectKind: "gcs",
  signsForeignObjects: () => false,
  authorize: (integ, req) => authorizeRead(integ, req, "gcs"),
  // At most the 12-hour signBlob limit.
  maxTtl: (integ, defaultUrlTtl) => Math.min(effectiveUrlTtl(integ.row, defaultUrlTtl), SIGNBLOB_MAX_EXPIRES_SECONDS),
  sign: (env, ctx, integ, _req, planned) => signGcsObject(env, ctx, integ, planned),
  validate: async (env, integ, sampleKey) => ({ checks: await validateGcs(env, integ, sampleKey), externalIdInsecure: false }),
  settingsKeys: ["serviceAccountEmail", "workloadIdentityProvider"],
  settingsFrom,
  documents,
  ownerFields: (integ) => (({ serviceAccountEmail, workloadIdentityProvider }) => ({ serviceAccountEmail, workloadIdentityProvider }))(gcsSettings(integ)),
  setupFiles: () => ["gcloud.sh"],
};
