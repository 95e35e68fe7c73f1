import * as z from "zod/mini";
import {
  connectIntegrationResponse,
  connectPatchRequest,
  connectValidateRequest,
  connectValidateResponse,
  createInviteRequest,
  createInviteResponse,
  inviteListResponse,
  revokeInviteResponse,
} from "../../../worker/schemas/invites";
import type { Surface } from "../document";

const token = { token: "The invite token (the last segment of the invite's url)." };
const view = { name: "OwnerIntegration", schema: connectIntegrationResponse };
const script = { description: "A setup file with this integration's values filled in (bash script, CloudFormation JSON or Terraform).", media: "text/plain" };

export const invites: Surface = {
  name: "Invites",
  description:
    "Links that let a bucket owner finish one integration alone. The admin creates, lists and revokes them; the owner's routes under /connect/{token} reach that integration only. Every /connect request counts against the per-IP invite rate limit.",
  operations: [
    {
      method: "post",
      path: "/admin/api/integrations/{id}/invites",
      summary: "Create an invite for the bucket owner",
      description: "`url` (`{origin}/connect/{token}`) is in this response only; the token is stored hashed.",
      auth: "admin",
      params: { id: "The integration id." },
      body: { name: "CreateInvite", schema: createInviteRequest, required: false },
      responses: { 201: { description: "The new invite.", json: { name: "CreatedInvite", schema: createInviteResponse } } },
      errors: ["invalid_request", "unauthorized", "integration_not_found"],
    },
    {
      method: "get",
      path: "/admin/api/integrations/{id}/invites",
      summary: "List an integration's invites (without their tokens)",
      auth: "admin",
      params: { id: "The integration id." },
      responses: { 200: { description: "Newest first, revoked ones included.", json: { name: "InviteList", schema: inviteListResponse } } },
      errors: ["unauthorized", "integration_not_found"],
    },
    {
      method: "delete",
      path: "/admin/api/invites/{id}",
      summary: "Revoke an invite",
      auth: "admin",
      params: { id: "The invite id." },
      responses: {
        200: { description: "Revoked (the link answers invite_not_found from now on).", json: { name: "RevokedInvite", schema: revokeInviteResponse } },
      },
      errors: ["unauthorized", "not_found"],
    },
    {
      method: "get",
      path: "/connect/{token}",
      summary: "The bucket owner's page",
      description: "An unknown, expired or revoked token gets a 404 HTML page naming invite_not_found.",
      auth: "none",
      params: token,
      responses: {
        200: { description: "An HTML page (strict CSP).", media: "text/html" },
        404: { description: "invite_not_found, as an HTML page.", media: "text/html" },
      },
      errors: ["rate_limited"],
    },
    {
      method: "get",
      path: "/connect/{token}/integration",
      summary: "The integration's owner-facing fields and setup documents",
      auth: "none",
      params: token,
      responses: { 200: { description: "What the owner needs, nothing else.", json: view } },
      errors: ["invite_not_found", "rate_limited"],
    },
    {
      method: "patch",
      path: "/connect/{token}/integration",
      summary: "Set the owner's fields",
      description:
        "Only `roleArn` (aws_role), `serviceAccountEmail` (gcs), `tenantId` and `accountName` (azure); anything else is a 400 naming the field. Audited with the invite's id.",
      auth: "none",
      params: token,
      body: { name: "OwnerPatch", schema: connectPatchRequest },
      responses: { 200: { description: "The updated owner view.", json: view } },
      errors: ["invalid_request", "invite_not_found", "rate_limited"],
    },
    {
      method: "post",
      path: "/connect/{token}/validate",
      summary: "Validate the integration (as the admin route), updating its status",
      description: "With `Accept: text/plain`, a plain-text report whose first line is `Validation passed` or `Validation failed` (for the setup scripts).",
      auth: "none",
      params: token,
      body: { name: "OwnerValidate", schema: connectValidateRequest, required: false },
      responses: { 200: { description: "The checks.", json: { name: "OwnerValidation", schema: connectValidateResponse } } },
      errors: ["invalid_request", "invite_not_found", "rate_limited"],
    },
    {
      method: "get",
      path: "/connect/{token}/setup/{file}",
      summary: "A one-paste setup file",
      description:
        "`aws.sh`, `cloudformation.json`, `terraform.tf` (aws_role); `gcloud.sh` (gcs, query `serviceAccountEmail`); `az.sh` (azure, query `tenantId`, `accountName`). Query fields are the owner's, not saved yet, validated like PATCH.",
      auth: "none",
      params: { ...token, file: "The file name." },
      query: z.object({ serviceAccountEmail: z.optional(z.string()), tenantId: z.optional(z.string()), accountName: z.optional(z.string()) }),
      responses: { 200: script },
      errors: ["invalid_request", "invite_not_found", "not_found", "rate_limited"],
    },
  ],
};
