/**
 * Rate limits per client IP: successful redirects are never limited (no limiter call at all),
 * failures (4xx) on /v1/* are, the server-side APIs keep their own limit, and wrong admin
 * credentials on /admin/api/* count like failed logins. 429 in the JSON shape, with Retry-After.
 */
import { SELF } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { Env } from "../../worker/env";
import { forgetRateLimits } from "../../worker/http/rate-limit";
import { apiToken, bearer, BASE, createRoleIntegration, errorOf, newWorld, testEnv, type World } from "../support/harness";

let w: World;
afterEach(() => {
  forgetRateLimits();
  w.close();
});

/** A limiter binding that records every call and allows the first `allow` per key. */
function recordingLimiter(calls: string[], name: string, allow = Infinity): RateLimit {
  const counts = new Map<string, number>();
  return {
    limit: async ({ key }: { key: string }) => {
      calls.push(`${name}:${key}`);
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      return { success: n <= allow };
    },
  } as unknown as RateLimit;
}

async function inBatches(total: number, width: number, one: (i: number) => Promise<number>): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < total; i += width) {
    statuses.push(...(await Promise.all(Array.from({ length: Math.min(width, total - i) }, (_, j) => one(i + j)))));
  }
  return statuses;
}

describe("with the bindings of wrangler.toml as shipped", () => {
  it("5 000 redirects from one address are 5 000 302s; 4xx answers from one address end in 429", async () => {
    forgetRateLimits();
    w = await newWorld();
    const { id } = await createRoleIntegration(w);
    expect(testEnv.RATE_LIMITER).toBeDefined(); // the shipped limits are really in force here
    expect(testEnv.FAILURE_RATE_LIMITER).toBeDefined();
    const ip = "198.51.100.200";
    const statuses = await inBatches(5000, 50, async (i) => {
      const res = await SELF.fetch(`${BASE}/v1/assets/${id}/media-bucket/img/${i % 40}.jpg`, { headers: { "cf-connecting-ip": ip }, redirect: "manual" });
      await res.body?.cancel();
      return res.status;
    });
    expect(statuses.filter((s) => s === 302).length).toBe(5000);

    // Enumeration of integration ids from the same address: limited after 300 failures a minute
    // (a fixed window: the probes may straddle one boundary, so at most 600 get through).
    let before429 = 0;
    let limited = 0;
    for (let batch = 0; batch < 20 && limited === 0; batch++) {
      const probes = await inBatches(50, 50, async (i) => {
        const res = await SELF.fetch(`${BASE}/v1/assets/no-such-${batch}-${i}/media-bucket/a.jpg`, { headers: { "cf-connecting-ip": ip }, redirect: "manual" });
        await res.body?.cancel();
        return res.status;
      });
      expect(probes.every((s) => s === 404 || s === 429)).toBe(true);
      limited += probes.filter((s) => s === 429).length;
      if (limited === 0) before429 += probes.length;
    }
    expect(limited).toBeGreaterThan(0);
    expect(before429).toBeLessThanOrEqual(600);
    // Still: its real traffic goes through.
    const ok = await SELF.fetch(`${BASE}/v1/assets/${id}/media-bucket/img/1.jpg`, { headers: { "cf-connecting-ip": ip }, redirect: "manual" });
    expect(ok.status).toBe(302);
  }, 120_000);
});

describe("failures on /v1/* (in-isolate fallback)", () => {
  it("enumeration gets 429 rate_limited with Retry-After and CORS once over FAILURE_RATE_LIMIT_PER_MINUTE, per client IP", async () => {
    forgetRateLimits();
    w = await newWorld({ FAILURE_RATE_LIMIT_PER_MINUTE: "5" });
    const { id } = await createRoleIntegration(w, { scopes: ["media-bucket/public/"] });
    const origin = { origin: "https://label.example.com" };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await w.call(`/v1/assets/guess-${i}/media-bucket/a.jpg`, { ip: "198.51.100.9", headers: origin })).status);
    expect(statuses).toEqual([404, 404, 404, 404, 404]);
    // 403s (outside the scopes) and 400s count too
    const limited = await w.call(`/v1/assets/${id}/media-bucket/private/a.jpg`, { ip: "198.51.100.9", headers: origin });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(limited.headers.get("access-control-allow-origin")).toBe("https://label.example.com");
    const err = await errorOf(limited);
    expect(err.code).toBe("rate_limited");
    expect(err.requestId).toBe(limited.headers.get("x-request-id"));
    expect((await w.call("/v1/redirect?url=https://example.com/x", { ip: "198.51.100.9" })).status).toBe(429);
    // successful redirects of the same address are not throttled
    expect((await w.call(`/v1/assets/${id}/media-bucket/public/a.jpg`, { ip: "198.51.100.9" })).status).toBe(302);
    // another address is not affected
    expect((await w.call("/v1/assets/guess-x/media-bucket/a.jpg", { ip: "198.51.100.10" })).status).toBe(404);
  });

  it("uses FAILURE_RATE_LIMITER when bound, keyed by client IP, and only for failures", async () => {
    w = await newWorld();
    const calls: string[] = [];
    const env = w.env as Env;
    env.FAILURE_RATE_LIMITER = recordingLimiter(calls, "failure", 2);
    env.RATE_LIMITER = recordingLimiter(calls, "v1");
    const { id } = await createRoleIntegration(w);
    for (let i = 0; i < 20; i++) expect((await w.call(`/v1/assets/${id}/media-bucket/${i}.jpg`, { ip: "192.0.2.1" })).status).toBe(302);
    expect((await w.call(`/v1/redirect?url=${encodeURIComponent("https://media-bucket.s3.us-east-1.amazonaws.com/a.jpg")}`, { ip: "192.0.2.1" })).status).toBe(
      302,
    );
    expect(calls).toEqual([]);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await w.call(`/v1/assets/nope/media-bucket/a.jpg`, { ip: "192.0.2.66" })).status);
    expect(statuses).toEqual([404, 404, 429]);
    expect(calls).toEqual(["failure:192.0.2.66", "failure:192.0.2.66", "failure:192.0.2.66"]);
  });
});

