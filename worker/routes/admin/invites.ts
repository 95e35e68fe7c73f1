/**
 * Invites for bucket owners: POST/GET /admin/api/integrations/{id}/invites,
 * DELETE /admin/api/invites/{id}. The invite URL (with its token) is in the creation
 * response only; the token is stored as its SHA-256.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../http/context";
import { ApiError } from "../../http/errors";
import { requireAdmin } from "../../http/admin-auth";
import { db } from "../../store/db";
import { newInviteId, newInviteToken } from "../../store/ids";
import { getIntegrationRow } from "../../store/integrations";
import { getInvite, hashInviteToken, insertInvite, inviteToJson, listInvites, revokeInvite } from "../../store/invites";
import { parseBody } from "../../integrations/input";
import { createInviteRequest, INVITE_TTL_DEFAULT } from "../../schemas/invites";
import { audit, json, jsonBody } from "./common";

export const invitesApi = new Hono<AppEnv>()
  .post("/integrations/:id/invites", async (c) => {
    const who = await requireAdmin(c.env, c.req.raw);
    const integ = await getIntegrationRow(db(c.env.DB), c.req.param("id"));
    if (!integ) throw new ApiError("integration_not_found", `No integration with id "${c.req.param("id").slice(0, 64)}".`);
    const body = await jsonBody(c).catch((e) => (c.req.header("content-type") ? Promise.reject(e) : {}));
    const input = parseBody(createInviteRequest, body, false);
    const token = newInviteToken();
    const now = Date.now();
    const row = { id: newInviteId(), integrationId: integ.id, tokenHash: await hashInviteToken(token), expiresAt: now + (input.expiresInSeconds ?? INVITE_TTL_DEFAULT) * 1000, createdAt: now, usedAt: null, revokedAt: null };
    await insertInvite(db(c.env.DB), row);
    await audit(c, who, "invite.create", "integration", integ.id, { inviteId: row.id, expiresAt: new Date(row.expiresAt).toISOString() });
    const url = `${new URL(c.req.url).origin}/connect/${token}`;
    return json(c, { id: row.id, url, expiresAt: new Date(row.expiresAt).toISOString() }, 201);
  })
  .get("/integrations/:id/invites", async (c) => {
    await requireAdmin(c.env, c.req.raw);
    const integ = await getIntegrationRow(db(c.env.DB), c.req.param("id"));
    if (!integ) throw new ApiError("integration_not_found", `No integration with id "${c.req.param("id").slice(0, 64)}".`);
    return json(c, { invites: (await listInvites(db(c.env.DB), integ.id)).map(inviteToJson) });
  })
  .delete("/invites/:id", async (c) => {
    const who = await requireAdmin(c.env, c.req.raw);
    const id = c.req.param("id");
    const invite = await getInvite(db(c.env.DB), id);
    if (!invite || !(await revokeInvite(db(c.env.DB), id, Date.now()))) throw new ApiError("not_found", `No invite with id "${id.slice(0, 64)}".`);
    await audit(c, who, "invite.revoke", "integration", invite.integrationId, { inviteId: id });
    return json(c, { revoked: true, id });
  });
