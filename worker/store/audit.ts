/** The audit log: every state-changing admin call (who, what, when). Never a secret. */
import type { Db } from "./db";

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
  await d
    .prepare("insert into audit_log (at, actor, action, target_type, target_id, detail, request_id, ip) values (?, ?, ?, ?, ?, ?, ?, ?)")
    .bind(at, e.actor, e.action, e.targetType ?? null, e.targetId ?? null, JSON.stringify(redact(e.detail ?? {})), e.requestId ?? null, e.ip ?? null)
    .run();
}

interface AuditRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  detail: string;
  request_id: string | null;
  ip: string | null;
}

export async function listAudit(d: Db, limit: number, before?: number) {
  const stmt = before
    ? d.prepare("select * from audit_log where id < ? order by id desc limit ?").bind(before, limit)
    : d.prepare("select * from audit_log order by id desc limit ?").bind(limit);
  const { results } = await stmt.all<AuditRow>();
  return results.map((r) => ({
    id: r.id,
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    detail: JSON.parse(r.detail) as unknown,
    requestId: r.request_id,
    ip: r.ip,
  }));
}
