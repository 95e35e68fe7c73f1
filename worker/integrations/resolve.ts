/**
 * Integration lookups for the hot path, memoised in the isolate.
 *
 * A fresh entry (< FRESH_MS) is served with no I/O. A stale one (< MAX_STALE_MS) is still
 * served, and refreshed in the background (waitUntil), so edits made in the admin surface
 * apply within seconds without putting a D1 query on the path of any warm request. Older
 * entries are refreshed before answering. Misses are cached as well, so a stream of requests
 * for an unknown id does not become a stream of D1 queries.
 */
import type { Background, Env } from "../env";
import { ApiError } from "../http/errors";
import { db } from "../store/db";
import { findIntegrationRowByBucket, getDefaultIntegrationRow, getIntegrationRow } from "../store/integrations";
import { compileIntegration, type Integration, type IntegrationRow } from "./model";

const FRESH_MS = 5_000;
const MAX_STALE_MS = 30_000;
const MAX_ENTRIES = 2_000;

interface Entry {
  value: Integration | null;
  fetchedAt: number;
  refreshing: Promise<Integration | null> | null;
}

const MEMO = new Map<string, Entry>();
/** Forget memoised integrations (after an admin write in this isolate, and in tests). */
export function forgetIntegrations(): void {
  MEMO.clear();
}

function load(env: Env, key: string): Promise<Integration | null> {
  const d = db(env.DB);
  let p: Promise<IntegrationRow | null>;
  if (key === "default") p = getDefaultIntegrationRow(d);
  else if (key.startsWith("bucket:")) p = findIntegrationRowByBucket(d, key.slice(7));
  else p = getIntegrationRow(d, key.slice(3));
  return p.then((row) => (row ? compileIntegration(row) : null));
}

function refresh(env: Env, key: string, entry: Entry | undefined): Promise<Integration | null> {
  if (entry?.refreshing) return entry.refreshing;
  const p = load(env, key).then(
    (value) => {
      if (MEMO.size >= MAX_ENTRIES && !MEMO.has(key)) MEMO.delete(MEMO.keys().next().value!);
      MEMO.set(key, { value, fetchedAt: Date.now(), refreshing: null });
      return value;
    },
    (err) => {
      const e = MEMO.get(key);
      if (e) e.refreshing = null;
      throw err;
    },
  );
  if (entry) entry.refreshing = p;
  else MEMO.set(key, { value: null, fetchedAt: -Infinity, refreshing: p });
  return p;
}

async function lookup(env: Env, ctx: Background, key: string): Promise<Integration | null> {
  const entry = MEMO.get(key);
  const age = entry ? Date.now() - entry.fetchedAt : Infinity;
  if (entry && age < FRESH_MS) return entry.value;
  if (entry && age < MAX_STALE_MS) {
    if (!entry.refreshing) ctx.waitUntil(refresh(env, key, entry).catch(() => undefined));
    return entry.value;
  }
  return refresh(env, key, entry);
}

/** `idOrDefault` is an integration id or the word `default`. */
export async function resolveIntegration(env: Env, ctx: Background, idOrDefault: string): Promise<Integration> {
  if (idOrDefault === "default") {
    const integ = await lookup(env, ctx, "default");
    if (!integ)
      throw new ApiError(
        "no_default_integration",
        "No integration is marked as the default.",
        "Name an integration id, or mark one as the default in the admin page.",
      );
    return integ;
  }
  const integ = /^[A-Za-z0-9_-]{1,64}$/.test(idOrDefault) ? await lookup(env, ctx, "id:" + idOrDefault) : null;
  if (!integ) throw new ApiError("integration_not_found", `No integration with id "${idOrDefault.slice(0, 64)}".`);
  return integ;
}

/** For /v1/redirect without `integration`: the integration scoped to this bucket, else the default. */
export async function resolveIntegrationForBucket(env: Env, ctx: Background, bucket: string): Promise<Integration> {
  return (await lookup(env, ctx, "bucket:" + bucket)) ?? resolveIntegration(env, ctx, "default");
}
