/**
 * Cacheable redirects under a TTL ceiling: inside one clock-aligned window (min(60 s, TTL/4))
 * the same request gets a byte-identical Location; no URL works longer than the effective TTL
 * after it is handed out, and max-age states exactly what is left.
 */
import { env } from "cloudflare:test";
import { expect, it, vi } from "vitest";
import { createRoleIntegration, follow, type World } from "../../support/harness";
import { worldPerTest } from "../../support/world-per-test";

let w: World;
worldPerTest((world) => (w = world));

function validity(loc: string) {
  const q = new URL(loc).searchParams;
  const d = q.get("X-Amz-Date")!;
  const start = Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +d.slice(9, 11), +d.slice(11, 13), +d.slice(13, 15));
  return { start, end: start + Number(q.get("X-Amz-Expires")) * 1000 };
}

function maxAgeOf(res: Response): number {
  return Number(/^private, max-age=(\d+)$/.exec(res.headers.get("cache-control")!)![1]);
}

/** Every URL handed out at `t` for an effective TTL: within the TTL, at least 3/4 of it, max-age exactly what is left. */
function expectCeiling(res: Response, t: number, ttl: number, windowSeconds: number) {
  const loc = res.headers.get("location")!;
  const v = validity(loc);
  expect(Number(new URL(loc).searchParams.get("X-Amz-Expires"))).toBe(ttl);
  expect(v.start % (windowSeconds * 1000)).toBe(0);
  expect(v.end).toBeLessThanOrEqual(t + ttl * 1000); // never longer than the TTL after it is handed out
  expect(v.end - t).toBeGreaterThanOrEqual((ttl - windowSeconds) * 1000); // at most one window short
  expect(maxAgeOf(res)).toBe(Math.floor((v.end - t) / 1000)); // max-age: what is really left
  return loc;
}

it("same window → byte-identical Location; next window → a new one; the TTL is a ceiling", async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  const t0 = Date.UTC(2026, 10, 22, 12, 0, 0);
  vi.setSystemTime(t0 + 1_000);
  const { id } = await createRoleIntegration(w);
  const at = async (t: number) => {
    vi.setSystemTime(t);
    const res = await w.call(`/v1/assets/${id}/media-bucket/a.txt`);
    return { res, loc: expectCeiling(res, t, 900, 60) };
  };
  const a = await at(t0 + 1_000);
  const b = await at(t0 + 59_999);
  expect(b.loc).toBe(a.loc);
  expect(maxAgeOf(b.res)).toBe(840);
  const c = await at(t0 + 60_000);
  expect(c.loc).not.toBe(a.loc);
  // The first URL still works at the last second it advertises, and not after.
  w.fake.now = () => validity(a.loc).end - 1;
  expect((await follow(a.res)).status).toBe(200);
  w.fake.now = () => validity(a.loc).end + 1_000;
  expect((await follow(a.res)).status).toBe(403);
});

// window = min(60 s, floor(ttl / 4)), at least 1 s
it.each([
  [60, 15],
  [61, 15],
  [240, 60],
  [900, 60],
  [7, 1],
  [1, 1],
])("ttl=%i: X-Amz-Expires is the TTL, the window %i s", async (ttl, windowSeconds) => {
  vi.useFakeTimers({ toFake: ["Date"] });
  const t0 = Date.UTC(2026, 10, 22, 12, 0, 0);
  vi.setSystemTime(t0);
  const { id } = await createRoleIntegration(w); // urlTtlSeconds: DEFAULT_URL_TTL (900)
  const path = `/v1/assets/${id}/media-bucket/a.txt?ttl=${ttl}`;
  const seen: string[] = [];
  for (const offset of [0, 1, windowSeconds * 1000 - 1, windowSeconds * 1000, windowSeconds * 1000 + 999]) {
    vi.setSystemTime(t0 + offset);
    seen.push(expectCeiling(await w.call(path), t0 + offset, ttl, windowSeconds));
  }
  expect(new Set(seen.slice(0, 3)).size).toBe(1); // one window: one URL
  expect(seen[3]).not.toBe(seen[0]);
  expect(seen[4]).toBe(seen[3]);
});

it("the integration's cap wins over a larger ttl, and over DEFAULT_URL_TTL", async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  const t0 = Date.UTC(2026, 10, 22, 12, 0, 30);
  vi.setSystemTime(t0);
  const { id } = await createRoleIntegration(w, { fields: { urlTtlSeconds: 300 } });
  expectCeiling(await w.call(`/v1/assets/${id}/media-bucket/a.txt?ttl=86400`), t0, 300, 60);
  expectCeiling(await w.call(`/v1/assets/${id}/media-bucket/a.txt`), t0, 300, 60);
  expectCeiling(await w.call(`/v1/assets/${id}/media-bucket/a.txt?ttl=100`), t0, 100, 25);
});

it("credentials shorter than the TTL: the URL fits the session, still within the TTL", async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  const t0 = Date.UTC(2026, 10, 22, 12, 0, 20);
  vi.setSystemTime(t0);
  const { id } = await createRoleIntegration(w, { fields: { sessionDurationSeconds: 900, urlTtlSeconds: 3600 } });
  const res = await w.call(`/v1/assets/${id}/media-bucket/a.txt`);
  const loc = res.headers.get("location")!;
  const expires = Number(new URL(loc).searchParams.get("X-Amz-Expires"));
  expect(expires).toBe(890); // the session (900 s) less twice the clock-skew margin
  expectCeiling(res, t0, expires, 60);
  const akid = new URL(loc).searchParams.get("X-Amz-Credential")!.split("/")[0]!;
  expect(validity(loc).end).toBeLessThanOrEqual(w.fake.issued.get(akid)!.expiration);
});

it("updates lastUsedAt after the response, at most once a minute per isolate", async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  const t0 = Date.UTC(2026, 10, 22, 12, 0, 0);
  vi.setSystemTime(t0);
  const { id } = await createRoleIntegration(w);
  const lastUsed = async () =>
    (await env.DB.prepare("select last_used_at from integrations where id = ?").bind(id).first<{ last_used_at: number | null }>())!.last_used_at;
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
