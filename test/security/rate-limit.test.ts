/** Per-client-IP rate limits on /v1/* (binding, or the in-isolate fallback), 429 in the JSON shape. */
import { afterEach, describe, expect, it } from "vitest";
import type { Env } from "../../worker/env";
import { forgetRateLimits } from "../../worker/http/rate-limit";
import { errorOf, newWorld, type World } from "../support/harness";

let w: World;
afterEach(() => {
  forgetRateLimits();
  w.close();
});

describe("rate limiting", () => {
  it("the fallback limiter answers 429 with Retry-After past the limit, per client IP", async () => {
    forgetRateLimits();
    w = await newWorld({ RATE_LIMIT_PER_MINUTE: "5" });
    (w.env as { RATE_LIMITER?: unknown }).RATE_LIMITER = undefined;
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await w.call("/v1/redirect?url=https://example.com/x", { ip: "198.51.100.9" })).status);
    expect(statuses.slice(0, 5).every((s) => s === 400)).toBe(true);
    expect(statuses.slice(5)).toEqual([429, 429]);
    const limited = await w.call("/v1/redirect?url=https://example.com/x", { ip: "198.51.100.9" });
    expect(limited.headers.get("retry-after")).toBe("60");
    const err = await errorOf(limited);
    expect(err.code).toBe("rate_limited");
    expect(err.requestId).toBe(limited.headers.get("x-request-id"));
    // another address is not affected
    expect((await w.call("/v1/redirect?url=https://example.com/x", { ip: "198.51.100.10" })).status).toBe(400);
  });

  it("uses the Workers rate-limiting binding when bound, keyed by client IP", async () => {
    w = await newWorld();
    const keys: string[] = [];
    (w.env as Env).RATE_LIMITER = { limit: async ({ key }: { key: string }) => (keys.push(key), { success: key !== "192.0.2.66" }) } as unknown as RateLimit;
    expect((await w.call("/v1/redirect?url=https://example.com/x", { ip: "192.0.2.1" })).status).toBe(400);
    const res = await w.call("/v1/redirect?url=https://example.com/x", { ip: "192.0.2.66" });
    expect(res.status).toBe(429);
    expect(keys).toEqual(["192.0.2.1", "192.0.2.66"]);
  });
});
