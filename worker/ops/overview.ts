/** What the admin page shows per integration: 24 hours of usage, the last error, the status history. */
import type { Env } from "../env";
import { db } from "../store/db";
import { listIntegrationRows } from "../store/integrations";
import { readLastErrors, readUsage, type LastError } from "../store/usage";
import { flushUsage } from "./usage";

export const CHART_HOURS = 24;
export const BIN_MS = 15 * 60_000;
const BINS = (CHART_HOURS * 3600_000) / BIN_MS;
const HISTORY_PER_INTEGRATION = 10;

export interface UsageBin {
  /** Epoch ms of the bin's start. */
  start: number;
  redirects: number;
  errors: number;
}

export interface StatusChangeEntry {
  at: string;
  from: string;
  to: string;
  trigger: string;
}

export interface IntegrationOverview {
  id: string;
  name: string;
  status: string;
  /** Oldest first; the last one ends at `until`. */
  bins: UsageBin[];
  totals: { redirects: number; errors: number; stsCalls: number };
  lastError: LastError | null;
  history: StatusChangeEntry[];
}

export interface OperationsOverview {
  /** When the overview was taken (epoch ms). */
  at: number;
  /** End of the last bin (epoch ms). */
  until: number;
  integrations: IntegrationOverview[];
}

export async function operationsOverview(env: Env, now = Date.now()): Promise<OperationsOverview> {
  await flushUsage(env); // this isolate's counts, so the page is current
  const d = db(env.DB);
  const until = now - (now % BIN_MS) + BIN_MS;
  const since = until - BINS * BIN_MS;
  const [rows, usage, lastErrors, audit] = await Promise.all([
    listIntegrationRows(d),
    readUsage(d, since, until),
    readLastErrors(d),
    d
      .prepare("select at, target_id, detail from audit_log where action = 'integration.status_change' order by id desc limit 1000")
      .all<{ at: number; target_id: string; detail: string }>()
      .then((r) => r.results),
  ]);
  const byId = new Map<string, IntegrationOverview>();
  const integrations = rows.map((r) => {
    const o: IntegrationOverview = {
      id: r.id,
      name: r.name,
      status: r.status,
      bins: Array.from({ length: BINS }, (_, i) => ({ start: since + i * BIN_MS, redirects: 0, errors: 0 })),
      totals: { redirects: 0, errors: 0, stsCalls: 0 },
      lastError: lastErrors.get(r.id) ?? null,
      history: [],
    };
    byId.set(r.id, o);
    return o;
  });
  for (const m of usage) {
    const o = byId.get(m.integration);
    if (!o) continue;
    const bin = o.bins[Math.floor((Date.parse(m.minute) - since) / BIN_MS)];
    if (!bin) continue;
    const errors = Object.values(m.errors).reduce((a, b) => a + b, 0);
    bin.redirects += m.redirects;
    bin.errors += errors;
    o.totals.redirects += m.redirects;
    o.totals.errors += errors;
    o.totals.stsCalls += m.stsCalls;
  }
  for (const a of audit) {
    const o = byId.get(a.target_id);
    if (!o || o.history.length >= HISTORY_PER_INTEGRATION) continue;
    const detail = JSON.parse(a.detail) as { from?: string; to?: string; trigger?: string };
    o.history.push({
      at: new Date(a.at).toISOString(),
      from: String(detail.from ?? "?"),
      to: String(detail.to ?? "?"),
      trigger: String(detail.trigger ?? "manual"),
    });
  }
  return { at: now, until, integrations };
}
