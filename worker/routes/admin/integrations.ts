/** /admin/api/integrations: create (or dry-run), list, get, edit, delete, default, rotate. */
import { Hono } from "hono";
import type { Env } from "../../env";
import { ApiError } from "../../http/errors";
import { config } from "../../config";
import { db } from "../../store/db";
import { encrypt, encryptionKey } from "../../store/encryption";
import { forgetCredentials, secretContext } from "../../providers/aws/credentials";
import { newExternalId, newIntegrationId } from "../../store/ids";
import {
  deleteIntegrationRow,
  getIntegrationRow,
  insertIntegrationRow,
  listIntegrationRows,
  setDefaultIntegration,
  updateIntegrationRow,
  type NewIntegrationRow,
} from "../../store/integrations";
import { deleteValidationRuns, latestValidationRun } from "../../store/validation-runs";
import { compileIntegration, integrationToJson, type IntegrationRow } from "../../integrations/model";
import { checkConsistency, normaliseEndpoint } from "../../integrations/input";
import { createIntegrationRequest, patchIntegrationRequest, validateRequest, type PatchIntegrationInput } from "../../schemas/integrations";
import { forgetIntegrations } from "../../integrations/resolve";
import { providerDocumentsFor, providerSettings, supportedProviders } from "../../integrations/providers";
import { runChecks, validateAndRecord } from "../../validation/run";
import { overallOk } from "../../validation/checks";
import { requireIssuer } from "../../oidc/issuer";
import { jsonBody } from "../../http/json-body";
import { adminBody, audit, json, type AdminCtx, type AdminEnv } from "./common";

async function withDocuments(c: AdminCtx, row: IntegrationRow) {
  return { ...integrationToJson(row, config(c.env).defaultUrlTtl), ...(await providerDocumentsFor(c.env, row)) };
}

async function load(c: AdminCtx, id: string): Promise<IntegrationRow> {
  const row = await getIntegrationRow(db(c.env.DB), id);
  if (!row) throw new ApiError("integration_not_found", `No integration with id "${id.slice(0, 64)}".`);
  return row;
}

/** Column values from validated input; the secret is sealed before it goes anywhere. */
async function columns(
  c: AdminCtx,
  id: string,
  input: PatchIntegrationInput,
  provider: string,
  existing?: IntegrationRow,
): Promise<Partial<NewIntegrationRow>> {
  const cfg = config(c.env);
  const out: Partial<NewIntegrationRow> = {};
  if (input.name !== undefined) out.name = input.name;
  if (input.identity !== undefined) {
    if (input.identity === "oidc") requireIssuer(c.env); // a 400 naming what the operator must set
    out.identity = input.identity;
  }
  if (input.workloadIdentityProvider) requireIssuer(c.env);
  if (input.roleArn !== undefined) out.roleArn = input.roleArn || null;
  if (input.accessKeyId !== undefined) out.accessKeyId = input.accessKeyId;
  if (input.secretAccessKey !== undefined) {
    out.secretAccessKeyEnc =
      input.secretAccessKey === null ? null : await encrypt(await encryptionKey(c.env.ENCRYPTION_KEY), input.secretAccessKey, secretContext(id));
  }
  if (input.region !== undefined) out.region = input.region;
  if (input.endpoint !== undefined)
    out.endpoint =
      input.endpoint === null || input.endpoint === "" ? null : normaliseEndpoint(input.endpoint, { allowHttpLoopback: cfg.allowHttpLoopbackEndpoints });
  if (input.scopes !== undefined) out.scopes = JSON.stringify([...new Set(input.scopes)]);
  if (input.writeScopes !== undefined) out.writeScopes = JSON.stringify([...new Set(input.writeScopes)]);
  if (input.ipAllowlist !== undefined) out.ipAllowlist = JSON.stringify(input.ipAllowlist);
  if (input.urlTtlSeconds !== undefined) out.urlTtlSeconds = input.urlTtlSeconds;
  if (input.sessionDurationSeconds !== undefined) out.sessionDurationSeconds = input.sessionDurationSeconds;
  if (input.requireSignedLinks !== undefined) out.requireSignedLinks = input.requireSignedLinks;
  const stored = existing ? (JSON.parse(existing.settings) as Record<string, unknown>) : undefined;
  const settings = providerSettings(provider, input, stored);
  if (settings) out.settings = JSON.stringify(settings);
  // Azure containers are whole-container scopes: the scope check, lookups by container and
  // /v1/assets/{id}/{container}/… then work as for buckets.
  if (provider === "azure" && input.containers && input.containers.length > 0 && input.scopes === undefined) {
    const current = existing ? (JSON.parse(existing.scopes) as string[]) : [];
    out.scopes = JSON.stringify([...new Set([...current, ...input.containers])]);
  }
  return out;
}

