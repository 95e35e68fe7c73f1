/** usage_counts: per-minute counts per integration and metric (docs/storage.md). */
import type { Db } from "./db";

export interface UsageIncrement {
  integrationId: string;
  /** Epoch ms of the minute's start. */
  minute: number;
  metric: string;
  count: number;
}

/** Kept at least 7 days (SPEC); pruned by the Cron Trigger after this. */
export const USAGE_RETENTION_MS = 8 * 24 * 3600_000;
const PER_BATCH = 50;

export async function addUsageCounts(d: Db, rows: UsageIncrement[]): Promise<void> {
  const stmt = d.prepare(
    "insert into usage_counts (integration_id, minute, metric, count) values (?, ?, ?, ?) on conflict(integration_id, minute, metric) do update set count = count + excluded.count",
  );
  for (let i = 0; i < rows.length; i += PER_BATCH) {
    await d.batch(rows.slice(i, i + PER_BATCH).map((r) => stmt.bind(r.integrationId, r.minute, r.metric, r.count)));
  }
}

export interface LastError {
  integrationId: string;
  at: number;
  code: string;
  status: number;
  requestId: string;
}

/** Keeps the newer of the stored and the given error per integration. */
export async function saveLastErrors(d: Db, rows: LastError[]): Promise<void> {
  if (rows.length === 0) return;
  const stmt = d.prepare(
    "insert into last_errors (integration_id, at, code, status, request_id) values (?, ?, ?, ?, ?) on conflict(integration_id) do update set at = excluded.at, code = excluded.code, status = excluded.status, request_id = excluded.request_id where excluded.at >= last_errors.at",
  );
  for (let i = 0; i < rows.length; i += PER_BATCH) {
    await d.batch(rows.slice(i, i + PER_BATCH).map((r) => stmt.bind(r.integrationId, r.at, r.code, r.status, r.requestId)));
  }
}

export async function readLastErrors(d: Db): Promise<Map<string, LastError>> {
  const { results } = await d
    .prepare("select integration_id, at, code, status, request_id from last_errors")
    .all<{ integration_id: string; at: number; code: string; status: number; request_id: string }>();
  return new Map(
    results.map((r) => [r.integration_id, { integrationId: r.integration_id, at: r.at, code: r.code, status: r.status, requestId: r.request_id }]),
  );
}

export async function pruneUsage(d: Db, before: number): Promise<number> {
  const res = await d.prepare("delete from usage_counts where minute < ?").bind(before).run();
  return res.meta?.changes ?? 0;
}

export interface UsageMinute {
  integration: string;
  minute: string;
  redirects: number;
  errors: Record<string, number>;
  stsCalls: number;
}

const MAX_ROWS = 50_000;

/** Minutes with any count in [since, until), per integration, oldest first. */
export async function readUsage(d: Db, since: number, until: number, integrationId?: string): Promise<UsageMinute[]> {
  const stmt = integrationId
    ? d
        .prepare(
          "select integration_id, minute, metric, count from usage_counts where integration_id = ? and minute >= ? and minute < ? order by integration_id, minute limit ?",
        )
        .bind(integrationId, since, until, MAX_ROWS)
    : d
        .prepare("select integration_id, minute, metric, count from usage_counts where minute >= ? and minute < ? order by integration_id, minute limit ?")
        .bind(since, until, MAX_ROWS);
  const { results } = await stmt.all<{ integration_id: string; minute: number; metric: string; count: number }>();
  const out: UsageMinute[] = [];
  let cur: UsageMinute | null = null;
  for (const r of results) {
    const minute = new Date(r.minute).toISOString();
    if (!cur || cur.integration !== r.integration_id || cur.minute !== minute) {
      cur = { integration: r.integration_id, minute, redirects: 0, errors: {}, stsCalls: 0 };
      out.push(cur);
    }
    if (r.metric === "redirects") cur.redirects += r.count;
    else if (r.metric === "sts_calls") cur.stsCalls += r.count;
    else if (r.metric.startsWith("error:")) cur.errors[r.metric.slice(6)] = (cur.errors[r.metric.slice(6)] ?? 0) + r.count;
  }
  return out;
}
