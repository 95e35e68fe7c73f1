import { auditQuery, auditResponses } from "../../../worker/schemas/audit";
import { principalResponses } from "../../../worker/schemas/principal";
import type { Surface } from "../document";

export const admin: Surface = {
  name: "Admin",
  description: "signpost's own identity and the audit log.",
  operations: [
    {
      method: "get",
      path: "/admin/api/principal",
      summary: "signpost's AWS principal (the ARN roles trust)",
      auth: "admin",
      responses: { 200: { description: "STS GetCallerIdentity, cached.", json: { name: "Principal", schema: principalResponses().principal } } },
      errors: ["unauthorized", "sts_unavailable", "upstream_error"],
    },
    {
      method: "get",
      path: "/admin/api/audit",
      summary: "The audit log, newest first",
      auth: "admin",
      query: auditQuery,
      responses: { 200: { description: "Entries (`before`: the id to page from).", json: { name: "AuditLog", schema: auditResponses().auditLog } } },
      errors: ["invalid_request", "unauthorized"],
    },
  ],
};
