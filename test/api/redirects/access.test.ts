/** Who may use /v1: ALLOWED_IPS and the integration's ipAllowlist (fail closed), and CORS. */
import { afterEach, describe, expect, it } from "vitest";
import { apiToken, createRoleIntegration, errorOf, newWorld, type World } from "../../support/harness";

let w: World;
afterEach(() => w?.close());

async function setup(vars: Record<string, string> = {}, fields: Record<string, unknown> = {}) {
  w = await newWorld(vars);
  w.fake.addBucket({ name: "media-bucket", region: "us-east-1", objects: { "a.txt": "A" } });
  const { id } = await createRoleIntegration(w, { fields });
  return id;
}

describe("ALLOWED_IPS", () => {
  it.each([
    ["203.0.113.7", 302],
    ["203.0.113.200", 302],
    ["198.51.100.1", 403],
    ["2001:db8::1", 302],
    ["2001:db9::1", 403],
    ["::ffff:203.0.113.9", 302],
  ])("client %s → %i", async (ip, status) => {
    const id = await setup({ ALLOWED_IPS: "203.0.113.0/24, 2001:db8::/32" });
    const res = await w.call(`/v1/assets/${id}/media-bucket/a.txt`, { ip });
    expect(res.status).toBe(status);
    if (status === 403) expect((await errorOf(res)).code).toBe("ip_not_allowed");
  });

  it.each([null, "", "not-an-ip", "203.0.113.7, 10.0.0.1"])("fails closed when CF-Connecting-IP is %j", async (ip) => {
    const id = await setup({ ALLOWED_IPS: "203.0.113.0/24" });
    const res = await w.call(`/v1/assets/${id}/media-bucket/a.txt`, { ip: ip as string | null });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe("ip_not_allowed");
  });

  it("an empty ALLOWED_IPS allows everyone, even without CF-Connecting-IP", async () => {
    const id = await setup();
    expect((await w.call(`/v1/assets/${id}/media-bucket/a.txt`, { ip: null })).status).toBe(302);
  });

  it("a malformed ALLOWED_IPS stops the proxy with a clear error instead of opening it", async () => {
    w = await newWorld({ ALLOWED_IPS: "203.0.113.0/24, bogus" });
    const res = await w.call(`/v1/redirect?url=s3://b/k`);
    expect(res.status).toBe(500);
    const err = await errorOf(res);
    expect(err.code).toBe("internal_error");
    expect(err.message).toContain("ALLOWED_IPS");
  });
});

describe("integration ipAllowlist", () => {
  it("applies on top of ALLOWED_IPS, for both redirect routes", async () => {
    const id = await setup({}, { ipAllowlist: ["192.0.2.0/28", "2001:db8:1::/48"] });
    expect((await w.call(`/v1/assets/${id}/media-bucket/a.txt`, { ip: "192.0.2.5" })).status).toBe(302);
    expect((await w.call(`/v1/assets/${id}/media-bucket/a.txt`, { ip: "2001:db8:1::9" })).status).toBe(302);
    const denied = await w.call(`/v1/assets/${id}/media-bucket/a.txt`, { ip: "192.0.2.16" });
    expect(denied.status).toBe(403);
    expect((await errorOf(denied)).code).toBe("ip_not_allowed");
    expect((await w.call(`/v1/redirect?url=${encodeURIComponent("s3://media-bucket/a.txt")}`, { ip: "192.0.2.16" })).status).toBe(403);
    expect((await w.call(`/v1/assets/${id}/media-bucket/a.txt`, { ip: null })).status).toBe(403);
  });
});

describe("errors", () => {
  it("every error is the SPEC's JSON with the request id of the response", async () => {
    const id = await setup({ ALLOWED_IPS: "203.0.113.0/24" });
    for (const path of [`/v1/assets/${id}/media-bucket/a.txt`, "/v1/assets/x", "/v1/redirect?url=ftp://x", "/nope"]) {
      const res = await w.call(path, { ip: "198.51.100.1" });
      expect(res.headers.get("content-type")).toContain("application/json");
      const body = (await res.json()) as { error: Record<string, string> };
      expect(Object.keys(body)).toEqual(["error"]);
      expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
      expect(typeof body.error.code).toBe("string");
      expect(typeof body.error.message).toBe("string");
    }
  });
});

describe("CORS", () => {
  it("answers preflights and marks redirects for the configured frontends only", async () => {
    const id = await setup();
    const pre = await w.call(`/v1/sign`, { method: "OPTIONS", headers: { origin: "https://label.example.com", "access-control-request-method": "POST" } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("https://label.example.com");
    const ok = await w.call(`/v1/assets/${id}/media-bucket/a.txt`, { headers: { origin: "https://label.example.com" } });
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://label.example.com");
    const other = await w.call(`/v1/assets/${id}/media-bucket/a.txt`, { headers: { origin: "https://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("marks every /v1 answer the same way: successes, errors, 404s, 405s and refusals before any route", async () => {
    const id = await setup({ ALLOWED_IPS: "203.0.113.0/24" });
    const token = await apiToken(w);
    const origin = "https://label.example.com";
    const json = { origin, authorization: `Bearer ${token}`, "content-type": "application/json" };
    const answers: Array<[string, Response]> = [
      ["302", await w.call(`/v1/redirect?url=s3://media-bucket/a.txt`, { ip: "203.0.113.7", headers: { origin } })],
      ["sign 200", await w.call(`/v1/sign`, { ip: "203.0.113.7", method: "POST", headers: json, body: JSON.stringify({ urls: ["s3://media-bucket/a.txt"] }) })],
      ["sign 400", await w.call(`/v1/sign`, { ip: "203.0.113.7", method: "POST", headers: json, body: "{" })],
      [
        "uploads 4xx",
        await w.call(`/v1/uploads`, {
          ip: "203.0.113.7",
          method: "POST",
          headers: json,
          body: JSON.stringify({ integration: id, key: "a", contentType: "text/plain" }),
        }),
      ],
      ["objects 200", await w.call(`/v1/integrations/${id}/objects`, { ip: "203.0.113.7", headers: json })],
      ["404", await w.call(`/v1/nothing`, { ip: "203.0.113.7", headers: { origin } })],
      ["405", await w.call(`/v1/sign`, { ip: "203.0.113.7", headers: { origin } })],
      ["ip refused", await w.call(`/v1/assets/${id}/media-bucket/a.txt`, { ip: "198.51.100.1", headers: { origin } })],
    ];
    for (const [what, res] of answers) {
      expect(res.headers.get("access-control-allow-origin"), what).toBe(origin);
      expect(res.headers.get("access-control-expose-headers"), what).toBe("x-request-id, location");
      expect(res.headers.get("vary"), what).toBe("Origin");
    }
    expect(answers.map(([, r]) => r.status)).toEqual([302, 200, 400, 403, 200, 404, 405, 403]);
  });
});
