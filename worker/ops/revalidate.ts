/**
 * Re-validation outside the admin page: the Cron Trigger's batch (least recently checked
 * first, at most REVALIDATE_BATCH per run, so n integrations are all re-checked within
 * ceil(n / batch) runs), and the background run a `role_cannot_be_assumed` answer schedules
 * (at most one per integration per 5 minutes; manual and scheduled runs do not count).
 */
import type { Background, Env } from "../env";
import { config } from "../config";
import { db } from "../store/db";
import { getIntegrationRow, listLeastRecentlyChecked } from "../store/integrations";
import { claimRevalidation } from "../store/revalidation-claims";
import { compileIntegration, type IntegrationRow } from "../integrations/model";
import { validateAndRecord, type ValidationTrigger } from "../validation/run";

export const REQUEST_TRIGGER_WINDOW_MS = 5 * 60_000;
/** Checks of one batch running at once: bounded, so a slow cloud cannot stretch a run past its limits. */
const CONCURRENCY = 5;

async function revalidate(env: Env, row: IntegrationRow, trigger: ValidationTrigger): Promise<boolean> {
  try {
    await validateAndRecord(env, compileIntegration(row), undefined, { trigger });
    return true;
  } catch (err) {
    console.error(JSON.stringify({ type: "revalidation_failed", integrationId: row.id, trigger, reason: err instanceof Error ? err.message : "error" }));
    return false;
  }
}

/** One Cron Trigger run's share of re-validation; returns the ids it checked. */
export async function revalidateBatch(env: Env): Promise<string[]> {
  const rows = await listLeastRecentlyChecked(db(env.DB), config(env).revalidateBatch);
  let next = 0;
  const worker = async () => {
    while (next < rows.length) await revalidate(env, rows[next++]!, "scheduled");
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, rows.length) }, worker));
  return rows.map((r) => r.id);
}

/** In-isolate memory of recent claims: a stream of failing requests costs one D1 write per window. */
const CLAIMED = new Map<string, number>();

export function forgetRevalidationClaims(): void {
  CLAIMED.clear();
}

/** After a `role_cannot_be_assumed` answer: re-validate in the background, if no other request did lately. */
export function scheduleRevalidationAfterFailure(env: Env, ctx: Background, integrationId: string): void {
  const now = Date.now();
  if (now - (CLAIMED.get(integrationId) ?? -Infinity) < REQUEST_TRIGGER_WINDOW_MS) return;
  if (CLAIMED.size > 5000) CLAIMED.clear();
  CLAIMED.set(integrationId, now);
  ctx.waitUntil(
    (async () => {
      const d = db(env.DB);
      if (!(await claimRevalidation(d, integrationId, now, REQUEST_TRIGGER_WINDOW_MS))) return;
      const row = await getIntegrationRow(d, integrationId);
      if (row) await revalidate(env, row, "request");
    })().catch(() => undefined),
  );
}
