/**
 * The bucket owner's surface, reached with an invite token only (SPEC "Owner self-service"):
 *
 *   GET   /connect/{token}                   the owner's page (HTML)
 *   GET   /connect/{token}/integration       owner-facing fields and setup documents
 *   PATCH /connect/{token}/integration       the owner's fields only
 *   POST  /connect/{token}/validate          the validation run (JSON, or text/plain for scripts)
 *   GET   /connect/{token}/setup/{file}      aws.sh, cloudformation.json, terraform.tf, gcloud.sh, az.sh
 *
 * Every request counts against the per-IP "invite" rate limit before the token is looked up.
 * An unknown, expired or revoked token, or one whose integration is gone, is invite_not_found.
 */
import { Hono } from "hono";
import type { AppEnv, Ctx } from "../http/context";
import { ApiError } from "../http/errors";
import { clientIp } from "../http/client-ip";
import { enforceRateLimit } from "../http/rate-limit";
import { db } from "../store/db";
import { writeAudit } from "../store/audit";
import { findLiveInvite, hashInviteToken, markInviteUsed, type InviteRow } from "../store/invites";
import { getIntegrationRow } from "../store/integrations";
import type { IntegrationRow } from "../integrations/model";
import { compileIntegration } from "../integrations/model";
import { parseBody } from "../integrations/input";
import { applyOwnerPatch, ownerFieldsFor, ownerView, setupFilesFor } from "../integrations/owner";
import { validateAndRecord, type ValidationReport } from "../validation/run";
import { connectPatchRequest, connectValidateRequest } from "../schemas/invites";
import { awsSetup } from "../providers/aws/setup/common";
import { awsScript } from "../providers/aws/setup/aws-script";
import { cloudFormationTemplate } from "../providers/aws/setup/cloudformation";
import { terraformModule } from "../providers/aws/setup/terraform";
import { azScript, gcloudScript } from "../setup/provider-scripts";
import { json } from "./admin/common";
import { jsonBody } from "../http/json-body";
import { html } from "./admin/page";
import { renderConnectPage, renderInviteNotFoundPage } from "../../admin/connect-page";

const TOKEN = /^[A-Za-z0-9_-]{22,128}$/;

interface Opened {
  invite: InviteRow;
  row: IntegrationRow;
  /** {origin}/connect/{token} */
  url: string;
  origin: string;
}

const notFound = () => new ApiError("invite_not_found", "This invite link is unknown, expired or revoked.", "Ask whoever sent you the link for a new invite.");

async function openInvite(c: Ctx): Promise<Opened> {
  await enforceRateLimit(c.env, "invite", clientIp(c.req.raw));
  const token = c.req.param("token") ?? "";
  if (!TOKEN.test(token)) throw notFound();
  const now = Date.now();
  const invite = await findLiveInvite(db(c.env.DB), await hashInviteToken(token), now);
  if (!invite) throw notFound();
  const row = await getIntegrationRow(db(c.env.DB), invite.integrationId);
  if (!row) throw notFound();
  if (invite.usedAt === null) await markInviteUsed(db(c.env.DB), invite.id, now);
  const origin = new URL(c.req.url).origin;
  return { invite, row, origin, url: `${origin}/connect/${token}` };
}

function ownerAudit(c: Ctx, o: Opened, action: string, detail: Record<string, unknown>) {
  return writeAudit(db(c.env.DB), {
    actor: `invite:${o.invite.id}`,
    action,
    targetType: "integration",
    targetId: o.row.id,
    detail: { inviteId: o.invite.id, ...detail },
    requestId: c.get("requestId"),
    ip: clientIp(c.req.raw),
  });
}

/** The report as plain text for scripts (no JSON parser needed): first line "Validation passed" or "Validation failed". */
export function reportText(r: ValidationReport): string {
  const lines = [`Validation ${r.ok ? "passed" : "failed"} (${r.checkedAt})`];
  for (const ch of r.checks) {
    lines.push(`  ${ch.status.padEnd(4)}  ${ch.name}: ${ch.message}`);
    if (ch.hint) lines.push(`        hint: ${ch.hint}`);
  }
  return lines.join("\n") + "\n";
}

function file(c: Ctx, body: string, type: string, name: string): Response {
  return new Response(body, {
    headers: {
      "content-type": type,
      "content-disposition": `inline; filename="${name}"`,
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
      "x-content-type-options": "nosniff",
      "x-request-id": c.get("requestId"),
    },
  });
}

