import { desc, eq } from "drizzle-orm";
import type { Db } from "./db";
import { validationRuns } from "./schema";

export async function saveValidationRun(d: Db, id: string, integrationId: string, ok: boolean, checks: unknown[], checkedAt: number): Promise<void> {
  await d.insert(validationRuns).values({ id, integrationId, ok, checks: JSON.stringify(checks), checkedAt });
}

export async function latestValidationRun(d: Db, integrationId: string) {
  const r = await d.select().from(validationRuns).where(eq(validationRuns.integrationId, integrationId)).orderBy(desc(validationRuns.checkedAt)).get();
  return r ? { ok: r.ok, checkedAt: new Date(r.checkedAt).toISOString(), checks: JSON.parse(r.checks) as unknown[] } : null;
}

export async function deleteValidationRuns(d: Db, integrationId: string): Promise<void> {
  await d.delete(validationRuns).where(eq(validationRuns.integrationId, integrationId)).run();
}
