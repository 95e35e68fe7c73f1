import { diagnoseRequest, diagnoseResponse, healthResponse, usageQuery, usageResponse } from "../../../worker/schemas/operations";
import type { Surface } from "../document";

export const operations: Surface = {
  name: "Operations",
  description: "Health, per-minute usage and a per-object diagnostic (README: Operations).",
  operations: [
    {
      method: "get",
      path: "/health",
      summary: "For uptime monitors: no auth, no I/O",
      auth: "none",
      responses: { 200: { description: "signpost runs, with this version.", json: { name: "Health", schema: healthResponse } } },
      errors: ["internal_error"],
    },
    {
      method: "get",
      path: "/openapi.json",
      summary: "This OpenAPI description",
      description: "Public and cacheable, readable from any origin (`Access-Control-Allow-Origin: *`).",
      auth: "none",
      responses: { 200: { description: "The OpenAPI 3.1 document.", media: "application/json" } },
      errors: ["internal_error"],
    },
    {
      method: "get",
      path: "/admin/api/usage",
      summary: "Per-minute redirects, errors by code and credential calls per integration",
      description: "Default: every integration, the last 24 hours. Minutes without counts are omitted; counts may lag by up to a minute.",
      auth: "admin",
      query: usageQuery,
      responses: { 200: { description: "The series, per integration, oldest minute first.", json: { name: "Usage", schema: usageResponse } } },
      errors: ["invalid_request", "unauthorized", "integration_not_found"],
    },
    {
      method: "post",
      path: "/admin/api/integrations/{id}/diagnose",
      summary: "Why a labeler cannot load an object",
      description: "Signs the object as a redirect would, reads its first byte, and sends the browser's CORS probes; the first failure is the cause.",
      auth: "admin",
      params: { id: "The integration id." },
      body: { name: "DiagnoseRequest", schema: diagnoseRequest, required: true },
      responses: { 200: { description: "The cause (`ok` when nothing is wrong) and what to change.", json: { name: "Diagnosis", schema: diagnoseResponse } } },
      errors: ["invalid_request", "unauthorized", "integration_not_found", "sts_unavailable", "upstream_error"],
    },
  ],
};
