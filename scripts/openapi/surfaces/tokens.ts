import { createTokenRequest, tokenResponses } from "../../../worker/schemas/tokens";
import type { Surface } from "../document";

const r = tokenResponses();

export const tokens: Surface = {
  name: "API tokens",
  description: "Bearer tokens for the server-side APIs, stored hashed.",
  operations: [
    {
      method: "get",
      path: "/admin/api/tokens",
      summary: "List API tokens (without the tokens themselves)",
      auth: "admin",
      responses: { 200: { description: "Every token.", json: { name: "TokenList", schema: r.tokenList } } },
      errors: ["unauthorized"],
    },
    {
      method: "post",
      path: "/admin/api/tokens",
      summary: "Create an API token",
      description: "`token` is in this response only. With `integrations`, the token works for those only (403 `scope_not_allowed` elsewhere).",
      auth: "admin",
      body: { name: "CreateToken", schema: createTokenRequest },
      responses: { 201: { description: "The new token.", json: { name: "CreatedToken", schema: r.createdToken } } },
      errors: ["invalid_request", "unauthorized"],
    },
    {
      method: "delete",
      path: "/admin/api/tokens/{id}",
      summary: "Revoke an API token",
      auth: "admin",
      params: { id: "The token id." },
      responses: { 200: { description: "Revoked.", json: { name: "Deleted", schema: r.deleted } } },
      errors: ["unauthorized", "not_found"],
    },
  ],
};