describe("the server-side APIs", () => {
  it("keep RATE_LIMITER per client IP (every request), while redirects make no call", async () => {
    w = await newWorld();
    const calls: string[] = [];
    const env = w.env as Env;
    const { id } = await createRoleIntegration(w);
    const token = await apiToken(w);
    env.RATE_LIMITER = recordingLimiter(calls, "v1", 2);
    const sign = () =>
      w.call("/v1/sign", {
        method: "POST",
        ip: "192.0.2.7",
        headers: bearer(token, { "content-type": "application/json" }),
        body: JSON.stringify({ urls: ["s3://media-bucket/a.jpg"] }),
      });
    expect((await sign()).status).toBe(200);
    expect((await w.call(`/v1/integrations/${id}/objects`, { ip: "192.0.2.7", headers: bearer(token) })).status).not.toBe(429);
    const limited = await sign();
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect((await errorOf(limited)).code).toBe("rate_limited");
    expect((await w.call(`/v1/assets/${id}/media-bucket/a.jpg`, { ip: "192.0.2.7" })).status).toBe(302);
    expect(calls).toEqual(["v1:192.0.2.7", "v1:192.0.2.7", "v1:192.0.2.7"]);
  });

  it("the in-isolate fallback answers 429 past RATE_LIMIT_PER_MINUTE", async () => {
    forgetRateLimits();
    w = await newWorld({ RATE_LIMIT_PER_MINUTE: "3" });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await w.call("/v1/sign", { method: "POST", ip: "192.0.2.8", headers: { "content-type": "application/json" }, body: "{}" })).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });
});

describe("wrong admin credentials on /admin/api/*", () => {
  it("bearer guesses are limited like logins: 429 past the limit, then even the right token waits", async () => {
    forgetRateLimits();
    w = await newWorld({ LOGIN_RATE_LIMIT_PER_MINUTE: "3" });
    const guess = (token: string, ip = "198.51.100.50") => w.call("/admin/api/integrations", { ip, headers: { authorization: `Bearer ${token}` } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await guess(`guess-${i}-0123456789abcdef`)).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const right = await guess(testEnv.ADMIN_TOKEN!);
    expect(right.status).toBe(429);
    expect(right.headers.get("retry-after")).toBe("60");
    expect(right.headers.get("www-authenticate")).toBeNull();
    expect((await errorOf(right)).code).toBe("rate_limited");
    // the owner at another address is not locked out
    expect((await guess(testEnv.ADMIN_TOKEN!, "198.51.100.51")).status).toBe(200);
  });

  it("Access failures count the same way, through LOGIN_RATE_LIMITER when bound", async () => {
    w = await newWorld({ ACCESS_TEAM_DOMAIN: "acme.cloudflareaccess.com", ACCESS_AUD: "aud-0123456789abcdef" });
    const calls: string[] = [];
    (w.env as Env).LOGIN_RATE_LIMITER = recordingLimiter(calls, "login", 2);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await w.call("/admin/api/integrations", { ip: "198.51.100.60", headers: { "cf-access-jwt-assertion": `not.a.jwt${i}` } })).status);
    expect(statuses).toEqual([401, 401, 429]);
    expect(calls).toEqual(["login:198.51.100.60", "login:198.51.100.60", "login:198.51.100.60"]);
    // successful admin calls make no limiter call
    expect((await w.admin("GET", "/admin/api/integrations")).status).toBe(200);
    expect(calls.length).toBe(3);
  });
});
