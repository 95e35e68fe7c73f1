/**
 * lastUsedAt without a D1 write per request: at most one write per integration per minute
 * per isolate, made after the response (waitUntil).
 */
import type { Background, Env } from "../env";
import { db } from "../store/db";
import { touchLastUsed } from "../store/integrations";

const EVERY_MS = 60_000;
const LAST = new Map<string, number>();

export function noteUsage(env: Env, ctx: Background, integrationId: string): void {
  const now = Date.now();
  const last = LAST.get(integrationId) ?? 0;
  if (now - last < EVERY_MS) return;
  if (LAST.size > 5000) LAST.clear();
  LAST.set(integrationId, now);
  ctx.waitUntil(touchLastUsed(db(env.DB), integrationId, now).catch(() => undefined));
}

/** Test hook. */
export function forgetUsage(): void {
  LAST.clear();
}
