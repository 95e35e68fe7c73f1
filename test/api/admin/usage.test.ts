/** Per-minute usage counts: counted in memory, flushed at most once a minute, read back by GET /admin/api/usage, pruned by the cron. */
import { expect, it, vi } from "vitest";
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../../worker/index";
import { createRoleIntegration, errorOf, testEnv, type World } from "../../support/harness";
import { worldPerTest } from "../../support/world-per-test";

let w: World;
worldPerTest((world) => (w = world));

type Series = Array<{ integration: string; minute: string; redirects: number; errors: Record<string, number>; stsCalls: number }>;

async function usage(query = ""): Promise<Series> {
  const res = await w.admin("GET", `/admin/api/usage${query}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { series: Series }).series;
}

const stored = async (id: string) =>
  (
    await testEnv.DB.prepare("select metric, sum(count) as n from usage_counts where integration_id = ? group by metric")
      .bind(id)
      .all<{ metric: string; n: number }>()
  ).results.reduce<Record<string, number>>((o, r) => ({ ...o, [r.metric]: r.n }), {});

it("counts redirects, errors by code and STS calls per integration and minute", async () => {
  const { id } = await createRoleIntegration(w);
  const other = await createRoleIntegration(w, { name: "Other", roleName: "other-role" });
  for (let i = 0; i < 4; i++) expect((await w.call(`/v1/assets/${id}/media-bucket/a.txt`)).status).toBe(302);
  expect((await w.call(`/v1/redirect?url=${encodeURIComponent("s3://media-bucket/a.txt")}&integration=${id}`)).status).toBe(302);
  for (let i = 0; i < 2; i++) expect((await w.call(`/v1/assets/${id}/not-scoped/a.txt`)).status).toBe(403);
  expect((await w.call(`/v1/assets/${other.id}/media-bucket/a.txt`)).status).toBe(302);
  const series = await usage();
  const mine = series.filter((s) => s.integration === id);
  const total = (k: "redirects" | "stsCalls") => mine.reduce((n, s) => n + s[k], 0);
  expect(total("redirects")).toBe(5);
  expect(total("stsCalls")).toBe(1); // one AssumeRole; the rest were served from the cache
  expect(mine.reduce((n, s) => n + (s.errors.scope_not_allowed ?? 0), 0)).toBe(2);
  for (const s of series) expect(new Date(s.minute).getTime() % 60_000).toBe(0);
  expect(series.filter((s) => s.integration === other.id).reduce((n, s) => n + s.redirects, 0)).toBe(1);
  // ?integration= narrows the series
  expect((await usage(`?integration=${other.id}`)).every((s) => s.integration === other.id)).toBe(true);
});

it("writes to D1 at most once a minute per isolate, after the response", async () => {
  const { id } = await createRoleIntegration(w);
  const real = Date.now;
  await w.call(`/v1/assets/${id}/media-bucket/a.txt`); // the isolate's first count is flushed at once
  expect(await stored(id)).toEqual({ redirects: 1, sts_calls: 1 });
  for (let i = 0; i < 5; i++) await w.call(`/v1/assets/${id}/media-bucket/a.txt`);
  expect(await stored(id)).toEqual({ redirects: 1, sts_calls: 1 }); // still in memory
  vi.spyOn(Date, "now").mockImplementation(() => real() + 61_000);
  await w.call(`/v1/assets/${id}/media-bucket/a.txt`);
  expect(await stored(id)).toEqual({ redirects: 7, sts_calls: 1 });
});

it("the default window is the last 24 hours; since/until select others", async () => {
  const { id } = await createRoleIntegration(w);
  const now = Date.now();
  const minute = (t: number) => t - (t % 60_000);
  const old = minute(now - 25 * 3600_000);
  await testEnv.DB.prepare("insert into usage_counts (integration_id, minute, metric, count) values (?, ?, 'redirects', 9), (?, ?, 'error:upstream_error', 2)")
    .bind(id, old, id, old)
    .run();
  expect((await usage()).some((s) => s.minute === new Date(old).toISOString())).toBe(false);
  const since = new Date(old - 60_000).toISOString();
  const until = new Date(old + 60_000).toISOString();
  expect(await usage(`?since=${since}&until=${until}`)).toEqual([
    { integration: id, minute: new Date(old).toISOString(), redirects: 9, errors: { upstream_error: 2 }, stsCalls: 0 },
  ]);
});

it("refuses bad queries with a clear 400 (or 404 for an unknown integration, 401 without auth)", async () => {
  for (const q of [
    "?since=yesterday",
    "?since=2026-13-45T00:00:00Z",
    "?since=2026-01-01",
    "?until=2026-01-01T00:00:00Z&since=2026-01-02T00:00:00Z",
    "?since=2026-01-01T00:00:00Z&until=2026-02-01T00:00:00Z",
    "?foo=1",
    "?integration=a/b",
    "?since=2026-01-01T00:00:00Z&since=2026-01-01T00:00:00Z",
  ]) {
    const res = await w.admin("GET", `/admin/api/usage${q}`);
    expect(res.status, q).toBe(400);
    const e = await errorOf(res);
    expect(e.code).toBe("invalid_request");
    expect(e.message).toMatch(/^(since|until|integration|foo|body)|unknown field/);
  }
  const missing = await w.admin("GET", "/admin/api/usage?integration=int_doesnotexist");
  expect(missing.status).toBe(404);
  expect((await errorOf(missing)).code).toBe("integration_not_found");
  expect((await w.call("/admin/api/usage")).status).toBe(401);
});

it("the cron keeps at least 7 days and prunes older rows", async () => {
  const { id } = await createRoleIntegration(w);
  const now = Date.now();
  const minute = (t: number) => t - (t % 60_000);
  const days = (n: number) => minute(now - n * 24 * 3600_000);
  for (const t of [days(9), days(8.5), days(7), days(1)]) {
    await testEnv.DB.prepare("insert into usage_counts (integration_id, minute, metric, count) values (?, ?, 'redirects', 1)").bind(id, t).run();
  }
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "0 * * * *" }), w.env);
  await waitOnExecutionContext(ctx);
  const left = (
    await testEnv.DB.prepare("select minute from usage_counts where integration_id = ? order by minute").bind(id).all<{ minute: number }>()
  ).results.map((r) => r.minute);
  expect(left).toEqual([days(7), days(1)]);
});
