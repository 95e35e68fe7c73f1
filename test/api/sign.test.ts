/** POST /v1/sign: batches of up to 1000 URLs with per-URL errors; API tokens. */
import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { apiToken, bearer, createRoleIntegration, errorOf, newWorld, type World } from "../support/harness";

let w: World;
let id: string;
beforeEach(async () => {
  w = await newWorld();
  const objects: Record<string, string> = {};
  for (let i = 0; i < 1000; i++) objects[`img/${i}.jpg`] = `image ${i}`;
  w.fake.addBucket({ name: "media-bucket", region: "us-east-1", objects });
  ({ id } = await createRoleIntegration(w));
});
afterEach(() => w.close());

type Results = { results: Array<{ url: unknown; signedUrl?: string; expiresAt?: string; error?: { code: string; message: string } }> };

async function signBatch(token: string, body: unknown) {
  return w.call("/v1/sign", { method: "POST", headers: bearer(token, { "content-type": "application/json" }), body: JSON.stringify(body) });
}

describe("POST /v1/sign", () => {
  it("signs 1000 URLs with some bad ones in the batch, one AssumeRole, every good URL working", async () => {
    const token = await apiToken(w);
    const urls: unknown[] = Array.from({ length: 1000 }, (_, i) =>
      i % 100 === 7 ? `https://example.com/${i}` : i % 100 === 13 ? `s3://media-bucket/a/../${i}` : `s3://media-bucket/img/${i}.jpg`,
    );
    const res = await signBatch(token, { urls });
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as Results;
    expect(results.length).toBe(1000);
    expect(w.fake.count("AssumeRole")).toBe(1);
    for (const [i, r] of results.entries()) {
      expect(r.url).toBe(urls[i]);
      if (i % 100 === 7) expect(r.error).toEqual({ code: "unsupported_host", message: expect.any(String) });
      else if (i % 100 === 13) expect(r.error?.code).toBe("invalid_key");
      else {
        expect(r.signedUrl).toMatch(/^https:\/\/media-bucket\.s3\.us-east-1\.amazonaws\.com\/img\/\d+\.jpg\?X-Amz-/);
        expect(new Date(r.expiresAt!).toISOString()).toBe(r.expiresAt);
      }
    }
    for (const i of [0, 501, 999]) {
      const body = await fetch(results[i]!.signedUrl!);
      expect(await body.text()).toBe(`image ${i}`);
    }
  });

  it("caps ttl, and refuses a bad ttl or a bad body as a whole", async () => {
    const token = await apiToken(w);
    const r = (await (await signBatch(token, { urls: ["s3://media-bucket/img/1.jpg"], ttl: 60 })).json()) as Results;
    expect(new URL(r.results[0]!.signedUrl!).searchParams.get("X-Amz-Expires")).toBe("60");
    for (const body of [
      { urls: [] },
      { urls: "s3://x/y" },
      { urls: Array(1001).fill("s3://media-bucket/a") },
      { urls: ["s3://media-bucket/a"], ttl: 0 },
      { urls: ["s3://media-bucket/a"], ttl: "soon" },
      { urls: ["s3://media-bucket/a"], extra: 1 },
    ]) {
      const res = await signBatch(token, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect((await errorOf(res)).code).toBe("invalid_request");
    }
  });

  it("needs a valid API token; revoked tokens stop working", async () => {
    expect((await w.call("/v1/sign", { method: "POST", body: "{}" })).status).toBe(401);
    expect((await signBatch("sp_wrong", { urls: ["s3://media-bucket/a"] })).status).toBe(401);
    const token = await apiToken(w);
    const list = (await (await w.admin("GET", "/admin/api/tokens")).json()) as { tokens: Array<{ id: string; token?: string }> };
    expect(list.tokens.length).toBe(1);
    expect(list.tokens[0]!.token).toBeUndefined();
    expect((await w.admin("DELETE", `/admin/api/tokens/${list.tokens[0]!.id}`)).status).toBe(200);
    const res = await signBatch(token, { urls: ["s3://media-bucket/img/1.jpg"] });
    expect(res.status).toBe(401);
  });

  it("stores tokens only as hashes", async () => {
    const token = await apiToken(w);
    const rows = await env.DB.prepare("select * from api_tokens").all();
    expect(JSON.stringify(rows.results)).not.toContain(token);
  });

  it("a token limited to other integrations gets scope_not_allowed per URL", async () => {
    const other = (await (await w.admin("POST", "/admin/api/integrations", { name: "other" })).json()) as { id: string };
    const token = await apiToken(w, [other.id]);
    const r = (await (await signBatch(token, { urls: ["s3://media-bucket/img/1.jpg"] })).json()) as Results;
    expect(r.results[0]!.error?.code).toBe("scope_not_allowed");
    const named = await signBatch(token, { urls: ["s3://media-bucket/img/1.jpg"], integration: id });
    expect(named.status).toBe(403);
    expect((await errorOf(named)).code).toBe("scope_not_allowed");
  });
});
