/** GET /health, and the one structured log line per request (never a secret, key or signature). */
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../worker/index";
import type { Env } from "../../worker/env";
import { VERSION } from "../../worker/version";
import pkg from "../../package.json";
import { createRoleIntegration, newWorld, testEnv, type World } from "../support/harness";

let w: World;
let output: string[];
beforeEach(async () => {
  w = await newWorld({ REQUEST_LOG_SAMPLE_RATE: "1" });
  w.fake.addBucket({ name: "media-bucket", region: "us-east-1", objects: { "secret-plans/quarterly report xyzzy.pdf": "PDF" } });
  output = [];
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      output.push(args.map(String).join(" "));
    });
  }
});
afterEach(() => {
  vi.restoreAllMocks();
  w.close();
});

function requestLines(): Array<Record<string, unknown>> {
  return output.flatMap((l) => {
    try {
      const o = JSON.parse(l) as Record<string, unknown>;
      return o.type === "request" ? [o] : [];
    } catch {
      return [];
    }
  });
}

it("/health answers ok and the package version, without auth and without I/O", async () => {
  expect(VERSION).toBe(pkg.version);
  const io: string[] = [];
  const trap = <T extends object>(t: T, name: string) =>
    new Proxy(t, {
      get: (o, p, r) =>
        typeof Reflect.get(o, p, r) === "function"
          ? (...a: unknown[]) => (io.push(`${name}.${String(p)}`), (Reflect.get(o, p, r) as (...x: unknown[]) => unknown).apply(o, a))
          : Reflect.get(o, p, r),
    });
  const env = { ...w.env, DB: trap(testEnv.DB, "D1"), CREDENTIALS: trap(testEnv.CREDENTIALS, "KV") } as Env;
  const fetches = w.fake.calls.length;
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request("https://signpost.test/health"), env, ctx);
  await waitOnExecutionContext(ctx);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ ok: true, version: pkg.version });
  expect(res.headers.get("x-request-id")).toMatch(/^req_/);
  expect(io).toEqual([]);
  expect(w.fake.calls.length).toBe(fetches);
  expect(requestLines()).toEqual([expect.objectContaining({ route: "/health", status: 200, errorCode: null, integrationId: null })]);
});

it("one JSON line per request (successes sampled at rate 1 here) with route pattern, integration, status, duration, degraded and error code", async () => {
  const { id } = await createRoleIntegration(w);
  output.length = 0;
  const ok = await w.call(`/v1/assets/${id}/media-bucket/secret-plans/quarterly%20report%20xyzzy.pdf`);
  expect(ok.status).toBe(302);
  const denied = await w.call(`/v1/assets/${id}/other-bucket/x.txt`);
  expect(denied.status).toBe(403);
  const missing = await w.call(`/v1/assets/nope/media-bucket/x.txt`);
  expect(missing.status).toBe(404);
  const lines = requestLines();
  expect(lines).toHaveLength(3);
  expect(lines[0]).toEqual({
    type: "request",
    requestId: ok.headers.get("x-request-id"),
    method: "GET",
    route: "/v1/assets/*",
    integrationId: id,
    status: 302,
    durationMs: expect.any(Number),
    degraded: false,
    errorCode: null,
    sampleRate: 1,
  });
  expect(lines[1]).toMatchObject({ integrationId: id, status: 403, errorCode: "scope_not_allowed", requestId: denied.headers.get("x-request-id") });
  expect(lines[2]).toMatchObject({ integrationId: null, status: 404, errorCode: "integration_not_found" });
});

it("never writes a key, URL signature, session token, admin token or secret to the log", async () => {
  const { id, externalId } = await createRoleIntegration(w);
  output.length = 0;
  const res = await w.call(`/v1/assets/${id}/media-bucket/secret-plans/quarterly%20report%20xyzzy.pdf?ttl=300`);
  const location = new URL(res.headers.get("location")!);
  await w.admin("GET", `/admin/api/integrations/${id}`);
  await w.call("/admin/api/integrations", { headers: { authorization: "Bearer wrong-token-guess-123456" } });
  await w.call(`/v1/redirect?url=${encodeURIComponent("s3://media-bucket/secret-plans/quarterly report xyzzy.pdf")}`);
  const text = output.join("\n");
  expect(requestLines().length).toBe(4);
  const forbidden = [
    location.searchParams.get("X-Amz-Signature")!,
    location.searchParams.get("X-Amz-Security-Token")!,
    location.searchParams.get("X-Amz-Credential")!.split("/")[0]!,
    "secret-plans",
    "quarterly",
    "xyzzy",
    externalId,
    testEnv.ADMIN_TOKEN!,
    "wrong-token-guess-123456",
    testEnv.AWS_SECRET_ACCESS_KEY!,
    testEnv.ENCRYPTION_KEY!,
    ...[...w.fake.issued.values()].map((c) => c.secretAccessKey),
  ];
  for (const s of forbidden) {
    expect(s.length).toBeGreaterThan(1);
    expect(text).not.toContain(s);
  }
});

it("by default one successful redirect in a thousand is logged, with its sampleRate; errors always are", async () => {
  w.close();
  w = await newWorld();
  w.fake.addBucket({ name: "media-bucket", region: "us-east-1", objects: { "a.txt": "A" } });
  const { id } = await createRoleIntegration(w);
  const random = vi.spyOn(Math, "random").mockReturnValue(0.002); // above 0.001: not sampled
  output.length = 0;
  for (let i = 0; i < 5; i++) expect((await w.call(`/v1/assets/${id}/media-bucket/a.txt`)).status).toBe(302);
  const denied = await w.call(`/v1/assets/${id}/other-bucket/a.txt`);
  expect(denied.status).toBe(403);
  const api = await w.admin("GET", `/admin/api/integrations/${id}`);
  expect(api).toBeTruthy();
  expect(requestLines().map((l) => l.status)).toEqual([403, 200]);

  random.mockReturnValue(0.0009); // below 0.001: this redirect is in the sample
  output.length = 0;
  const ok = await w.call(`/v1/assets/${id}/media-bucket/a.txt`);
  expect(requestLines()).toEqual([expect.objectContaining({ requestId: ok.headers.get("x-request-id"), status: 302, sampleRate: 0.001 })]);
});

it("REQUEST_LOG_SAMPLE_RATE=0 logs no successful redirect; a malformed value fails loudly, naming it", async () => {
  w.close();
  w = await newWorld({ REQUEST_LOG_SAMPLE_RATE: "0" });
  w.fake.addBucket({ name: "media-bucket", region: "us-east-1", objects: { "a.txt": "A" } });
  const { id } = await createRoleIntegration(w);
  output.length = 0;
  expect((await w.call(`/v1/assets/${id}/media-bucket/a.txt`)).status).toBe(302);
  expect((await w.call(`/v1/assets/${id}/other-bucket/a.txt`)).status).toBe(403);
  expect(requestLines().map((l) => l.status)).toEqual([403]);

  for (const bad of ["2", "-0.5", "1%", "abc"]) {
    w.close();
    w = await newWorld({ REQUEST_LOG_SAMPLE_RATE: bad });
    const res = await w.call("/v1/assets/x/b/a.txt");
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("REQUEST_LOG_SAMPLE_RATE");
  }
});
