/** GET /admin/api/audit: the audit log, newest first. */
import * as z from "zod/mini";

/** GET /admin/api/audit query. */
export const auditQuery = z.object({
  limit: z.optional(z.string().check(z.refine((s) => Number.isInteger(Number(s)) && Number(s) >= 1 && Number(s) <= 500, "must be an integer in 1..500"))),
  before: z.optional(z.string().check(z.regex(/^\d{1,15}$/, "must be an entry id"))),
});

/** What the route answers, for the OpenAPI document only: a function, so the Worker bundle leaves it out. */
export function auditResponses() {
  return {
    auditLog: z.object({
      entries: z.array(
        z.object({
          id: z.int(),
          at: z.iso.datetime(),
          actor: z.string(),
          action: z.string(),
          targetType: z.nullable(z.string()),
          targetId: z.nullable(z.string()),
          detail: z.unknown(),
          requestId: z.nullable(z.string()),
          ip: z.nullable(z.string()),
        }),
      ),
    }),
  };
}
