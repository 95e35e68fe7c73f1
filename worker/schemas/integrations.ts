/**
 * /admin/api/integrations: what create (and its dry run), PATCH and validate accept, and, for
 * the OpenAPI document, what they answer. Unknown fields are refused, and so are the fields
 * signpost owns (worker/integrations/input.ts): the External ID is generated, never chosen.
 */
import * as z from "zod/mini";
import { IpAllowlist } from "../http/ip/allowlist";
import { isStorageBucketName } from "../aws/bucket";
import { WORKLOAD_IDENTITY_PROVIDER } from "../gcp/federation";
import { PROVIDER_IDS } from "../providers/ids";

const str = (min: number, max: number, trim = true) => z.string().check(...(trim ? [z.trim()] : []), z.minLength(min), z.maxLength(max));

function valid(check: (s: string) => boolean): (s: string) => boolean {
  return (s) => {
    try {
      return check(s);
    } catch {
      return false;
    }
  };
}

const scope = z.string().check(
  z.minLength(3),
  z.maxLength(1100),
  z.refine((s) => isStorageBucketName(s.split("/")[0]!), 'must be "bucket" or "bucket/prefix/" with a valid bucket or container name'),
  z.refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "must not contain control characters"),
  z.refine(
    (s) =>
      !s
        .split("/")
        .slice(1)
        .some((seg) => seg === "." || seg === ".."),
    'must not contain "." or ".." segments',
  ),
);

const cidr = z.string().check(
  z.refine(
    valid((s) => !IpAllowlist.parse([s]).isEmpty),
    "must be an IPv4/IPv6 address or CIDR",
  ),
);
const seconds = (min: number, max: number) => z.int().check(z.minimum(min), z.maximum(max));

/** A user-managed service account: `name@project.iam.gserviceaccount.com` (domain-scoped projects add dotted labels). */
const SERVICE_ACCOUNT_EMAIL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?@[a-z0-9](?:[a-z0-9.-]{0,100}[a-z0-9])?\.iam\.gserviceaccount\.com$/;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const AZURE_CONTAINER = /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

export const PROVIDERS = PROVIDER_IDS;

const base = {
  name: str(1, 100),
  // aws_role: "oidc" assumes the role with signpost's own OIDC token (keyless), not its AWS keys.
  identity: z.enum(["principal", "oidc"]),
  roleArn: z.nullable(str(0, 2048)),
  // Any id an S3-compatible service issues (MinIO and Ceph ids can be 3 characters): printable, no spaces.
  accessKeyId: z.nullable(
    z.string().check(z.trim(), z.regex(/^[^\s\u0000-\u001f\u007f-\u009f]{1,128}$/u, "must be 1..128 printable characters without spaces")),
  ),
  secretAccessKey: z.nullable(str(8, 512, false)),
  region: str(1, 32),
  endpoint: z.nullable(str(0, 2048)),
  scopes: z.array(scope).check(z.maxLength(100)),
  ipAllowlist: z.array(cidr).check(z.maxLength(200)),
  urlTtlSeconds: seconds(60, 86400),
  sessionDurationSeconds: seconds(900, 43200),
  writeScopes: z.array(scope).check(z.maxLength(100)),
  requireSignedLinks: z.boolean(),
  // gcs / azure (worker/providers): kept as provider settings. These values end up in the
  // commands owners paste into a shell, so each is held to its real shape (and quoted there too).
  workloadIdentityProvider: z.nullable(
    z
      .string()
      .check(z.trim(), z.regex(WORKLOAD_IDENTITY_PROVIDER, "must be projects/{number}/locations/global/workloadIdentityPools/{pool}/providers/{provider}")),
  ),
  serviceAccountEmail: z.nullable(
    z.string().check(z.trim(), z.maxLength(254), z.regex(SERVICE_ACCOUNT_EMAIL, "must be a service account email (name@project.iam.gserviceaccount.com)")),
  ),
  tenantId: z.nullable(z.string().check(z.trim(), z.regex(GUID, "must be a tenant id (GUID)"))),
  accountName: z.nullable(z.string().check(z.trim(), z.regex(/^[a-z0-9]{3,24}$/, "must be a storage account name (3-24 lowercase letters and digits)"))),
  containers: z
    .array(z.string().check(z.regex(AZURE_CONTAINER, "must be a container name (3-63 lowercase letters, digits and single hyphens)")))
    .check(z.maxLength(100)),
};

