/**
 * Providers beyond AWS (gcs, azure): which are available, their settings and documents.
 *
 * Settings live in the `settings` JSON column: gcs `{serviceAccountEmail}`, azure
 * `{tenantId, accountName, containers}`. Fields of another provider are refused (as unknown
 * fields are), and so are the AWS credential fields on gcs/azure integrations.
 */
import type { Env } from "../env";
import { ApiError } from "../http/errors";
import type { IntegrationRow } from "./model";
import type { PatchInput } from "./input";
import { providerFor } from "../providers";
import { PROVIDER_IDS } from "../providers/ids";

export function supportedProviders(): string[] {
  return [...PROVIDER_IDS];
}

const GCS_KEYS = ["serviceAccountEmail", "workloadIdentityProvider"] as const;
const AZURE_KEYS = ["tenantId", "accountName", "containers"] as const;
const AWS_ONLY = ["roleArn", "accessKeyId", "secretAccessKey", "endpoint"] as const;

type Input = PatchInput & { provider?: string };

const bad = (field: string, message: string) => new ApiError("invalid_request", `${field}: ${message}`);

function isSet(v: unknown): boolean {
  return v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);
}

function ownerOf(key: string): "gcs" | "azure" {
  return (GCS_KEYS as readonly string[]).includes(key) ? "gcs" : "azure";
}

/**
 * Provider settings column from input, or null when the input touches none. `existing` is the
 * stored settings (PATCH): fields the input leaves out keep their stored values.
 */
export function providerSettings(provider: string, input: PatchInput, existing?: Record<string, unknown>): Record<string, unknown> | null {
  const i = input as Input & Record<string, unknown>;
  // A create body always carries `provider` (zod default); a PATCH never may.
  const creating = typeof i.provider === "string";
  if (provider !== "gcs" && provider !== "azure") {
    for (const k of [...GCS_KEYS, ...AZURE_KEYS]) {
      if (isSet(i[k])) throw bad(k, `applies to provider ${ownerOf(k)} only, not ${provider}.`);
    }
    return null;
  }
  for (const k of AWS_ONLY) {
    if (isSet(i[k])) throw bad(k, `applies to AWS integrations only, not ${provider}.`);
  }
  if (isSet(i.writeScopes)) throw bad("writeScopes", `export uploads are available for AWS integrations only, not ${provider}.`);
  const own: readonly string[] = provider === "gcs" ? GCS_KEYS : AZURE_KEYS;
  for (const k of [...GCS_KEYS, ...AZURE_KEYS]) {
    if (!own.includes(k) && i[k] !== undefined) throw bad(k, `applies to provider ${ownerOf(k)} only, not ${provider}.`);
  }
  const touched = own.filter((k) => i[k] !== undefined);
  if (!creating && touched.length === 0) return null;

  if (provider === "gcs") {
    // An explicit null clears the field (and is refused below); undefined keeps what is stored.
    const email = i.serviceAccountEmail !== undefined ? i.serviceAccountEmail : ((existing?.serviceAccountEmail as string | undefined) ?? null);
    if (!email) {
      throw bad("serviceAccountEmail", "a gcs integration needs the email of the bucket owner's service account (name@project.iam.gserviceaccount.com).");
    }
    const federation = i.workloadIdentityProvider !== undefined ? i.workloadIdentityProvider : ((existing?.workloadIdentityProvider as string | undefined) ?? null);
    return federation ? { serviceAccountEmail: email, workloadIdentityProvider: federation } : { serviceAccountEmail: email };
  }

  const pick = <K extends (typeof AZURE_KEYS)[number]>(k: K) => (i[k] !== undefined ? i[k] : existing?.[k]);
  const tenantId = pick("tenantId");
  const accountName = pick("accountName");
  if (typeof tenantId !== "string" || !tenantId) throw bad("tenantId", "an azure integration needs the bucket owner's Microsoft Entra tenant (directory) id.");
  if (typeof accountName !== "string" || !accountName) throw bad("accountName", "an azure integration needs the storage account name.");
  const containers = pick("containers");
  return {
    tenantId: tenantId.toLowerCase(),
    accountName,
    containers: Array.isArray(containers) ? [...new Set(containers as string[])] : [],
  };
}

/** The setup documents of a gcs or azure integration (an AWS one's are assembled by the admin and owner views). */
export function providerDocumentsFor(env: Env, row: IntegrationRow): Promise<Record<string, unknown>> {
  return providerFor(row.provider).documents(env, row);
}
