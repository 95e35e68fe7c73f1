/** /admin/api/tokens: API tokens for the server-side /v1 APIs. The token is shown once. */
import { Hono } from "hono";
import { ApiError } from "../../http/errors";
import { forgetTokens } from "../../http/api-auth";
import { db } from "../../store/db";
import { newApiToken, newTokenId } from "../../store/ids";
import { getIntegrationRow } from "../../store/integrations";
import { deleteToken, hashToken, insertToken, listTokens, tokenToJson } from "../../store/tokens";
import { createTokenRequest } from "../../schemas/tokens";
import { adminBody, audit, json, type AdminEnv } from "./common";

export const tokensApi = new Hono<AdminEnv>()
  .get("/", async (c) => {
    return json(c, { tokens: (await listTokens(db(c.env.DB))).map(tokenToJson) });
  })
  .post("/", async (c) => {
    const input = await adminBody(c, createTokenRequest);
    const integrations = [...new Set(input.integrations ?? [])];
    for (const id of integrations) {
      if (!(await getIntegrationRow(db(c.env.DB), id))) throw new ApiError("invalid_request", `integrations: no integration with id "${id}".`);
    }
    const token = newApiToken();
    const row = {
      id: newTokenId(),
      name: input.name,
      tokenHash: await hashToken(token),
      integrations: JSON.stringify(integrations),
      createdAt: Date.now(),
      lastUsedAt: null,
    };
    await insertToken(db(c.env.DB), row);
    await audit(c, "token.create", "token", row.id, { name: row.name, integrations });
    const { lastUsedAt: _unused, ...shown } = tokenToJson(row);
    void _unused;
    return json(c, { ...shown, token }, 201);
  })
  .delete("/:id", async (c) => {
    const id = c.req.param("id");
    if (!(await deleteToken(db(c.env.DB), id))) throw new ApiError("not_found", `No API token with id "${id.slice(0, 64)}".`);
    await audit(c, "token.delete", "token", id);
    forgetTokens();
    return json(c, { deleted: true, id });
  });
