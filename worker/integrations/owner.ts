/**
 * What a bucket owner sees and may change through an invite: the integration's owner-facing
 * fields and setup documents (never the IP allowlist, TTLs, default flag, keys or anything of
 * another integration), and the owner's own fields (SPEC "Owner self-service").
 */
import type { Env } from "../env";
import { config } from "../config";
import { ApiError } from "../http/errors";
import { db } from "../store/db";
import { updateIntegrationRow, type NewIntegrationRow } from "../store/integrations";
import { forgetCredentials } from "../providers/aws/credentials";
import type { InviteRow } from "../store/invites";
import { latestValidationRun } from "../store/validation-runs";
import { compileIntegration, parseScope, type IntegrationRow } from "./model";
import { checkConsistency, type PatchInput } from "./input";
import { awsDocuments } from "../providers/aws/documents";
import { providerDocumentsFor, providerSettings } from "./providers";
import { forgetIntegrations } from "./resolve";
import { providerFor } from "../providers";
import type { ProviderId } from "../providers/ids";
import { OWNER_FIELDS } from "../schemas/invites";
import { keylessGcsSetupCommands } from "../providers/gcs/keyless";
import { azureClientAssertion } from "../providers/azure/keyless";

/** The setup files served under /connect/{token}/setup/ for each provider. */
export function setupFilesFor(provider: ProviderId): readonly string[] {
  return providerFor(provider).setupFiles(provider);
}

export function ownerFieldsFor(env: Env, provider: string): readonly string[] {
  // Keyless GCS: the owner's workload identity provider, once the operator has set up the issuer.
  if (provider === "gcs" && config(env).oidc) return [...OWNER_FIELDS.gcs!, "workloadIdentityProvider"];
  return OWNER_FIELDS[provider] ?? [];
}

/** Whether signpost signs for this integration with its own OIDC tokens, or can offer to (gcs). */
export function keylessFor(env: Env, row: IntegrationRow): boolean {
  if (row.provider === "aws_role") return row.identity === "oidc";
  if (row.provider === "gcs") return !!config(env).oidc;
  if (row.provider === "azure") return !!azureClientAssertion(env);
  return false;
}

/** The role name the generated scripts create: stable per integration, valid in IAM (≤ 64). */
export function suggestedRoleName(row: Pick<IntegrationRow, "id" | "roleArn">): string {
  const fromArn = row.roleArn ? /:role\/(?:.*\/)?([\w+=,.@-]{1,64})$/.exec(row.roleArn)?.[1] : undefined;
  return fromArn ?? `signpost-${row.id}`;
}

/** The first scoped bucket (or container), for examples. */
export function firstBucket(row: IntegrationRow): string | null {
  try {
    const scopes = (JSON.parse(row.scopes) as string[]).map(parseScope);
    return scopes[0]?.bucket ?? null;
  } catch {
    return null;
  }
}

export interface OwnerViewContext {
  /** https://signpost.example.com/connect/{token} */
  inviteUrl: string;
  origin: string;
  invite: InviteRow;
}

export function launchStackUrl(env: Env, row: IntegrationRow, principal: string | null): string | null {
  const template = env.CLOUDFORMATION_TEMPLATE_URL;
  if (row.provider !== "aws_role" || !template || !/^https:\/\//.test(template)) return null;
  const q = new URLSearchParams({
    templateURL: template,
    stackName: `signpost-${row.id}`.replace(/_/g, "-"),
    param_Identity: row.identity === "oidc" ? "oidc" : "principal",
    param_IntegrationId: row.id,
    param_ExternalId: row.externalId ?? "",
    param_RoleName: suggestedRoleName(row),
    ...(principal && row.identity !== "oidc" ? { param_SignpostPrincipalArn: principal } : {}),
  });
  const region = row.region && !row.endpoint ? `region=${encodeURIComponent(row.region)}` : "";
  return `https://console.aws.amazon.com/cloudformation/home${region ? "?" + region : ""}#/stacks/quickcreate?${q.toString()}`;
}

/** gcs/azure documents; with the issuer configured a gcs owner gets the whole keyless set-up first (recommended). */
async function ownerProviderDocuments(env: Env, row: IntegrationRow): Promise<Record<string, unknown>> {
  const docs = await providerDocumentsFor(env, row);
  if (row.provider !== "gcs" || !config(env).oidc) return docs;
  const { workloadIdentityCommands: _short, ...rest } = docs;
  return { workloadIdentityCommands: keylessGcsSetupCommands(env, row).commands, ...rest };
}

export async function ownerView(env: Env, row: IntegrationRow, ctx: OwnerViewContext) {
  const integ = compileIntegration(row);
  const isAws = row.provider === "aws_role" || row.provider === "aws_keys";
  const aws = isAws ? await awsDocuments(env, row) : null;
  const providerFields = providerFor(row.provider).ownerFields(integ);
  const scripts = Object.fromEntries(setupFilesFor(row.provider).map((f) => [f, `${ctx.inviteUrl}/setup/${f}`]));
  return {
    id: row.id,
    name: row.name,
    provider: row.provider,
    status: row.status,
    region: row.region,
    scopes: JSON.parse(row.scopes) as string[],
    lastCheckedAt: row.lastCheckedAt == null ? null : new Date(row.lastCheckedAt).toISOString(),
    ...(row.provider === "aws_role" ? { identity: row.identity, roleArn: row.roleArn, externalId: row.externalId, roleName: suggestedRoleName(row) } : {}),
    ...providerFields,
    ...(aws ? { signpostPrincipal: aws.signpostPrincipal } : {}),
    keyless: keylessFor(env, row),
    ownerFields: [...ownerFieldsFor(env, row.provider)],
    inviteExpiresAt: new Date(ctx.invite.expiresAt).toISOString(),
    assetUrlTemplate: `${ctx.origin}/v1/assets/${row.id}/{bucket}/{key}`,
    setupScripts: scripts,
    launchStackUrl: launchStackUrl(env, row, aws?.signpostPrincipal ?? null),
    documents: aws ? aws.documents : await ownerProviderDocuments(env, row),
    lastValidation: await latestValidationRun(db(env.DB), row.id),
  };
}

export type OwnerView = Awaited<ReturnType<typeof ownerView>>;

/** Applies the owner's fields; anything else in the body is refused before this is called. */
export async function applyOwnerPatch(
  env: Env,
  row: IntegrationRow,
  input: Pick<PatchInput, "roleArn" | "serviceAccountEmail" | "workloadIdentityProvider" | "tenantId" | "accountName">,
): Promise<IntegrationRow> {
  const cols: Partial<NewIntegrationRow> = {};
  if (input.roleArn !== undefined) cols.roleArn = input.roleArn || null;
  const settings = providerSettings(row.provider, input as PatchInput, JSON.parse(row.settings) as Record<string, unknown>);
  if (settings) cols.settings = JSON.stringify(settings);
  const merged = { ...row, ...cols } as IntegrationRow;
  checkConsistency(merged);
  const changed = (["roleArn", "settings"] as const).some((k) => k in cols && cols[k] !== row[k]);
  if (changed) Object.assign(cols, { status: "unchecked", externalIdInsecure: false });
  const updated = await updateIntegrationRow(db(env.DB), row.id, { ...cols, updatedAt: Math.max(Date.now(), row.updatedAt + 1) });
  if (!updated) throw new ApiError("invite_not_found", "This invite link is no longer valid.");
  forgetIntegrations();
  forgetCredentials();
  return updated;
}
