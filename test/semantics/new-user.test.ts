/**
 * What a new user runs into, each as they would meet it: the admin token on the API, signed
 * links without a key, an aws_role without scopes, binary objects in validation.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { bearer, createRoleIntegration, errorOf, follow, newWorld, testEnv, type World } from "../support/harness";

let w: World;
beforeEach(async () => {
  w = await newWorld();
  const jpeg = new Uint8Array(3000);
  for (let i = 0; i < jpeg.length; i++) jpeg[i] = (i * 131 + 0xff) & 0xff; // not UTF-8
  jpeg.set([0xff, 0xd8, 0xff, 0xe0]);
  w.fake.addBucket({ name: "media-bucket", region: "us-east-1", objects: { "a.txt": "A", "photo.jpg": jpeg } });
});
afterEach(() => {
  vi.restoreAllMocks();
  w.close();
});

describe("the admin token on /v1/sign", () => {
  it("is refused with a hint that it is the admin token, without echoing it", async () => {
    const res = await w.call("/v1/sign", {
      method: "POST",
      headers: bearer(testEnv.ADMIN_TOKEN!, { "content-type": "application/json" }),
      body: JSON.stringify({ urls: ["s3://media-bucket/a.txt"] }),
    });
    expect(res.status).toBe(401);
    const err = await errorOf(res);
    expect(err.code).toBe("unauthorized");
    expect(err.message).toContain("admin token");
    expect(err.hint).toContain("API token");
    expect(JSON.stringify(err)).not.toContain(testEnv.ADMIN_TOKEN!);
    // an unknown token still gets the plain answer
    const unknown = await errorOf(
      await w.call("/v1/sign", { method: "POST", headers: bearer("sp_unknown", { "content-type": "application/json" }), body: "{}" }),
    );
    expect(unknown.message).not.toContain("admin token");
  });
});

describe("requireSignedLinks without LINK_SIGNING_KEY", () => {
  it("is 400 invalid_request with a hint, on create and on PATCH; with the key it is accepted", async () => {
    const bare = await newWorld({ LINK_SIGNING_KEY: "" });
    try {
      const created = await bare.admin("POST", "/admin/api/integrations", { name: "s", scopes: ["media-bucket"], requireSignedLinks: true });
      expect(created.status).toBe(400);
      const err = await errorOf(created);
      expect(err.code).toBe("invalid_request");
      expect(err.message).toContain("LINK_SIGNING_KEY");
      expect(err.hint).toContain("LINK_SIGNING_KEY");
      const { id } = (await (await bare.admin("POST", "/admin/api/integrations", { name: "s", scopes: ["media-bucket"] })).json()) as { id: string };
      const patched = await bare.admin("PATCH", `/admin/api/integrations/${id}`, { requireSignedLinks: true });
      expect(patched.status).toBe(400);
      expect((await errorOf(patched)).code).toBe("invalid_request");
      const got = (await (await bare.admin("GET", `/admin/api/integrations/${id}`)).json()) as { requireSignedLinks: boolean };
      expect(got.requireSignedLinks).toBe(false);
      expect((await bare.admin("PATCH", `/admin/api/integrations/${id}`, { requireSignedLinks: false })).status).toBe(200);
    } finally {
      bare.close();
    }
    const { id } = await createRoleIntegration(w);
    expect((await w.admin("PATCH", `/admin/api/integrations/${id}`, { requireSignedLinks: true })).status).toBe(200);
  });
});

describe("an aws_role integration without scopes", () => {
  it("gets a permissions policy that works as pasted: every bucket, said so, no placeholder", async () => {
    const res = await w.admin("POST", "/admin/api/integrations", { name: "any" });
    expect(res.status).toBe(201);
    const { permissionsPolicy } = (await res.json()) as { permissionsPolicy: { Statement: Array<{ Sid: string; Action: unknown; Resource: unknown }> } };
    const text = JSON.stringify(permissionsPolicy);
    expect(text).not.toContain("YOUR-BUCKET");
    const read = permissionsPolicy.Statement.find((s) => s.Action === "s3:GetObject")!;
    expect(read.Resource).toBe("arn:aws:s3:::*/*");
    expect(read.Sid).toMatch(/EveryBucket/);
    const inspect = permissionsPolicy.Statement.find((s) => Array.isArray(s.Action) && (s.Action as string[]).includes("s3:ListBucket"))!;
    expect(inspect.Resource).toBe("arn:aws:s3:::*");
    // with scopes: exactly the scoped buckets
    const scoped = (await (await w.admin("POST", "/admin/api/integrations", { name: "scoped", scopes: ["media-bucket/img/"] })).json()) as {
      permissionsPolicy: unknown;
    };
    expect(JSON.stringify(scoped.permissionsPolicy)).toContain("arn:aws:s3:::media-bucket/img/*");
    expect(JSON.stringify(scoped.permissionsPolicy)).not.toContain("s3:::*");
  });

  it("the every-bucket policy, pasted as is, lets the role serve objects", async () => {
    const created = (await (await w.admin("POST", "/admin/api/integrations", { name: "any" })).json()) as { permissionsPolicy: unknown };
    const { id } = await createRoleIntegration(w, { scopes: [], policy: created.permissionsPolicy as never });
    expect(await (await follow(await w.call(`/v1/assets/${id}/media-bucket/a.txt`))).text()).toBe("A");
  });
});

describe("the get_object check", () => {
  it("reads bytes, not text: a binary object is counted in bytes, with no text decoding", async () => {
    const { id } = await createRoleIntegration(w);
    const text = vi.spyOn(Response.prototype, "text");
    const r = (await (await w.admin("POST", `/admin/api/integrations/${id}/validate`, { sampleKey: "photo.jpg" })).json()) as {
      checks: Array<{ name: string; status: string; message: string }>;
    };
    const check = r.checks.find((c) => c.name === "get_object")!;
    expect(check.status).toBe("pass");
    expect(check.message).toContain("Read 1024 bytes (of 3000)");
    const onObjects = text.mock.contexts.filter((res) => (res as Response).headers.get("content-range") !== null);
    expect(onObjects).toEqual([]);
  });
});
