/**
 * The provider settings of gcs and azure integrations (the `settings` JSON column), read from
 * a compiled integration, and the scopes each provider signs against.
 *
 * - gcs: `{serviceAccountEmail}`; scopes are `bucket` or `bucket/prefix/` as for S3.
 * - azure: `{tenantId, accountName, containers}`; scopes are `container` or
 *   `container/prefix/`, and every entry of `containers` is one more whole-container scope.
 */
import type { Integration, Scope } from "../integrations/model";

export interface GcsSettings {
  serviceAccountEmail: string | null;
  /** Keyless: the owner's Workload Identity Federation provider that trusts signpost's issuer. */
  workloadIdentityProvider: string | null;
}

export interface AzureSettings {
  tenantId: string | null;
  accountName: string | null;
  containers: string[];
}

const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);

export function gcsSettings(integ: Pick<Integration, "settings">): GcsSettings {
  return { serviceAccountEmail: str(integ.settings.serviceAccountEmail), workloadIdentityProvider: str(integ.settings.workloadIdentityProvider) };
}

export function azureSettings(integ: Pick<Integration, "settings">): AzureSettings {
  const c = integ.settings.containers;
  return {
    tenantId: str(integ.settings.tenantId),
    accountName: str(integ.settings.accountName),
    containers: Array.isArray(c) ? c.filter((x): x is string => typeof x === "string" && x.length > 0) : [],
  };
}

const AZURE_SCOPES = new WeakMap<Integration, Scope[]>();

/** What an integration may sign: its scopes, plus (azure) its whole containers. Empty = anything. */
export function providerScopes(integ: Integration): Scope[] {
  if (integ.row.provider !== "azure") return integ.scopes;
  let s = AZURE_SCOPES.get(integ);
  if (!s) {
    const extra = azureSettings(integ).containers.map((bucket) => ({ bucket, prefix: "" }));
    AZURE_SCOPES.set(integ, (s = [...integ.scopes, ...extra]));
  }
  return s;
}

/** Distinct buckets (containers) named by the scopes, in order. */
export function scopedBuckets(integ: Integration): string[] {
  return [...new Set(providerScopes(integ).map((s) => s.bucket))];
}

/** `projects/{project}` of a service account email (`name@project.iam.gserviceaccount.com`), or null. */
export function serviceAccountProject(email: string): string | null {
  const m = /^[^@]+@([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$/.exec(email);
  return m ? m[1]! : null;
}
