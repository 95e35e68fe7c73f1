/**
 * The warm redirect does no I/O: no D1 query, no KV read, no rate-limiter call, no outbound fetch; and its only
 * crypto is one SHA-256 (the canonical request) and one HMAC (the signature).
 */
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import type { Env } from "../../../worker/env";
import { signingKeyDerivations } from "../../../worker/aws/sigv4";
import { createRoleIntegration, newWorld, testEnv, type World } from "../../support/harness";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../../worker/index";

let w: World;
beforeEach(async () => {
  w = await newWorld();
  w.fake.addBucket({ name: "media-bucket", region: "us-east-1", objects: { "a.txt": "A", "b.txt": "B" } });
});
afterEach(() => {
  vi.restoreAllMocks();
  w.close();
});

/** Wraps a binding so every method call on it is counted. */
function counted<T extends object>(target: T, log: string[], name: string): T {
  return new Proxy(target, {
    get(t, prop, recv) {
      const v = Reflect.get(t, prop, recv);
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => {
        log.push(`${name}.${String(prop)}`);
        return (v as (...a: unknown[]) => unknown).apply(t, args);
      };
    },
  });
}

it("a warm redirect touches neither D1, KV, a rate limiter nor the network, and derives no key", async () => {
  const { id } = await createRoleIntegration(w);
  await w.call(`/v1/assets/${id}/media-bucket/a.txt`); // cold: fills the caches
  const io: string[] = [];
  const limiter = (name: string) => counted({ limit: async () => ({ success: true }) } as unknown as RateLimit, io, name);
  const env = {
    ...w.env,
    DB: counted(testEnv.DB, io, "D1"),
    CREDENTIALS: counted(testEnv.CREDENTIALS, io, "KV"),
    RATE_LIMITER: limiter("RATE_LIMITER"),
    FAILURE_RATE_LIMITER: limiter("FAILURE_RATE_LIMITER"),
    LOGIN_RATE_LIMITER: limiter("LOGIN_RATE_LIMITER"),
    INVITE_RATE_LIMITER: limiter("INVITE_RATE_LIMITER"),
  } as Env;
  const fetchesBefore = w.fake.calls.length;
  const derivationsBefore = signingKeyDerivations();
  const digest = vi.spyOn(crypto.subtle, "digest");
  const sign = vi.spyOn(crypto.subtle, "sign");
  const importKey = vi.spyOn(crypto.subtle, "importKey");
  for (const key of ["a.txt", "b.txt", "a.txt"]) {
    digest.mockClear();
    sign.mockClear();
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request(`https://signpost.test/v1/assets/${id}/media-bucket/${key}`, { headers: { "cf-connecting-ip": "203.0.113.7" } }),
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(302);
    expect(digest).toHaveBeenCalledTimes(1);
    expect(sign).toHaveBeenCalledTimes(1);
  }
  expect(io).toEqual([]);
  expect(w.fake.calls.length).toBe(fetchesBefore);
  expect(signingKeyDerivations()).toBe(derivationsBefore);
  expect(importKey).not.toHaveBeenCalled();
});

it("derives the signing key once per credentials, day and region", async () => {
  const { id } = await createRoleIntegration(w);
  const before = signingKeyDerivations();
  await Promise.all(Array.from({ length: 20 }, (_, i) => w.call(`/v1/assets/${id}/media-bucket/${i % 2 ? "a" : "b"}.txt`)));
  expect(signingKeyDerivations() - before).toBe(1);
});
