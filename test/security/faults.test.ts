/** STS and S3 faults: outages, slow answers, expired caches, KV unavailable. */
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { Env } from "../../worker/env";
import { forgetCredentials } from "../../worker/providers/aws/credentials";
import { createRoleIntegration, errorOf, follow, type World } from "../support/harness";
import { worldPerTest } from "../support/world-per-test";

let w: World;
worldPerTest((world) => (w = world));

const expiresOf = (loc: string) => Number(new URL(loc).searchParams.get("X-Amz-Expires"));

describe("faults", () => {
  it("while STS is down, keeps serving cached credentials with a shortened TTL, then 503", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const t0 = Date.UTC(2026, 10, 22, 12, 0, 0);
    vi.setSystemTime(t0);
    const { id } = await createRoleIntegration(w, { fields: { sessionDurationSeconds: 900, urlTtlSeconds: 600 } });
    expect((await w.call(`/v1/assets/${id}/media-bucket/a.txt`)).status).toBe(302);
    w.fake.failNext("sts", 1000, "503");
    // 8 minutes in, credentials (15 min) cannot cover 600 s + window any more: STS is down.
    vi.setSystemTime(t0 + 8 * 60_000);
    const res = await w.call(`/v1/assets/${id}/media-bucket/a.txt`);
    expect(res.status).toBe(302);
    const loc = res.headers.get("location")!;
    expect(expiresOf(loc)).toBeLessThan(600);
    expect(expiresOf(loc)).toBeGreaterThan(0);
    const maxAge = Number(/max-age=(\d+)/.exec(res.headers.get("cache-control")!)![1]);
    expect(maxAge).toBeLessThanOrEqual(expiresOf(loc));
    expect(res.headers.get("x-signpost-degraded")).toContain("ttl-shortened");
    const issued = w.fake.issued.get(new URL(loc).searchParams.get("X-Amz-Credential")!.split("/")[0]!)!;
    expect(t0 + 8 * 60_000 - 60_000 + expiresOf(loc) * 1000).toBeLessThanOrEqual(issued.expiration);
    w.fake.now = () => Date.now();
    expect((await follow(res)).status).toBe(200);
    // After the credentials are gone: 503 with Retry-After.
    vi.setSystemTime(t0 + 16 * 60_000);
    const gone = await w.call(`/v1/assets/${id}/media-bucket/a.txt`);
    expect(gone.status).toBe(503);
    expect(gone.headers.get("retry-after")).toBeTruthy();
    expect((await errorOf(gone)).code).toBe("sts_unavailable");
  });

  it("slow STS answers within the timeout still succeed", async () => {
    const { id } = await createRoleIntegration(w);
    w.fake.failNext("sts", 1, { delayMs: 300 });
    expect((await w.call(`/v1/assets/${id}/media-bucket/a.txt`)).status).toBe(302);
  });

  it("expired credentials in KV are not used: a new isolate assumes the role again", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const t0 = Date.UTC(2026, 10, 22, 12, 0, 0);
    vi.setSystemTime(t0);
    const { id } = await createRoleIntegration(w, { fields: { sessionDurationSeconds: 900, urlTtlSeconds: 300 } });
    await w.call(`/v1/assets/${id}/media-bucket/a.txt`);
    expect(w.fake.count("AssumeRole")).toBe(1);
    forgetCredentials();
    vi.setSystemTime(t0 + 14 * 60_000); // KV still holds them (expiration not reached), but they cannot cover a URL
    const res = await w.call(`/v1/assets/${id}/media-bucket/a.txt`);
    expect(res.status).toBe(302);
    expect(w.fake.count("AssumeRole")).toBe(2);
    w.fake.now = () => Date.now();
    expect((await follow(res)).status).toBe(200);
  });

  it("KV unavailable: signing goes on through STS", async () => {
    const { id } = await createRoleIntegration(w);
    const failingKv = new Proxy(env.CREDENTIALS, {
      get(t, p) {
        if (p === "get" || p === "put" || p === "list") return () => Promise.reject(new Error("KV is unavailable"));
        return Reflect.get(t, p);
      },
    });
    const e = { ...w.env, CREDENTIALS: failingKv } as Env;
    const { createExecutionContext, waitOnExecutionContext } = await import("cloudflare:test");
    const worker = (await import("../../worker/index")).default;
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request(`https://signpost.test/v1/assets/${id}/media-bucket/a.txt`, { headers: { "cf-connecting-ip": "203.0.113.7" } }),
      e,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(302);
    expect(await (await follow(res)).text()).toBe("A");
  });

  it("S3 faults during validation are reported as failed checks, not 500s", async () => {
    const { id } = await createRoleIntegration(w);
    w.fake.failNext("s3", 1000, "503");
    const res = await w.admin("POST", `/admin/api/integrations/${id}/validate`, { sampleKey: "a.txt" });
    expect(res.status).toBe(200);
    const r = (await res.json()) as { ok: boolean; checks: Array<{ name: string; status: string; hint?: string }> };
    expect(r.ok).toBe(false);
    expect(r.checks.find((c) => c.name === "get_object")!.status).toBe("fail");
  });
});
