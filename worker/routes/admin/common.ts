import type { Ctx } from "../../http/context";
import { ApiError } from "../../http/errors";
import { clientIp } from "../../http/client-ip";
import type { AdminIdentity } from "../../http/admin-auth";
import { db } from "../../store/db";
import { writeAudit } from "../../store/audit";
import { readCapped } from "../../http/body";

const MAX_BODY = 256 * 1024;

/** A JSON object body, or a 400 that says what is wrong with it. */
export async function jsonBody(c: Ctx): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) throw new ApiError("invalid_request", "Send a JSON body with Content-Type: application/json.");
  const bytes = await readCapped(c.req.raw, MAX_BODY);
  if (bytes === null) throw new ApiError("invalid_request", `The body is larger than ${MAX_BODY} bytes.`);
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError("invalid_request", "The body is not valid JSON.");
  }
}

export function audit(c: Ctx, who: AdminIdentity, action: string, targetType: string | undefined, targetId: string | undefined, detail: Record<string, unknown> = {}) {
  return writeAudit(db(c.env.DB), { actor: who.actor, action, targetType, targetId, detail, requestId: c.get("requestId"), ip: clientIp(c.req.raw) });
}

export function json(c: Ctx, body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "x-request-id": c.get("requestId") },
  });
}
