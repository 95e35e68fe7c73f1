/**
 * Cacheable redirects: inside one clock-aligned window the same request gets a byte-identical
 * Location; the advertised validity (X-Amz-Expires, max-age) is always true.
 */
import { env } from "cloudflare:test";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { createRoleIntegration, follow, newWorld, type World } from "../support/harness";

let w: World;
beforeEach(async () => {
  w = await newWorld();
  w.fake.addBucket({ name: "media-bucket", region: "us-east-1", objects: { "a.txt": "A" } });
});
afterEach(() => {
  vi.useRealTimers();
  w.close();
});

function validity(loc: string) {
  const q = new URL(loc).searchParams;
  const d = q.get("X-Amz-Date")!;
  const start = Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +d.slice(9, 11), +d.slice(11, 13), +d.slice(13, 15));
  return { start, end: start + Number(q.get("X-Amz-Expires")) * 1000 };
}

it("same window → byte-identical Location; next window → a new one; validity always true", async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  const t0 = Date.UTC(2026, 10, 22, 12, 0, 0);
  vi.setSystemTime(t0 + 1_000);
  const { id } = await createRoleIntegration(w);
  const at = async (t: number) => {
    vi.setSystemTime(t);
    const res = await w.call(`/v1/assets/${id}/media-bucket/a.txt`);
    const loc = res.headers.get("location")!;
    const maxAge = Number(/^private, max-age=(\d+)$/.exec(res.headers.get("cache-control")!)![1]);
    const v = validity(loc);
    expect(v.start % 60_000).toBe(0);
    expect(v.end).toBeGreaterThanOrEqual(t + 900_000); // at least the TTL ahead
    expect(t + maxAge * 1000).toBeLessThanOrEqual(v.end); // max-age never past the validity
    expect(maxAge).toBeGreaterThanOrEqual(900);
    return { res, loc };
  };
  const a = await at(t0 + 1_000);
  const b = await at(t0 + 59_999);
  expect(b.loc).toBe(a.loc);
  const c = await at(t0 + 60_000);
  expect(c.loc).not.toBe(a.loc);
  // The first URL still works at the last second it advertises.
  w.fake.now = () => validity(a.loc).end - 1;
  expect((await follow(a.res)).status).toBe(200);
  w.fake.now = () => validity(a.loc).end + 1_000;
  expect((await follow(a.res)).status).toBe(403);
});

it("updates lastUsedAt after the response, at most once a minute per isolate", async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  const t0 = Date.UTC(2026, 10, 22, 12, 0, 0);
  vi.setSystemTime(t0);
  const { id } = await createRoleIntegration(w);
  const lastUsed = async () => (await env.DB.prepare("select last_used_at from integrations where id = ?").bind(id).first<{ last_used_at: number | null }>())!.last_used_at;
  expect(await lastUsed()).toBeNull();
  await w.call(`/v1/assets/${id}/media-bucket/a.txt`);
  expect(await lastUsed()).toBe(t0);
  vi.setSystemTime(t0 + 30_000);
  await w.call(`/v1/assets/${id}/media-bucket/a.txt`);
  expect(await lastUsed()).toBe(t0); // throttled: no write
  vi.setSystemTime(t0 + 61_000);
  await w.call(`/v1/assets/${id}/media-bucket/a.txt`);
  expect(await lastUsed()).toBe(t0 + 61_000);
  const json = (await (await w.admin("GET", `/admin/api/integrations/${id}`)).json()) as { lastUsedAt: string };
  expect(json.lastUsedAt).toBe(new Date(t0 + 61_000).toISOString());
});
