/**
 * The admin page's "Operations" section, rendered on the server: per integration a 24-hour
 * chart of redirects and errors (inline SVG, no library, no script), the last error with its
 * request id, and the status history from the audit log.
 */
import type { IntegrationOverview, OperationsOverview } from "../worker/ops/overview";
import { BIN_MS, CHART_HOURS } from "../worker/ops/overview";

const W = 576;
const H = 120;
const PAD_TOP = 14;
const PAD_BOTTOM = 18;

export const operationsStyles = `
.ops-list { display: grid; gap: 1rem; }
.ops-item { border: 1px solid var(--border); border-radius: var(--radius); padding: .75rem 1rem; background: var(--surface); }
.ops-item h3 { display: flex; gap: .5rem; align-items: baseline; margin: 0 0 .5rem; }
.ops-chart { width: 100%; max-width: ${W}px; height: auto; display: block; }
.ops-chart .r { fill: var(--accent); }
.ops-chart .e { fill: var(--fail); }
.ops-chart .axis { stroke: var(--border); stroke-width: 1; }
.ops-chart text { fill: var(--muted); font-size: 10px; font-family: inherit; }
.ops-legend { display: flex; gap: 1rem; flex-wrap: wrap; margin: .25rem 0 .5rem; }
.ops-legend .swatch { display: inline-block; width: .7em; height: .7em; border-radius: 2px; margin-right: .3em; vertical-align: baseline; }
.ops-legend .swatch.r { background: var(--accent); }
.ops-legend .swatch.e { background: var(--fail); }
.ops-history { margin: .25rem 0 0; padding-left: 1.2rem; }
.ops-status { font-size: .85em; padding: 0 .4em; border-radius: 4px; background: var(--skip-bg); color: var(--skip); }
.ops-status.valid { background: var(--pass-bg); color: var(--pass); }
.ops-status.invalid { background: var(--fail-bg); color: var(--fail); }
`;

function hhmm(t: number): string {
  return new Date(t).toISOString().slice(11, 16);
}

function niceMax(n: number): number {
  if (n <= 5) return 5;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) if (m * p >= n) return m * p;
  return n;
}

export function UsageChart(p: { item: IntegrationOverview }) {
  const { bins, totals } = p.item;
  const max = niceMax(Math.max(...bins.map((b) => Math.max(b.redirects, b.errors)), 0));
  const plotH = H - PAD_TOP - PAD_BOTTOM;
  const slot = W / bins.length;
  const barW = Math.max(1, slot - 1);
  const y = (v: number) => PAD_TOP + plotH - (v / max) * plotH;
  const label = `${p.item.name}: ${totals.redirects} redirects and ${totals.errors} errors in the last ${CHART_HOURS} hours (15-minute bars, UTC).`;
  return (
    <svg
      class="ops-chart"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={label}
      data-redirects={String(totals.redirects)}
      data-errors={String(totals.errors)}
      xmlns="http://www.w3.org/2000/svg"
    >
      <title>{label}</title>
      <line class="axis" x1="0" y1={String(PAD_TOP + plotH)} x2={String(W)} y2={String(PAD_TOP + plotH)} />
      <line class="axis" x1="0" y1={String(PAD_TOP)} x2={String(W)} y2={String(PAD_TOP)} stroke-dasharray="2 3" />
      <text x="2" y={String(PAD_TOP - 3)}>
        {String(max)}
      </text>
      {bins.map((b, i) => {
        if (b.redirects === 0 && b.errors === 0) return null;
        const x = i * slot;
        const tip = `${hhmm(b.start)}–${hhmm(b.start + BIN_MS)} UTC: ${b.redirects} redirects, ${b.errors} errors`;
        return (
          <g>
            <title>{tip}</title>
            {b.redirects > 0 && (
              <rect class="r" x={x.toFixed(1)} y={y(b.redirects).toFixed(1)} width={barW.toFixed(1)} height={(PAD_TOP + plotH - y(b.redirects)).toFixed(1)} />
            )}
            {b.errors > 0 && (
              <rect
                class="e"
                x={(x + barW / 4).toFixed(1)}
                y={y(b.errors).toFixed(1)}
                width={(barW / 2).toFixed(1)}
                height={(PAD_TOP + plotH - y(b.errors)).toFixed(1)}
              />
            )}
          </g>
        );
      })}
      <text x="2" y={String(H - 4)}>{`${CHART_HOURS} h ago`}</text>
      <text x={String(W - 2)} y={String(H - 4)} text-anchor="end">
        now
      </text>
    </svg>
  );
}

function IntegrationOps(p: { item: IntegrationOverview }) {
  const { item } = p;
  return (
    <article class="ops-item" data-integration={item.id} aria-labelledby={`ops-${item.id}`}>
      <h3 id={`ops-${item.id}`}>
        {item.name} <code class="muted">{item.id}</code> <span class={`ops-status ${item.status}`}>{item.status}</span>
      </h3>
      <UsageChart item={item} />
      <p class="ops-legend">
        <span>
          <span class="swatch r" aria-hidden="true"></span>
          {`${item.totals.redirects} redirects`}
        </span>
        <span>
          <span class="swatch e" aria-hidden="true"></span>
          {`${item.totals.errors} errors`}
        </span>
        <span class="muted">{`credential calls: ${item.totals.stsCalls}`}</span>
      </p>
      <p data-last-error>
        {item.lastError ? (
          <>
            Last error: <code>{item.lastError.code}</code> ({String(item.lastError.status)}) at {new Date(item.lastError.at).toISOString()}, request id{" "}
            <code>{item.lastError.requestId}</code>
          </>
        ) : (
          <span class="muted">No error recorded.</span>
        )}
      </p>
      <details>
        <summary>Status history ({String(item.history.length)})</summary>
        {item.history.length === 0 ? (
          <p class="muted">No status change recorded yet.</p>
        ) : (
          <ol class="ops-history" data-status-history>
            {item.history.map((h) => (
              <li>
                {h.at}: {h.from} → <strong>{h.to}</strong> <span class="muted">({h.trigger})</span>
              </li>
            ))}
          </ol>
        )}
      </details>
    </article>
  );
}

export function OperationsSection(p: { overview: OperationsOverview; nonce: string }) {
  return (
    <section class="card" id="operations" aria-labelledby="operations-title">
      <style nonce={p.nonce} dangerouslySetInnerHTML={{ __html: operationsStyles }} />
      <div class="card-head">
        <h2 id="operations-title">Operations</h2>
      </div>
      <p class="muted">
        Redirects and errors per integration over the last {String(CHART_HOURS)} hours, as of{" "}
        {new Date(p.overview.at).toISOString().slice(0, 16).replace("T", " ")} UTC (counts may lag by a minute). Reload the page to update.
      </p>
      {p.overview.integrations.length === 0 ? (
        <p class="empty">No integrations yet.</p>
      ) : (
        <div class="ops-list">
          {p.overview.integrations.map((item) => (
            <IntegrationOps item={item} />
          ))}
        </div>
      )}
    </section>
  );
}