/** Owner's fields from the query of a script URL (typed on the page, not saved yet); validated like PATCH. */
function queryFields(c: Ctx, provider: string) {
  const fields: Record<string, string> = {};
  for (const k of ownerFieldsFor(c.env, provider)) {
    const v = c.req.query(k);
    if (v !== undefined && v !== "") fields[k] = v;
  }
  return parseBody(connectPatchRequest, fields, false);
}

function newNonce(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(18))));
}

export const connect = new Hono<AppEnv>()
  .get("/:token", async (c) => {
    let o: Opened;
    try {
      o = await openInvite(c);
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== "invite_not_found") throw err;
      const nonce = newNonce();
      return html(c, await renderInviteNotFoundPage({ nonce, requestId: c.get("requestId") }), nonce, 404);
    }
    const nonce = newNonce();
    const view = await ownerView(c.env, o.row, { inviteUrl: o.url, origin: o.origin, invite: o.invite });
    return html(c, await renderConnectPage({ nonce, view, apiBase: new URL(o.url).pathname }), nonce);
  })
  .get("/:token/integration", async (c) => {
    const o = await openInvite(c);
    return json(c, await ownerView(c.env, o.row, { inviteUrl: o.url, origin: o.origin, invite: o.invite }));
  })
  .patch("/:token/integration", async (c) => {
    const o = await openInvite(c);
    const body = await jsonBody(c);
    const allowed = ownerFieldsFor(c.env, o.row.provider);
    if (body && typeof body === "object" && !Array.isArray(body)) {
      const refused = Object.keys(body).find((k) => !allowed.includes(k));
      if (refused !== undefined) {
        const what = allowed.length ? `only ${allowed.join(", ")}` : "nothing";
        throw new ApiError(
          "invalid_request",
          `${refused.slice(0, 64)}: cannot be set through an invite (the owner of a ${o.row.provider} integration sets ${what}).`,
        );
      }
    }
    const input = parseBody(connectPatchRequest, body, false);
    const updated = await applyOwnerPatch(c.env, o.row, input);
    await ownerAudit(c, o, "integration.update", { fields: Object.keys(input) });
    return json(c, await ownerView(c.env, updated, { inviteUrl: o.url, origin: o.origin, invite: o.invite }));
  })
  .post("/:token/validate", async (c) => {
    const o = await openInvite(c);
    const body = await jsonBody(c).catch((e) => (c.req.header("content-type") ? Promise.reject(e) : {}));
    const input = parseBody(connectValidateRequest, body, false);
    const report = await validateAndRecord(c.env, compileIntegration(o.row), input.sampleKey);
    await ownerAudit(c, o, "integration.validate", { ok: report.ok });
    if (/^text\/plain\b/i.test(c.req.header("accept") ?? "")) return file(c, reportText(report), "text/plain; charset=utf-8", "validation.txt");
    return json(c, report);
  })
  .get("/:token/setup/:file", async (c) => {
    const o = await openInvite(c);
    const name = c.req.param("file");
    if (!setupFilesFor(o.row.provider).includes(name)) {
      const offered = setupFilesFor(o.row.provider);
      throw new ApiError(
        "not_found",
        `No setup file "${name.slice(0, 64)}" for this integration.`,
        offered.length ? `Available: ${offered.join(", ")}.` : undefined,
      );
    }
    if (name === "gcloud.sh")
      return file(
        c,
        gcloudScript(c.env, o.row, o.url, queryFields(c, "gcs"), { keyless: c.req.query("identity") === "oidc" }),
        "text/x-shellscript; charset=utf-8",
        name,
      );
    if (name === "az.sh") return file(c, azScript(c.env, o.row, o.url, queryFields(c, "azure")), "text/x-shellscript; charset=utf-8", name);
    const setup = await awsSetup(c.env, o.row, o.url);
    if (name === "aws.sh") return file(c, awsScript(setup), "text/x-shellscript; charset=utf-8", name);
    if (name === "cloudformation.json") return file(c, JSON.stringify(cloudFormationTemplate(setup), null, 2) + "\n", "application/json; charset=utf-8", name);
    return file(c, terraformModule(setup), "text/plain; charset=utf-8", name);
  });
