/** Signed asset links: exp + sig over the path as sent, checked right after the integration lookup. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { signAssetLink, linkSignature } from "../../clients/sign-link";
import { createRoleIntegration, errorOf, follow, newWorld, testEnv, type World } from "../support/harness";

let w: World;
let id: string;
const secret = testEnv.LINK_SIGNING_KEY!;
beforeEach(async () => {
  w = await newWorld();
  w.fake.addBucket({ name: "media-bucket", region: "us-east-1", objects: { "cat 1+2.jpg": "meow" } });
  ({ id } = await createRoleIntegration(w, { fields: { requireSignedLinks: true } }));
});
afterEach(() => {
  vi.useRealTimers();
  w.close();
});

const link = (over: Partial<Parameters<typeof signAssetLink>[0]> = {}) =>
  signAssetLink({ baseUrl: "https://signpost.test", integration: id, bucket: "media-bucket", key: "cat 1+2.jpg", ttlSeconds: 300, secret, ...over });

describe("signed asset links", () => {
  it("the documented helper mints links that work, and the presigned URL never outlives exp", async () => {
    const url = await link({ ttlSeconds: 120 });
    const res = await w.call(url);
    expect(res.status).toBe(302);
    const exp = Number(new URL(url).searchParams.get("exp"));
    const loc = new URL(res.headers.get("location")!);
    const d = loc.searchParams.get("X-Amz-Date")!;
    const signedAt = Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +d.slice(9, 11), +d.slice(11, 13), +d.slice(13, 15));
    expect(signedAt + Number(loc.searchParams.get("X-Amz-Expires")) * 1000).toBeLessThanOrEqual(exp * 1000);
    expect(Number(/max-age=(\d+)/.exec(res.headers.get("cache-control")!)![1])).toBeLessThanOrEqual(120);
    expect(await (await follow(res)).text()).toBe("meow");
  });

  it.each([
    ["missing sig and exp", (u: URL) => (u.search = "")],
    ["missing sig", (u: URL) => u.searchParams.delete("sig")],
    [
      "tampered sig",
      (u: URL) =>
        u.searchParams.set(
          "sig",
          u.searchParams.get("sig")!.replace(/^./, (c) => (c === "a" ? "b" : "a")),
        ),
    ],
    ["uppercase sig", (u: URL) => u.searchParams.set("sig", u.searchParams.get("sig")!.toUpperCase())],
    ["later exp", (u: URL) => u.searchParams.set("exp", String(Number(u.searchParams.get("exp")) + 3600))],
    ["other key", (u: URL) => (u.pathname = u.pathname.replace("cat%201%2B2.jpg", "dog.jpg"))],
    ["non-numeric exp", (u: URL) => u.searchParams.set("exp", "soon")],
  ])("%s → 403 invalid_link_signature", async (_name, mutate) => {
    const u = new URL(await link());
    mutate(u);
    const res = await w.call(u.toString());
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe("invalid_link_signature");
  });

  it("past exp → 403 link_expired", async () => {
    const url = await link({ now: Math.floor(Date.now() / 1000) - 1000, ttlSeconds: 60 });
    const res = await w.call(url);
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe("link_expired");
  });

  it("signs the path exactly as sent (a + and an encoded + are different paths)", async () => {
    const exp = Math.floor(Date.now() / 1000) + 300;
    const path = `/v1/assets/${id}/media-bucket/cat%201+2.jpg`;
    const ok = await w.call(`${path}?exp=${exp}&sig=${await linkSignature(secret, path, exp)}`);
    expect(ok.status).toBe(302);
    const other = await w.call(`/v1/assets/${id}/media-bucket/cat%201%2B2.jpg?exp=${exp}&sig=${await linkSignature(secret, path, exp)}`);
    expect(other.status).toBe(403);
  });

  it("is checked before the IP allowlist and the key (right after the integration lookup)", async () => {
    const { id: guarded } = await createRoleIntegration(w, { name: "guarded", fields: { requireSignedLinks: true, ipAllowlist: ["192.0.2.0/24"] } });
    const res = await w.call(`/v1/assets/${guarded}/media-bucket/a%2F..%2Fb`, { ip: "198.51.100.1" });
    expect((await errorOf(res)).code).toBe("invalid_link_signature");
  });

  it("/v1/redirect on an integration that requires signed links → 403 invalid_link_signature", async () => {
    const res = await w.call(`/v1/redirect?url=${encodeURIComponent("s3://media-bucket/cat 1+2.jpg")}&integration=${id}`);
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe("invalid_link_signature");
  });

  it("fails closed when the integration requires links but LINK_SIGNING_KEY is not set", async () => {
    const bare = await newWorld({ LINK_SIGNING_KEY: "" });
    bare.fake.addBucket({ name: "media-bucket", region: "us-east-1", objects: { "a.txt": "A" } });
    // Created while the key was set; the deployment lost it since (the admin API refuses to turn
    // requireSignedLinks on without it).
    bare.env.LINK_SIGNING_KEY = "a-key-that-is-gone-later";
    const { id: i2 } = await createRoleIntegration(bare, { fields: { requireSignedLinks: true } });
    bare.env.LINK_SIGNING_KEY = "";
    const res = await bare.call(`/v1/assets/${i2}/media-bucket/a.txt`);
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe("invalid_link_signature");
    bare.close();
  });

  it("integrations that do not require links ignore exp/sig", async () => {
    const { id: open } = await createRoleIntegration(w, { name: "open" });
    expect((await w.call(`/v1/assets/${open}/media-bucket/cat%201%2B2.jpg?exp=1&sig=zz`)).status).toBe(302);
  });
});