/** Signed links without LINK_SIGNING_KEY would make every asset of the integration a 403. */
function requireLinkKey(env: Env, row: Pick<IntegrationRow, "requireSignedLinks">): void {
  if (row.requireSignedLinks && !env.LINK_SIGNING_KEY) {
    throw new ApiError(
      "invalid_request",
      "requireSignedLinks: this deployment has no LINK_SIGNING_KEY, so no link could ever be signed and every asset would be refused.",
      "Set the secret first (`wrangler secret put LINK_SIGNING_KEY`, a long random value), then turn requireSignedLinks on.",
    );
  }
}

function requireProviderFields(row: Pick<IntegrationRow, "provider" | "accessKeyId" | "secretAccessKeyEnc">): void {
  if (row.provider === "aws_keys" && (!row.accessKeyId || !row.secretAccessKeyEnc)) {
    throw new ApiError("invalid_request", "accessKeyId: an aws_keys integration needs accessKeyId and secretAccessKey.");
  }
}

export const integrationsApi = new Hono<AdminEnv>()
  .get("/", async (c) => {
    const cfg = config(c.env);
    const rows = await listIntegrationRows(db(c.env.DB));
    return json(c, { integrations: rows.map((r) => integrationToJson(r, cfg.defaultUrlTtl)) });
  })
  .post("/", async (c) => {
    const input = await adminBody(c, createIntegrationRequest, { creating: true });
    if (!supportedProviders().includes(input.provider))
      throw new ApiError("invalid_request", `provider: "${input.provider}" is not available in this deployment.`);
    const id = newIntegrationId();
    const now = Date.now();
    const cols = await columns(c, id, input, input.provider);
    const row: IntegrationRow = {
      id,
      name: input.name,
      provider: input.provider,
      identity: cols.identity ?? "principal",
      roleArn: cols.roleArn ?? null,
      externalId: input.provider === "aws_role" || input.provider === "aws_keys" ? newExternalId() : null,
      accessKeyId: cols.accessKeyId ?? null,
      secretAccessKeyEnc: cols.secretAccessKeyEnc ?? null,
      region: cols.region ?? "us-east-1",
      endpoint: cols.endpoint ?? null,
      scopes: cols.scopes ?? "[]",
      ipAllowlist: cols.ipAllowlist ?? "[]",
      writeScopes: cols.writeScopes ?? "[]",
      urlTtlSeconds: cols.urlTtlSeconds ?? null,
      sessionDurationSeconds: cols.sessionDurationSeconds ?? 3600,
      requireSignedLinks: cols.requireSignedLinks ?? false,
      isDefault: null,
      status: "unchecked",
      externalIdInsecure: false,
      settings: cols.settings ?? "{}",
      lastCheckedAt: null,
      lastUsedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    checkConsistency(row, { dryRun: input.dryRun });
    requireProviderFields(row);
    requireLinkKey(c.env, row);
    if (input.dryRun) {
      // "Test connection": the same checks on the posted fields; nothing is stored.
      const { checks } = await runChecks(c.env, compileIntegration(row), input.sampleKey);
      return json(c, { ok: overallOk(checks), checks });
    }
    const stored = await insertIntegrationRow(db(c.env.DB), row);
    await audit(c, "integration.create", "integration", id, { name: row.name, provider: row.provider, roleArn: row.roleArn, region: row.region });
    forgetIntegrations();
    return json(c, await withDocuments(c, stored), 201);
  })
  .get("/:id", async (c) => {
    const row = await load(c, c.req.param("id"));
    return json(c, { ...(await withDocuments(c, row)), lastValidation: await latestValidationRun(db(c.env.DB), row.id) });
  })
  .patch("/:id", async (c) => {
    const existing = await load(c, c.req.param("id"));
    const input = await adminBody(c, patchIntegrationRequest);
    const cols = await columns(c, existing.id, input, existing.provider, existing);
    const merged = { ...existing, ...cols } as IntegrationRow;
    checkConsistency(merged);
    requireProviderFields(merged);
    if (input.requireSignedLinks === true) requireLinkKey(c.env, merged);
    // What the last validation proved no longer holds once the grant changes. An insecure
    // External ID stays blocked through any edit: only a passing validation lifts it.
    const grantChanged = ["identity", "roleArn", "accessKeyId", "secretAccessKeyEnc", "region", "endpoint", "settings"].some(
      (k) => k in cols && (cols as Record<string, unknown>)[k] !== (existing as Record<string, unknown>)[k],
    );
    if (grantChanged) Object.assign(cols, { status: "unchecked" });
    const row = await updateIntegrationRow(db(c.env.DB), existing.id, { ...cols, updatedAt: Math.max(Date.now(), existing.updatedAt + 1) });
    await audit(c, "integration.update", "integration", existing.id, { fields: Object.keys(input) });
    forgetIntegrations();
    forgetCredentials();
    return json(c, integrationToJson(row!, config(c.env).defaultUrlTtl));
  })
  .delete("/:id", async (c) => {
    const row = await load(c, c.req.param("id"));
    await deleteIntegrationRow(db(c.env.DB), row.id);
    await deleteValidationRuns(db(c.env.DB), row.id);
    await audit(c, "integration.delete", "integration", row.id, { name: row.name });
    forgetIntegrations();
    forgetCredentials();
    return json(c, { deleted: true, id: row.id });
  })
  .post("/:id/default", async (c) => {
    const row = await load(c, c.req.param("id"));
    await setDefaultIntegration(db(c.env.DB), row.id, Date.now());
    await audit(c, "integration.set_default", "integration", row.id);
    forgetIntegrations();
    return json(c, integrationToJson((await getIntegrationRow(db(c.env.DB), row.id))!, config(c.env).defaultUrlTtl));
  })
  .post("/:id/rotate-external-id", async (c) => {
    const row = await load(c, c.req.param("id"));
    if (row.provider !== "aws_role" && row.provider !== "aws_keys") throw new ApiError("invalid_request", `provider ${row.provider} has no External ID.`);
    const updated = await updateIntegrationRow(db(c.env.DB), row.id, {
      externalId: newExternalId(),
      status: "unchecked",
      updatedAt: Math.max(Date.now(), row.updatedAt + 1),
    });
    await audit(c, "integration.rotate_external_id", "integration", row.id);
    forgetIntegrations();
    forgetCredentials();
    return json(c, await withDocuments(c, updated!));
  })
  .post("/:id/validate", async (c) => {
    const row = await load(c, c.req.param("id"));
    // The body is optional: a bare POST validates without a sample key.
    const { sampleKey } = await jsonBody(c, validateRequest, { optional: true });
    const report = await validateAndRecord(c.env, compileIntegration(row), sampleKey, {
      trigger: "manual",
      actor: c.var.admin.actor,
      requestId: c.get("requestId"),
      background: c.executionCtx,
    });
    await audit(c, "integration.validate", "integration", row.id, { ok: report.ok });
    return json(c, report);
  });
