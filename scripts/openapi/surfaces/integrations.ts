import { createIntegrationRequest, integrationResponses, patchIntegrationRequest, validateRequest } from "../../../worker/schemas/integrations";
import type { Surface } from "../document";

const r = integrationResponses();
const id = { id: "The integration id." };

export const integrations: Surface = {
  name: "Integrations",
  description: "The admin API for bucket owners' grants: create, check, edit.",
  operations: [
    {
      method: "get",
      path: "/admin/api/integrations",
      summary: "List integrations",
      auth: "admin",
      responses: { 200: { description: "Every integration.", json: { name: "IntegrationList", schema: r.integrationList } } },
      errors: ["unauthorized"],
    },
    {
      method: "post",
      path: "/admin/api/integrations",
      summary: "Create an integration (or test the fields with dryRun)",
      description: "With `dryRun: true` the checks run on the posted fields and nothing is stored (200 `{ok, checks}`).",
      auth: "admin",
      body: { name: "CreateIntegration", schema: createIntegrationRequest },
      responses: {
        200: { description: "Dry run: the checks' results; nothing stored.", json: { name: "DryRunReport", schema: r.dryRunReport } },
        201: {
          description: "The integration, with the documents the owner pastes into their cloud.",
          json: { name: "IntegrationWithDocuments", schema: r.integrationWithDocuments },
        },
      },
      errors: ["invalid_request", "unauthorized"],
    },
    {
      method: "get",
      path: "/admin/api/integrations/{id}",
      summary: "Get an integration, its setup documents and its last validation",
      auth: "admin",
      params: id,
      responses: { 200: { description: "The integration.", json: { name: "IntegrationDetail", schema: r.integrationDetail } } },
      errors: ["unauthorized", "integration_not_found"],
    },
    {
      method: "patch",
      path: "/admin/api/integrations/{id}",
      summary: "Edit an integration",
      description: "Changing the grant (role, keys, region, endpoint, provider settings) resets `status` to `unchecked`.",
      auth: "admin",
      params: id,
      body: { name: "PatchIntegration", schema: patchIntegrationRequest },
      responses: { 200: { description: "The updated integration.", json: { name: "Integration", schema: r.integration } } },
      errors: ["invalid_request", "unauthorized", "integration_not_found"],
    },
    {
      method: "delete",
      path: "/admin/api/integrations/{id}",
      summary: "Delete an integration",
      auth: "admin",
      params: id,
      responses: { 200: { description: "Deleted.", json: { name: "Deleted", schema: r.deleted } } },
      errors: ["unauthorized", "integration_not_found"],
    },
    {
      method: "post",
      path: "/admin/api/integrations/{id}/validate",
      summary: "Run the validation checks",
      description: "The body is optional. Sets `status` and `lastCheckedAt`.",
      auth: "admin",
      params: id,
      body: { name: "ValidateRequest", schema: validateRequest, required: false },
      responses: { 200: { description: "The checks, in the SPEC's order.", json: { name: "ValidationReport", schema: r.validationReport } } },
      errors: ["invalid_request", "unauthorized", "integration_not_found"],
    },
    {
      method: "post",
      path: "/admin/api/integrations/{id}/rotate-external-id",
      summary: "Generate a new External ID",
      description: "The owner must update the role's trust policy; `status` becomes `unchecked`.",
      auth: "admin",
      params: id,
      responses: {
        200: { description: "The integration with its new documents.", json: { name: "IntegrationWithDocuments", schema: r.integrationWithDocuments } },
      },
      errors: ["invalid_request", "unauthorized", "integration_not_found"],
    },
    {
      method: "post",
      path: "/admin/api/integrations/{id}/default",
      summary: "Make this the default integration",
      auth: "admin",
      params: id,
      responses: { 200: { description: "The integration, now the default.", json: { name: "Integration", schema: r.integration } } },
      errors: ["unauthorized", "integration_not_found"],
    },
  ],
};
