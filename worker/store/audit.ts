/** The audit log: every state-changing admin call (who, what, when). Never a secret. */
import { desc, lt } from "drizzle-orm";
import type { Db } from "./db";
import { auditLog } from "./schema";

export interface AuditEntry {
  actor: string;
  action: string;
  targetType?: string;
  targetId?: string;
  detail?: Record<string, unknown>;
  requestId?: string;
  ip?: string | null;
}

/** Field names whose values must never reach the log, whatever the caller passes. */
const SECRET_FIELDS = /secret|token|password|privatekey|credential/i;

export function redact(detail: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(detail)) out[k] = SECRET_FIELDS.test(k) ? "[redacted]" : v;
  return out;
}

export async function writeAudit(d: Db, e: AuditEntry, at = Date.now()): Promise<void> {
  await d.insert(auditLog).values({
    at,
    actor: e.actor,
    action: e.action,
    targetType: e.targetType ?? null,
    targetId: e.targetId ?? null,
    detail: JSON.stringify(redact(e.detail ?? {})),
    requestId: e.requestId ?? null,
    ip: e.ip ?? null,
  });
}

export async function listAudit(d: Db, limit: number, before?: number) {
  const q = d.select().from(auditLog);
  const rows = await (before ? q.where(lt(auditLog.id, before)) : q).orderBy(desc(auditLog.id)).limit(limit).all();
  return rows.map((r) => ({ ...r, at: new Date(r.at).toISOString(), detail: JSON.parse(r.detail) as unknown }));
}