type Base = typeof base;
const optionalBase = Object.fromEntries(Object.entries(base).map(([k, v]) => [k, z.optional(v)])) as { [K in keyof Base]: z.ZodMiniOptional<Base[K]> };

/** POST /admin/api/integrations (with `dryRun: true`: the checks on the posted fields, nothing stored). */
export const createIntegrationRequest = z.strictObject({
  ...optionalBase,
  name: base.name,
  provider: z._default(z.enum(PROVIDERS), "aws_role"),
  dryRun: z.optional(z.boolean()),
  sampleKey: z.optional(str(1, 1024, false)),
});

/** PATCH /admin/api/integrations/{id}: any subset of the editable fields. */
export const patchIntegrationRequest = z.strictObject(optionalBase);

/** POST /admin/api/integrations/{id}/validate. */
export const validateRequest = z.strictObject({
  sampleKey: z.optional(
    z
      .string({ error: "must be a string of 1..1024 characters" })
      .check(z.minLength(1, "must be a string of 1..1024 characters"), z.maxLength(1024, "must be a string of 1..1024 characters")),
  ),
});

export type CreateIntegrationInput = z.infer<typeof createIntegrationRequest>;
export type PatchIntegrationInput = z.infer<typeof patchIntegrationRequest>;

/** What the routes answer, for the OpenAPI document only: a function, so the Worker bundle leaves it out. */
export function integrationResponses() {
  const iso = z.iso.datetime();
  const nullableIso = z.nullable(iso);

  const integration = z.object({
    id: z.string(),
    name: z.string(),
    provider: z.enum(PROVIDERS),
    identity: z.optional(z.enum(["principal", "oidc"])),
    roleArn: z.nullable(z.string()),
    externalId: z.nullable(z.string()),
    accessKeyId: z.nullable(z.string()),
    hasSecretAccessKey: z.boolean(),
    region: z.string(),
    endpoint: z.nullable(z.string()),
    scopes: z.array(z.string()),
    ipAllowlist: z.array(z.string()),
    urlTtlSeconds: z.int(),
    sessionDurationSeconds: z.int(),
    writeScopes: z.array(z.string()),
    requireSignedLinks: z.boolean(),
    isDefault: z.boolean(),
    status: z.enum(["unchecked", "valid", "invalid"]),
    serviceAccountEmail: z.optional(z.nullable(z.string())),
    workloadIdentityProvider: z.optional(z.nullable(z.string())),
    tenantId: z.optional(z.nullable(z.string())),
    accountName: z.optional(z.nullable(z.string())),
    containers: z.optional(z.array(z.string())),
    lastCheckedAt: nullableIso,
    lastUsedAt: nullableIso,
    createdAt: iso,
    updatedAt: iso,
  });

  const check = z.object({
    name: z.string(),
    status: z.enum(["pass", "fail", "warn", "skip"]),
    message: z.string(),
    hint: z.nullable(z.string()),
  });

  const validationReport = z.object({ ok: z.boolean(), checkedAt: iso, checks: z.array(check) });
  const dryRunReport = z.object({ ok: z.boolean(), checks: z.array(check) });

  /** Create, get and rotate also carry the documents the owner pastes into their cloud. */
  const integrationWithDocuments = z.extend(integration, {
    trustPolicy: z.optional(z.unknown()),
    permissionsPolicy: z.optional(z.unknown()),
    corsConfiguration: z.optional(z.unknown()),
    /** Keyless (identity "oidc"): registers signpost's issuer in the owner's AWS account. */
    oidcProviderCommand: z.optional(z.string()),
    /** Keyless GCS: the Workload Identity Federation pool, provider and binding. */
    workloadIdentityCommands: z.optional(z.string()),
    /** The same S3 rules as the S3 console's CORS editor wants them (a bare array). */
    corsConfigurationConsole: z.optional(z.unknown()),
  });

  const integrationDetail = z.extend(integrationWithDocuments, { lastValidation: z.nullable(validationReport) });
  const integrationList = z.object({ integrations: z.array(integration) });
  const deleted = z.object({ deleted: z.literal(true), id: z.string() });
  return { integration, validationReport, dryRunReport, integrationWithDocuments, integrationDetail, integrationList, deleted };
}
