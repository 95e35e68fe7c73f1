/**
 * Per-minute usage counts per integration (redirects, errors by code, STS/Google/Azure token
 * calls) at no awaited cost to the request: counted in the isolate's memory, written to D1
 * (usage_counts, upserts that add) at most once a minute per isolate, after the response
 * (waitUntil). Counts of an isolate that is evicted before its next flush are lost; the admin
 * usage API and the Cron Trigger flush what their own isolate holds before reading.
 */
import type { Background, Env } from "../env";
import { db } from "../store/db";
import { addUsageCounts, saveLastErrors, type LastError, type UsageIncrement } from "../store/usage";

export const FLUSH_EVERY_MS = 60_000;
const MAX_PENDING = 20_000;

export type Metric = "redirects" | "sts_calls" | `error:${string}`;

let pending = new Map<string, UsageIncrement>();
let lastErrors = new Map<string, LastError>();
let lastFlush = -Infinity;

export function minuteOf(t: number): number {
  return t - (t % 60_000);
}

function add(integrationId: string, metric: Metric, now = Date.now()): void {
  const minute = minuteOf(now);
  const k = `${integrationId}\n${minute}\n${metric}`;
  const row = pending.get(k);
  if (row) row.count++;
  else if (pending.size < MAX_PENDING) pending.set(k, { integrationId, minute, metric, count: 1 });
}

export function countRedirect(integrationId: string): void {
  add(integrationId, "redirects");
}

export function countError(integrationId: string, code: string, status: number, requestId: string): void {
  add(integrationId, `error:${code}`);
  if (lastErrors.size < MAX_PENDING || lastErrors.has(integrationId)) lastErrors.set(integrationId, { integrationId, at: Date.now(), code, status, requestId });
}

/** A call to AWS STS, Google's token/signing APIs or Microsoft Entra made for this integration. */
export function countStsCall(integrationId: string): void {
  add(integrationId, "sts_calls");
}

/** Writes what this isolate holds now; on failure the counts go back into memory. */
export async function flushUsage(env: Env): Promise<void> {
  if (pending.size === 0 && lastErrors.size === 0) return;
  const batch = [...pending.values()];
  const errors = [...lastErrors.values()];
  pending = new Map();
  lastErrors = new Map();
  try {
    await saveLastErrors(db(env.DB), errors);
  } catch {
    // The last error is a convenience; the next one replaces it.
  }
  try {
    await addUsageCounts(db(env.DB), batch);
  } catch {
    for (const r of batch) {
      const k = `${r.integrationId}\n${r.minute}\n${r.metric}`;
      const row = pending.get(k);
      if (row) row.count += r.count;
      else if (pending.size < MAX_PENDING) pending.set(k, r);
    }
  }
}

/** After a response: a flush if the last one was a minute ago or more. No I/O otherwise. */
export function maybeFlushUsage(env: Env, ctx: Background): void {
  const now = Date.now();
  if ((pending.size === 0 && lastErrors.size === 0) || now - lastFlush < FLUSH_EVERY_MS) return;
  lastFlush = now;
  ctx.waitUntil(flushUsage(env));
}

/** Test hook: drop unflushed counts and the flush clock. */
export function forgetUsageCounts(): void {
  pending = new Map();
  lastErrors = new Map();
  lastFlush = -Infinity;
}
