/** Credentials: single-flight, lifetime rules, STS failures, the KV cache. */
import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createRoleIntegration, errorOf, follow, newWorld, type World } from "../../support/harness";
import { forgetCredentials } from "../../../worker/providers/aws/credentials";

let w: World;
const BUCKET = "media-bucket";

beforeEach(async () => {
  w = await newWorld();
  w.fake.addBucket({ name: BUCKET, region: "us-east-1", objects: { "a.txt": "A" } });
});
afterEach(() => {
  vi.useRealTimers();
  w.close();
});

function amzExpiry(location: string): number {
  const q = new URL(location).searchParams;
  const d = q.get("X-Amz-Date")!;
  return (
    Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +d.slice(9, 11), +d.slice(11, 13), +d.slice(13, 15)) + Number(q.get("X-Amz-Expires")) * 1000
  );
}

function credentialsOf(location: string) {
  const akid = new URL(location).searchParams.get("X-Amz-Credential")!.split("/")[0]!;
  return w.fake.issued.get(akid)!;
}

describe("credential cache", () => {
  it("50 concurrent cold requests cause exactly one AssumeRole", async () => {
    const { id } = await createRoleIntegration(w);
    const results = await Promise.all(Array.from({ length: 50 }, () => w.call(`/v1/assets/${id}/${BUCKET}/a.txt`)));
    expect(results.every((r) => r.status === 302)).toBe(true);
    expect(w.fake.count("AssumeRole")).toBe(1);
    expect(new Set(results.map((r) => r.headers.get("location"))).size).toBe(1);
  });

  it("serves warm requests from memory, then from KV in a fresh isolate, without STS", async () => {
    const { id } = await createRoleIntegration(w);
    await w.call(`/v1/assets/${id}/${BUCKET}/a.txt`);
    await w.call(`/v1/assets/${id}/${BUCKET}/a.txt`);
    expect(w.fake.count("AssumeRole")).toBe(1);
    forgetCredentials(); // as a new isolate would start
    const res = await w.call(`/v1/assets/${id}/${BUCKET}/a.txt`);
    expect(await (await follow(res)).text()).toBe("A");
    expect(w.fake.count("AssumeRole")).toBe(1);
  });

  it("stores credentials in KV only encrypted, expiring with them", async () => {
    const { id } = await createRoleIntegration(w);
    const res = await w.call(`/v1/assets/${id}/${BUCKET}/a.txt`);
    const creds = credentialsOf(res.headers.get("location")!);
    const list = await env.CREDENTIALS.list();
    expect(list.keys.length).toBe(1);
    const key = list.keys[0]!;
    expect(key.name).toMatch(new RegExp(`^creds:v1:${id}:`));
    expect(key.expiration).toBe(Math.floor(creds.expiration / 1000));
    const raw = (await env.CREDENTIALS.get(key.name))!;
    expect(raw).toMatch(/^v1\./);
    for (const secret of [creds.secretAccessKey, creds.sessionToken, creds.accessKeyId]) expect(raw).not.toContain(secret);
  });

  it("never signs a URL that outlives its credentials: refreshes first when they cannot cover the TTL", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const t0 = Date.UTC(2026, 10, 22, 12, 0, 5);
    vi.setSystemTime(t0);
    const { id } = await createRoleIntegration(w, { fields: { sessionDurationSeconds: 900, urlTtlSeconds: 600 } });
    const first = await w.call(`/v1/assets/${id}/${BUCKET}/a.txt`);
    const c1 = credentialsOf(first.headers.get("location")!);
    expect(w.fake.count("AssumeRole")).toBe(1);
    // Walk through the whole session and beyond: every URL must end before its credentials do.
    for (let t = t0; t < t0 + 1800_000; t += 37_000) {
      vi.setSystemTime(t);
      const res = await w.call(`/v1/assets/${id}/${BUCKET}/a.txt`);
      expect(res.status).toBe(302);
      const loc = res.headers.get("location")!;
      const c = credentialsOf(loc);
      expect(amzExpiry(loc)).toBeLessThanOrEqual(c.expiration);
      expect(amzExpiry(loc)).toBeLessThanOrEqual(t + 600_000); // the TTL is a ceiling
      expect(amzExpiry(loc)).toBeGreaterThan(t + 600_000 - 60_000); // and at most one window short of it
      // The URL still works at the last second it claims.
      w.fake.now = () => amzExpiry(loc) - 1000;
      expect((await follow(res)).status).toBe(200);
      w.fake.now = () => Date.now();
    }
    expect(w.fake.count("AssumeRole")).toBeGreaterThan(1);
    expect(c1.expiration - t0).toBe(900_000);
  });

  it("caps the TTL to what a role session can cover", async () => {
    const { id } = await createRoleIntegration(w, { fields: { sessionDurationSeconds: 900, urlTtlSeconds: 3600 } });
    const res = await w.call(`/v1/assets/${id}/${BUCKET}/a.txt`);
    const loc = res.headers.get("location")!;
    expect(amzExpiry(loc)).toBeLessThanOrEqual(credentialsOf(loc).expiration);
  });
});

describe("STS failures", () => {
  it("AccessDenied (wrong External ID in the trust policy) → 502 role_cannot_be_assumed", async () => {
    const { id, roleArn } = await createRoleIntegration(w);
    w.fake.addRole({
      arn: roleArn,
      trustedPrincipals: ["arn:aws:iam::111122223333:user/signpost"],
      externalId: "something-else",
      policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] },
    });
    const res = await w.call(`/v1/assets/${id}/${BUCKET}/a.txt`);
    expect(res.status).toBe(502);
    const err = await errorOf(res);
    expect(err.code).toBe("role_cannot_be_assumed");
    expect(err.message).not.toContain("AccessDenied"); // STS's words stay out of public errors (test/security/public-errors.test.ts)
    expect(err.hint).toBeTruthy();
  });

  it("retries 5xx with backoff and succeeds", async () => {
    const { id } = await createRoleIntegration(w);
    w.fake.failNext("sts", 2, "503");
    const res = await w.call(`/v1/assets/${id}/${BUCKET}/a.txt`);
    expect(res.status).toBe(302);
    expect(w.fake.calls.filter((c) => c.action === "AssumeRole").length).toBe(3);
  });

  it.each(["throttle", "500", "network"] as const)("persistent %s → 503 sts_unavailable with Retry-After", async (kind) => {
    const { id } = await createRoleIntegration(w);
    w.fake.failNext("sts", 10, kind);
    const res = await w.call(`/v1/assets/${id}/${BUCKET}/a.txt`);
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await errorOf(res)).code).toBe("sts_unavailable");
  });

  it("a hanging STS times out into 503, not a hung request", async () => {
    const { id } = await createRoleIntegration(w);
    w.fake.failNext("sts", 10, "hang");
    const started = Date.now();
    const res = await w.call(`/v1/assets/${id}/${BUCKET}/a.txt`);
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("does not call STS again per request during an outage (one attempt per backoff window)", async () => {
    const { id } = await createRoleIntegration(w);
    w.fake.failNext("sts", 100, "503");
    await w.call(`/v1/assets/${id}/${BUCKET}/a.txt`);
    const after = w.fake.calls.filter((c) => c.action === "AssumeRole").length;
    const storm = await Promise.all(Array.from({ length: 30 }, () => w.call(`/v1/assets/${id}/${BUCKET}/a.txt`)));
    expect(storm.every((r) => r.status === 503 && r.headers.get("retry-after"))).toBe(true);
    expect(w.fake.calls.filter((c) => c.action === "AssumeRole").length).toBe(after);
  });
});
