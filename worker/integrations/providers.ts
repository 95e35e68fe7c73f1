/**
 * Providers as the integration input sees them: which are available, their settings and
 * documents (each provider's record in worker/providers/ has the details).
 *
 * Settings live in the `settings` JSON column: gcs `{serviceAccountEmail}`, azure
 * `{tenantId, accountName, containers}`. Fields of another provider are refused (as unknown
 * fields are), and so are the AWS credential fields on gcs/azure integrations.
 */
import type { Env } from "../env";
import type { IntegrationRow } from "./model";
import type { PatchInput } from "./input";
import { allProviders, providerFor } from "../providers";
import { PROVIDER_IDS, type ProviderId } from "../providers/ids";
import { fieldError } from "../providers/settings-input";

export function supportedProviders(): string[] {
  return [...PROVIDER_IDS];
}

const AWS_ONLY = ["roleArn", "accessKeyId", "secretAccessKey", "endpoint"] as const;

type Input = PatchInput & { provider?: string };

function isSet(v: unknown): boolean {
  return v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);
}

/** Every settings field, with the provider it belongs to. */
function settingsFields(): Array<[key: string, owner: ProviderId]> {
  return allProviders().flatMap((p) => p.settingsKeys.map((k) => [k, p.ids[0]!] as [string, ProviderId]));
}

/**
 * Provider settings column from input, or null when the input touches none. `existing` is the
 * stored settings (PATCH): fields the input leaves out keep their stored values.
 */
export function providerSettings(provider: string, input: PatchInput, existing?: Record<string, unknown>): Record<string, unknown> | null {
  const i = input as Input & Record<string, unknown>;
  // A create body always carries `provider` (zod default); a PATCH never may.
  const creating = typeof i.provider === "string";
  const p = (PROVIDER_IDS as readonly string[]).includes(provider) ? providerFor(provider as ProviderId) : null;
  if (!p?.settingsFrom) {
    for (const [k, owner] of settingsFields()) {
      if (isSet(i[k])) throw fieldError(k, `applies to provider ${owner} only, not ${provider}.`);
    }
    return null;
  }
  for (const k of AWS_ONLY) {
    if (isSet(i[k])) throw fieldError(k, `applies to AWS integrations only, not ${provider}.`);
  }
  if (isSet(i.writeScopes)) throw fieldError("writeScopes", `export uploads are available for AWS integrations only, not ${provider}.`);
  for (const [k, owner] of settingsFields()) {
    if (!p.settingsKeys.includes(k) && i[k] !== undefined) throw fieldError(k, `applies to provider ${owner} only, not ${provider}.`);
  }
  const touched = p.settingsKeys.filter((k) => i[k] !== undefined);
  if (!creating && touched.length === 0) return null;
  return p.settingsFrom(i, existing);
}

/** The setup documents of an integration, from its provider's record. */
export function providerDocumentsFor(env: Env, row: IntegrationRow): Promise<Record<string, unknown>> {
  return providerFor(row.provider).documents(env, row);
}
