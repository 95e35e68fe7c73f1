/** What the admin API's routes share: the admin context type, admin input, the audit entry, the JSON answer. */
import type * as z from "zod/mini";
import type { Context } from "hono";
import type { AppEnv } from "../../http/context";
import { clientIp } from "../../http/client-ip";
import type { AdminIdentity } from "../../http/admin-auth";
import { jsonBody } from "../../http/json-body";
import { parseBody } from "../../integrations/input";
import { db } from "../../store/db";
import { writeAudit } from "../../store/audit";

/** The admin API's routes: the admin middleware (./index.ts) has set `c.var.admin` before they run. */
export type AdminEnv = { Bindings: AppEnv["Bindings"]; Variables: AppEnv["Variables"] & { admin: AdminIdentity } };
export type AdminCtx = Context<AdminEnv>;

/** Admin input: the schema, plus the refusal of fields signpost owns and of ill-formed Unicode (integrations/input.ts). */
export function adminBody<T>(c: AdminCtx, schema: z.ZodMiniType<T>, opts: { creating?: boolean; optional?: boolean } = {}): Promise<T> {
  return jsonBody(c, schema, { optional: opts.optional, parse: (s, value) => parseBody(s, value, opts.creating ?? false) });
}

/** One audit entry for the signed-in admin's action. */
export function audit(c: AdminCtx, action: string, targetType: string | undefined, targetId: string | undefined, detail: Record<string, unknown> = {}) {
  return writeAudit(db(c.env.DB), { actor: c.var.admin.actor, action, targetType, targetId, detail, requestId: c.get("requestId"), ip: clientIp(c.req.raw) });
}

/** A JSON answer (any surface's context will do: only its request id is read). */
export function json(c: { var: { requestId: string } }, body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "x-request-id": c.var.requestId },
  });
}
