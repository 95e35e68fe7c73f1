/** GET /v1/integrations/{id}/objects: ListObjectsV2 with the role's credentials, paginated. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { apiToken, bearer, createRoleIntegration, errorOf, follow, newWorld, readPolicy, type World } from "../support/harness";

let w: World;
beforeEach(async () => {
  w = await newWorld();
  const objects: Record<string, string> = { "docs/readme.md": "doc" };
  for (let i = 0; i < 25; i++) objects[`images/${String(i).padStart(2, "0")} pic+${i}.jpg`] = `pic ${i}`;
  w.fake.addBucket({ name: "media-bucket", region: "us-east-1", objects });
});
afterEach(() => w.close());

type Page = { objects: Array<{ key: string; size: number; lastModified: string; etag: string; url: string }>; cursor: string | null };

describe("GET /v1/integrations/{id}/objects", () => {
  it("pages through the scope with cursors; each url redirects to the object", async () => {
    const { id } = await createRoleIntegration(w, { scopes: ["media-bucket/images/"] });
    const token = await apiToken(w);
    const keys: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await w.call(`/v1/integrations/${id}/objects?limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { headers: bearer(token) });
      expect(res.status).toBe(200);
      const page = (await res.json()) as Page;
      keys.push(...page.objects.map((o) => o.key));
      cursor = page.cursor;
      pages++;
      for (const o of page.objects) {
        expect(o.size).toBeGreaterThan(0);
        expect(new Date(o.lastModified).toISOString()).toBe(o.lastModified);
        expect(o.etag).toMatch(/^[0-9a-f]+$/);
      }
      if (pages === 1) {
        const first = page.objects[0]!;
        expect(first.url.startsWith(`https://signpost.test/v1/assets/${id}/media-bucket/images/`)).toBe(true);
        const redirect = await w.call(first.url);
        expect(await (await follow(redirect)).text()).toBe(`pic 0`);
      }
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(keys.length).toBe(25);
    expect(keys.every((k) => k.startsWith("images/"))).toBe(true);
  });

  it("lists keys with . or .. segments with url: null and an urlError, never a link to another object", async () => {
    w.fake.addBucket({
      name: "dots-bucket",
      region: "us-east-1",
      objects: { "dot.in.name/./x.txt": "dot", "dot.in.name/x.txt": "other", "a/../b.txt": "up", "a/..b/.c": "fine" },
    });
    const { id } = await createRoleIntegration(w, { bucket: "dots-bucket" });
    const token = await apiToken(w);
    const res = await w.call(`/v1/integrations/${id}/objects`, { headers: bearer(token) });
    expect(res.status).toBe(200);
    const byKey = new Map(
      ((await res.json()) as { objects: Array<{ key: string; url: string | null; urlError?: { code: string; message: string } }> }).objects.map((o) => [
        o.key,
        o,
      ]),
    );
    for (const key of ["dot.in.name/./x.txt", "a/../b.txt"]) {
      expect(byKey.get(key)!.url, key).toBeNull();
      expect(byKey.get(key)!.urlError!.code).toBe("invalid_key");
      expect(byKey.get(key)!.urlError!.message).toMatch(/segment/);
    }
    for (const key of ["dot.in.name/x.txt", "a/..b/.c"]) {
      const o = byKey.get(key)!;
      expect(o.urlError).toBeUndefined();
      expect(await (await follow(await w.call(o.url!))).text()).toBe(key === "a/..b/.c" ? "fine" : "other");
    }
  });

  it("keeps the prefix inside the scope", async () => {
    const { id } = await createRoleIntegration(w, { scopes: ["media-bucket/images/"] });
    const token = await apiToken(w);
    const res = await w.call(`/v1/integrations/${id}/objects?prefix=docs/`, { headers: bearer(token) });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe("scope_not_allowed");
    const narrowed = (await (await w.call(`/v1/integrations/${id}/objects?prefix=images/0`, { headers: bearer(token) })).json()) as Page;
    expect(narrowed.objects.length).toBe(10);
  });

  it("a role without s3:ListBucket is a 502 naming the permission, not an empty list", async () => {
    const { id } = await createRoleIntegration(w, { policy: readPolicy(["arn:aws:s3:::media-bucket/*"], ["s3:GetObject"]) });
    const token = await apiToken(w);
    const res = await w.call(`/v1/integrations/${id}/objects`, { headers: bearer(token) });
    expect(res.status).toBe(502);
    const err = await errorOf(res);
    expect(err.code).toBe("upstream_error");
    expect(err.message).toContain("s3:ListBucket");
  });

  it("validates limit and needs a token", async () => {
    const { id } = await createRoleIntegration(w);
    const token = await apiToken(w);
    for (const limit of ["0", "1001", "x", "-1"])
      expect((await w.call(`/v1/integrations/${id}/objects?limit=${limit}`, { headers: bearer(token) })).status).toBe(400);
    expect((await w.call(`/v1/integrations/${id}/objects`)).status).toBe(401);
  });
});
