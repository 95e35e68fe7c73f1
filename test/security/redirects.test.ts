/**
 * Outbound calls never follow redirects: every request signpost sends says
 * `redirect: "manual"`, and a 3xx from an upstream (STS, S3, a presigned GET) is an upstream
 * error, never a hop to wherever its Location points. test/node/outbound-fetch.test.ts checks
 * that no code calls `fetch` except through worker/lib/outbound.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { apiToken, bearer, createRoleIntegration, errorOf, newWorld, type World } from "../support/harness";

// The rules signpost generates: the frontend and `null` (what browsers send after the redirect).
const CORS = [{ AllowedOrigins: ["https://label.example.com", "null"], AllowedMethods: ["GET", "HEAD"], AllowedHeaders: ["*"] }];
const METADATA = "http://169.254.169.254/latest/meta-data/iam/security-credentials/";

let w: World;
let seen: Array<{ url: string; redirect: string }>;
let redirectIf: (url: URL) => boolean;
let restore: () => void;

beforeEach(async () => {
  w = await newWorld();
  w.fake.addBucket({ name: "media-bucket", region: "us-east-1", cors: CORS, objects: { "images/cat.jpg": "meow" } });
  seen = [];
  redirectIf = () => false;
  const inner = globalThis.fetch;
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    // Not `new Request(input, init)`: that would take over the body of a Request input.
    const url = new URL(input instanceof Request ? input.url : String(input));
    const redirect = init?.redirect ?? (input instanceof Request ? input.redirect : "follow");
    seen.push({ url: url.origin + url.pathname, redirect });
    if (url.hostname === "169.254.169.254") throw new Error("followed a redirect to the metadata service");
    if (redirectIf(url)) return new Response(null, { status: 302, headers: { location: METADATA } });
    return inner(input, init);
  }) as typeof fetch;
  restore = () => (globalThis.fetch = inner);
});
afterEach(() => {
  restore();
  w.close();
});

type Report = { ok: boolean; checks: Array<{ name: string; status: string; message: string }> };

describe("redirects", () => {
  it("every outbound request of validation, signing and listing is sent with redirect: manual", async () => {
    const { id } = await createRoleIntegration(w, { scopes: ["media-bucket/images/"] });
    const report = (await (await w.admin("POST", `/admin/api/integrations/${id}/validate`, {})).json()) as Report;
    expect(report.ok).toBe(true);
    expect((await w.call(`/v1/assets/${id}/media-bucket/images/cat.jpg`)).status).toBe(302);
    const token = await apiToken(w);
    expect((await w.call(`/v1/integrations/${id}/objects`, { headers: bearer(token) })).status).toBe(200);
    expect(seen.length).toBeGreaterThan(5);
    expect(seen.filter((s) => s.redirect !== "manual")).toEqual([]);
  });

  it("a presigned GET answered with a redirect fails get_object instead of following it", async () => {
    const { id } = await createRoleIntegration(w, { scopes: ["media-bucket/images/"] });
    redirectIf = (u) => u.pathname.endsWith("/images/cat.jpg") || u.pathname === "/images/cat.jpg";
    const report = (await (await w.admin("POST", `/admin/api/integrations/${id}/validate`, { sampleKey: "images/cat.jpg" })).json()) as Report;
    const get = report.checks.find((c) => c.name === "get_object")!;
    expect(get.status).toBe("fail");
    expect(get.message).toContain("Cannot read objects");
    expect(seen.some((s) => s.url.startsWith("http://169.254.169.254"))).toBe(false);
  });

  it("S3 answering a listing with a redirect is a 502 upstream_error", async () => {
    const { id } = await createRoleIntegration(w, { scopes: ["media-bucket/images/"] });
    const token = await apiToken(w);
    redirectIf = (u) => u.hostname.startsWith("media-bucket.") || u.pathname.startsWith("/media-bucket");
    const res = await w.call(`/v1/integrations/${id}/objects`, { headers: bearer(token) });
    expect(res.status).toBe(502);
    expect((await errorOf(res)).code).toBe("upstream_error");
    expect(seen.some((s) => s.url.startsWith("http://169.254.169.254"))).toBe(false);
  });

  it("STS answering with a redirect signs nothing", async () => {
    const { id } = await createRoleIntegration(w);
    redirectIf = (u) => u.hostname.startsWith("sts.");
    const res = await w.call(`/v1/assets/${id}/media-bucket/images/cat.jpg`);
    expect(res.status).toBeGreaterThanOrEqual(502);
    expect(["role_cannot_be_assumed", "sts_unavailable", "upstream_error"]).toContain((await errorOf(res)).code);
    expect(seen.some((s) => s.url.startsWith("http://169.254.169.254"))).toBe(false);
  });
});
