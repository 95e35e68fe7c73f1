/**
 * Request and response bodies of the invite routes (admin) and the owner's /connect routes.
 * One named schema per body; the routes parse requests with them.
 */
import * as z from "zod/mini";
import { patchSchema } from "../integrations/input";
import { PROVIDER_IDS } from "../providers/ids";

export const INVITE_TTL_MIN = 300;
export const INVITE_TTL_MAX = 604_800;
export const INVITE_TTL_DEFAULT = 86_400;

/** POST /admin/api/integrations/{id}/invites */
export const createInviteRequest = z.strictObject({
  expiresInSeconds: z.optional(z.int().check(z.minimum(INVITE_TTL_MIN), z.maximum(INVITE_TTL_MAX))),
});

export const createInviteResponse = z.object({
  id: z.string(),
  url: z.string(),
  expiresAt: z.string(),
});

export const inviteSummary = z.object({
  id: z.string(),
  integrationId: z.string(),
  expiresAt: z.string(),
  createdAt: z.string(),
  usedAt: z.nullable(z.string()),
  revokedAt: z.nullable(z.string()),
});

/** GET /admin/api/integrations/{id}/invites */
export const inviteListResponse = z.object({ invites: z.array(inviteSummary) });

/** DELETE /admin/api/invites/{id} */
export const revokeInviteResponse = z.object({ revoked: z.literal(true), id: z.string() });

/** The fields an owner may set, per provider (SPEC "Owner self-service"). */
export const OWNER_FIELDS: Record<string, readonly string[]> = {
  aws_role: ["roleArn"],
  aws_keys: [],
  gcs: ["serviceAccountEmail"],
  azure: ["tenantId", "accountName"],
};

/** PATCH /connect/{token}/integration (which of the fields applies depends on the provider). */
export const connectPatchRequest = z.strictObject({
  roleArn: patchSchema.shape.roleArn,
  serviceAccountEmail: patchSchema.shape.serviceAccountEmail,
  /** gcs, keyless (only where signpost's issuer is configured). */
  workloadIdentityProvider: patchSchema.shape.workloadIdentityProvider,
  tenantId: patchSchema.shape.tenantId,
  accountName: patchSchema.shape.accountName,
});

/** POST /connect/{token}/validate */
export const connectValidateRequest = z.strictObject({
  sampleKey: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
});

/** GET|PATCH /connect/{token}/integration */
export const connectIntegrationResponse = z.object({
  id: z.string(),
  name: z.string(),
  provider: z.enum(PROVIDER_IDS),
  status: z.enum(["unchecked", "valid", "invalid"]),
  region: z.string(),
  scopes: z.array(z.string()),
  lastCheckedAt: z.nullable(z.string()),
  /** aws_role: how signpost assumes the role ("oidc": keyless, the role trusts signpost's issuer). */
  identity: z.optional(z.enum(["principal", "oidc"])),
  roleArn: z.optional(z.nullable(z.string())),
  externalId: z.optional(z.nullable(z.string())),
  /** The role name the setup files create (from roleArn once it is set). */
  roleName: z.optional(z.string()),
  /** signpost's AWS principal (null while STS is unreachable). */
  signpostPrincipal: z.optional(z.nullable(z.string())),
  serviceAccountEmail: z.optional(z.nullable(z.string())),
  /** gcs: the owner's workload identity provider (keyless), once registered. */
  workloadIdentityProvider: z.optional(z.nullable(z.string())),
  /** signpost signs with its own OIDC tokens (aws_role identity "oidc", keyless Azure), or offers to (gcs, issuer configured). */
  keyless: z.boolean(),
  tenantId: z.optional(z.nullable(z.string())),
  accountName: z.optional(z.nullable(z.string())),
  containers: z.optional(z.array(z.string())),
  ownerFields: z.array(z.string()),
  inviteExpiresAt: z.string(),
  assetUrlTemplate: z.string(),
  /** Setup file name → its URL under this invite. */
  setupScripts: z.record(z.string(), z.string()),
  /** CloudFormation quick-create link, when CLOUDFORMATION_TEMPLATE_URL is set. */
  launchStackUrl: z.nullable(z.string()),
  documents: z.record(z.string(), z.unknown()),
  lastValidation: z.nullable(z.object({ ok: z.boolean(), checkedAt: z.string(), checks: z.array(z.unknown()) })),
});

/** POST /connect/{token}/validate, as the admin route answers. */
export const connectValidateResponse = z.object({
  ok: z.boolean(),
  checkedAt: z.string(),
  checks: z.array(z.object({ name: z.string(), status: z.enum(["pass", "fail", "warn", "skip"]), message: z.string(), hint: z.nullable(z.string()) })),
});
