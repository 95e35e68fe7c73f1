/**
 * Invites for bucket owners: POST/GET /admin/api/integrations/{id}/invites,
 * DELETE /admin/api/invites/{id}. The invite URL (with its token) is in the creation
 * response only; the token is stored as its SHA-256.
 */
import { Hono } from "hono";
import { ApiError } from "../../http/errors";
import { db } from "../../store/db";
import { newInviteId, newInviteToken } from "../../store/ids";
import { getIntegrationRow } from "../../store/integrations";
import { getInvite, hashInviteToken, insertInvite, inviteToJson, listInvites, revokeInvite } from "../../store/invites";
import { createInviteRequest, INVITE_TTL_DEFAULT } from "../../schemas/invites";
import { adminBody, audit, json, type AdminEnv } from "./common";

export const invitesApi = new Hono<AdminEnv>()
  .post("/integrations/:id/invites", async (c) => {
    const integ = await getIntegrationRow(db(c.env.DB), c.req.param("id"));
    if (!integ) throw new ApiError("integration_not_found", `No integration with id "${c.req.param("id").slice(0, 64)}".`);
    const input = await adminBody(c, createInviteRequest, { optional: true });
    const token = newInviteToken();
    const now = Date.now();
    const row = {
      id: newInviteId(),
      integrationId: integ.id,
      tokenHash: await hashInviteToken(token),
      expiresAt: now + (input.expiresInSeconds ?? INVITE_TTL_DEFAULT) * 1000,
      createdAt: now,
      usedAt: null,
      revokedAt: null,
    };
    await insertInvite(db(c.env.DB), row);
    await audit(c, "invite.create", "integration", integ.id, { inviteId: row.id, expiresAt: new Date(row.expiresAt).toISOString() });
    const url = `${new URL(c.req.url).origin}/connect/${token}`;
    return json(c, { id: row.id, url, expiresAt: new Date(row.expiresAt).toISOString() }, 201);
  })
  .get("/integrations/:id/invites", async (c) => {
    const integ = await getIntegrationRow(db(c.env.DB), c.req.param("id"));
    if (!integ) throw new ApiError("integration_not_found", `No integration with id "${c.req.param("id").slice(0, 64)}".`);
    return json(c, { invites: (await listInvites(db(c.env.DB), integ.id)).map(inviteToJson) });
  })
  .delete("/invites/:id", async (c) => {
    const id = c.req.param("id");
    const invite = await getInvite(db(c.env.DB), id);
    if (!invite || !(await revokeInvite(db(c.env.DB), id, Date.now()))) throw new ApiError("not_found", `No invite with id "${id.slice(0, 64)}".`);
    await audit(c, "invite.revoke", "integration", invite.integrationId, { inviteId: id });
    return json(c, { revoked: true, id });
  });
