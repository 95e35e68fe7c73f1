import type { Db } from "./db";

export async function saveValidationRun(d: Db, id: string, integrationId: string, ok: boolean, checks: unknown[], checkedAt: number): Promise<void> {
  await d
    .prepare("insert into validation_runs (id, integration_id, ok, checks, checked_at) values (?, ?, ?, ?, ?)")
    .bind(id, integrationId, ok ? 1 : 0, JSON.stringify(checks), checkedAt)
    .run();
}

export async function latestValidationRun(d: Db, integrationId: string) {
  const r = await d
    .prepare("select ok, checks, checked_at from validation_runs where integration_id = ? order by checked_at desc limit 1")
    .bind(integrationId)
    .first<{ ok: number; checks: string; checked_at: number }>();
  return r ? { ok: r.ok === 1, checkedAt: new Date(r.checked_at).toISOString(), checks: JSON.parse(r.checks) as unknown[] } : null;
}

export async function deleteValidationRuns(d: Db, integrationId: string): Promise<void> {
  await d.prepare("delete from validation_runs where integration_id = ?").bind(integrationId).run();
}
