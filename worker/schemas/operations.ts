/**
 * Operations (SPEC "Operations"): request and response shapes of /health,
 * GET /admin/api/usage and POST /admin/api/integrations/{id}/diagnose.
 */
import * as z from "zod/mini";

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const isoTime = z.string().check(
  z.regex(ISO_TIME, "must be an ISO 8601 time with a zone, e.g. 2026-01-31T12:00:00Z"),
  z.refine((s) => !Number.isNaN(Date.parse(s)), "must be a real date and time"),
);

export const healthResponse = z.object({ ok: z.literal(true), version: z.string() });

/** GET /admin/api/usage query: every field optional (default: all integrations, the last 24 hours). */
export const usageQuery = z.strictObject({
  integration: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, "must be an integration id"))),
  since: z.optional(isoTime),
  until: z.optional(isoTime),
});

export const usageMinute = z.object({
  integration: z.string(),
  /** Start of the minute, ISO 8601 UTC. */
  minute: z.string(),
  redirects: z.int(),
  /** Error responses by error code. */
  errors: z.record(z.string(), z.int()),
  /** Calls to AWS STS, Google's token and signing APIs, or Microsoft Entra made for the integration. */
  stsCalls: z.int(),
});

export const usageResponse = z.object({ series: z.array(usageMinute) });

export const diagnoseRequest = z.strictObject({
  key: z.string().check(z.minLength(1), z.maxLength(1024)),
});

export const DIAGNOSE_CAUSES = ["ok", "scope", "not_found", "access_denied", "kms", "region", "cors", "credentials"] as const;

export const diagnoseResponse = z.object({
  key: z.string(),
  ok: z.boolean(),
  cause: z.enum(DIAGNOSE_CAUSES),
  message: z.string(),
  /** What to change; null when there is nothing to change. */
  hint: z.nullable(z.string()),
});

export type UsageQuery = z.infer<typeof usageQuery>;
export type DiagnoseRequest = z.infer<typeof diagnoseRequest>;
export type DiagnoseResponse = z.infer<typeof diagnoseResponse>;
export type DiagnoseCause = (typeof DIAGNOSE_CAUSES)[number];
