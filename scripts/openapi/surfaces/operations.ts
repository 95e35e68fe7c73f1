import { diagnoseRequest, diagnoseResponse, healthResponse, usageQuery, usageResponse } from "../../../worker/schemas/operations";
import type { Surface } from "../document";

export const operations: Surface = {
  name: "Operations",
  description: "Health, per-minute usage, and why a labeler cannot load an object.",
  operations: [
    {
      method: "get",
      path: "/health",
      summary: "Liveness and version (no auth, no I/O)",
      auth: "none",
      responses: { 200: { description: "signpost is up.", json: { name: "Health", schema: healthResponse } } },
      errors: [],
    },
    {
      method: "get",
      path: "/admin/api/usage",
      summary: "Per-minute counts of redirects, errors and STS calls",
      description: "Default: every integration, the last 24 hours; kept for at least 7 days; counts may lag by up to a minute.",
      auth: "admin",
      query: usageQuery,
      responses: { 200: { description: "One entry per integration and minute.", json: { name: "Usage", schema: usageResponse } } },
      errors: ["invalid_request", "unauthorized", "integration_not_found"],
    },
    {
      method: "post",
      path: "/admin/api/integrations/{id}/diagnose",
      summary: "Why a labeler cannot load this object",
      description: "Checked with the integration's credentials, as a labeler's request would be.",
      auth: "admin",
      params: { id: "The integration id." },
      body: { name: "DiagnoseRequest", schema: diagnoseRequest },
      responses: { 200: { description: "The cause (`ok` when the object loads).", json: { name: "Diagnosis", schema: diagnoseResponse } } },
      errors: ["invalid_request", "unauthorized", "integration_not_found"],
    },
  ],
};
