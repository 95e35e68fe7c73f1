/**
 * What a storage provider is to the rest of signpost: one `Provider` record per cloud
 * (worker/providers/{aws,gcs,azure}/index.ts), registered in worker/providers/index.ts.
 * signObject plans a URL's validity and hands it to `sign`; a validation run calls `validate`;
 * the admin and owner views ask `documents` for the provider's setup documents.
 */
import type { Background, Env } from "../env";
import type { Integration, IntegrationRow } from "../integrations/model";
import type { ValidityPlan } from "../signing/window";
import type { CheckResult } from "../validation/checks";
import type { ObjectKind } from "./object-url";
import type { ProviderId } from "./ids";

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
  objectKind?: ObjectKind;
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

/** A request signObject has checked and planned: what a provider's `sign` receives. */
export interface PlannedRequest {
  bucket: string;
  key: string;
  plan: ValidityPlan;
  /** Epoch ms the request arrived. */
  now: number;
  /** The longest TTL the integration signs (its `maxTtl`). */
  maxTtl: number;
  responseContentType?: string;
  responseContentDisposition?: string;
}

export interface ValidationOutcome {
  checks: CheckResult[];
  /** AWS: the role can be assumed without (or with a wrong) External ID. */
  externalIdInsecure: boolean;
}

export interface Provider {
  /** The integration providers this record serves (AWS serves aws_role and aws_keys). */
  ids: readonly ProviderId[];
  /** The storage its integrations sign for. */
  objectKind: ObjectKind;
  /** Whether an integration of this provider also signs objects of another kind (S3 keys on Cloud Storage's interoperability endpoint). */
  signsForeignObjects(integ: Integration, kind: ObjectKind): boolean;
  /** Refuses what this integration may not sign (method, scopes, region), before anything is planned. */
  authorize(integ: Integration, req: SignRequest): void;
  /** Longest URL lifetime the integration's credentials can cover. */
  maxTtl(integ: Integration, defaultUrlTtl: number): number;
  sign(env: Env, ctx: Background, integ: Integration, req: SignRequest, planned: PlannedRequest): Promise<SignedUrl>;
  /** The validation run (SPEC "Validation checks"): names and order fixed per provider. */
  validate(env: Env, integ: Integration, sampleKey: string | undefined): Promise<ValidationOutcome>;
  /** Fields of the integration input that go to the `settings` JSON column (none for AWS). */
  settingsKeys: readonly string[];
  /**
   * The `settings` column from an input that may touch only this provider's keys; `existing`
   * is what is stored (PATCH). Throws `invalid_request` naming the field that is missing.
   */
  settingsFrom?(input: Record<string, unknown>, existing: Record<string, unknown> | undefined): Record<string, unknown>;
  /** Setup documents the admin API and the owner's page show beside the integration. */
  documents(env: Env, row: IntegrationRow): Promise<Record<string, unknown>>;
  /** The provider settings the owner's page shows (SPEC "Owner self-service"). */
  ownerFields(integ: Integration): Record<string, unknown>;
  /** The files served under /connect/{token}/setup/ for an integration of provider `id`. */
  setupFiles(id: ProviderId): readonly string[];
}
