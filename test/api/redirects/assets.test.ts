/** The hot path end to end: 302s to presigned URLs that the fake S3 (official signer) accepts. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRoleIntegration, errorOf, follow, newWorld, type World } from "../../support/harness";

let w: World;
let id: string;
const BUCKET = "media-bucket";

// Keys that trip up signers: encoding, normalisation, plus handling.
const KEYS = [
  "plain.txt",
  "with space.jpg",
  "a+b.png",
  "ünïcødé/日本語.txt",
  "emoji 😀.txt",
  "sub!'()*~chars.bin",
  "double//slash.txt",
  "trailing/",
  "100%.txt",
  "%41literal.txt",
  "dir/x=1&y=2;z.txt",
  "  leading and trailing  ",
];

beforeEach(async () => {
  w = await newWorld();
  w.fake.addBucket({ name: BUCKET, region: "us-east-1", objects: Object.fromEntries(KEYS.map((k) => [k, `bytes of ${k}`])) });
  w.fake.addBucket({ name: "my.dotted.bucket", region: "us-east-1", objects: { "x.txt": "dotted" } });
  ({ id } = await createRoleIntegration(w, {
    scopes: [BUCKET, "my.dotted.bucket"],
    policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] },
  }));
});
afterEach(() => w.close());

const encodePath = (k: string) => k.split("/").map(encodeURIComponent).join("/");

describe("GET /v1/assets/{integration}/{bucket}/{key}", () => {
  it.each(KEYS)("redirects to a presigned URL that returns the bytes of %j", async (key) => {
    const res = await w.call(`/v1/assets/${id}/${BUCKET}/${encodePath(key)}`);
    expect(res.status).toBe(302);
    const body = await follow(res);
    expect(body.status).toBe(200);
    expect(await body.text()).toBe(`bytes of ${key}`);
  });

  it("answers 302 with a virtual-hosted URL, private caching and a request id", async () => {
    const res = await w.call(`/v1/assets/${id}/${BUCKET}/a%2Bb.png`);
    expect(res.status).toBe(302);
    const loc = new URL(res.headers.get("location")!);
    expect(loc.host).toBe(`${BUCKET}.s3.us-east-1.amazonaws.com`);
    expect(loc.pathname).toBe("/a%2Bb.png");
    const q = loc.searchParams;
    expect(q.get("X-Amz-Algorithm")).toBe("AWS4-HMAC-SHA256");
    expect(q.get("X-Amz-Credential")).toMatch(/^ASIA[A-Z0-9]+\/\d{8}\/us-east-1\/s3\/aws4_request$/);
    expect(q.get("X-Amz-SignedHeaders")).toBe("host");
    expect(q.get("X-Amz-Security-Token")).toBeTruthy();
    expect(Number(q.get("X-Amz-Expires"))).toBe(900); // the TTL is a ceiling
    const maxAge = Number(/^private, max-age=(\d+)$/.exec(res.headers.get("cache-control")!)![1]);
    const date = q.get("X-Amz-Date")!;
    const signedAt = Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8), +date.slice(9, 11), +date.slice(11, 13), +date.slice(13, 15));
    expect(Date.now() + maxAge * 1000).toBeLessThanOrEqual(signedAt + Number(q.get("X-Amz-Expires")) * 1000);
    expect(maxAge).toBeGreaterThanOrEqual(900 - 60);
    expect(maxAge).toBeLessThanOrEqual(900);
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
  });

  it("encodes every byte outside the unreserved set, once (+ → %2B, space → %20, !'()* encoded)", async () => {
    const res = await w.call(`/v1/assets/${id}/${BUCKET}/sub!'()*~chars.bin`);
    expect(new URL(res.headers.get("location")!).pathname).toBe("/sub%21%27%28%29%2A~chars.bin");
    const res2 = await w.call(`/v1/assets/${id}/${BUCKET}/with%20space.jpg`);
    expect(res2.headers.get("location")).toContain("/with%20space.jpg?");
  });

  it("treats + in the request path as a literal plus, not a space", async () => {
    const res = await w.call(`/v1/assets/${id}/${BUCKET}/a+b.png`);
    expect(res.headers.get("location")).toContain("/a%2Bb.png?");
    expect(await (await follow(res)).text()).toBe("bytes of a+b.png");
  });

  it("never signs a fragment as part of the key (Requests built in-process keep it)", async () => {
    const res = await w.call(`/v1/assets/${id}/${BUCKET}/plain.txt#frag`);
    expect(new URL(res.headers.get("location")!).pathname).toBe("/plain.txt");
  });

  it("uses path-style for bucket names with dots", async () => {
    const res = await w.call(`/v1/assets/${id}/my.dotted.bucket/x.txt`);
    const loc = new URL(res.headers.get("location")!);
    expect(loc.host).toBe("s3.us-east-1.amazonaws.com");
    expect(loc.pathname).toBe("/my.dotted.bucket/x.txt");
    expect(await (await follow(res)).text()).toBe("dotted");
  });

  it("signs the response-content-type and response-content-disposition pass-throughs", async () => {
    const res = await w.call(
      `/v1/assets/${id}/${BUCKET}/plain.txt?response-content-type=image%2Fpng&response-content-disposition=${encodeURIComponent('attachment; filename="x y.png"')}`,
    );
    const loc = new URL(res.headers.get("location")!);
    expect(loc.searchParams.get("response-content-type")).toBe("image/png");
    const body = await follow(res);
    expect(body.status).toBe(200);
    expect(body.headers.get("content-type")).toBe("image/png");
    expect(body.headers.get("content-disposition")).toBe('attachment; filename="x y.png"');
  });

  it("caps ttl at the integration's urlTtlSeconds and refuses a non-integer ttl", async () => {
    const short = await w.call(`/v1/assets/${id}/${BUCKET}/plain.txt?ttl=120`);
    expect(new URL(short.headers.get("location")!).searchParams.get("X-Amz-Expires")).toBe("120");
    const capped = await w.call(`/v1/assets/${id}/${BUCKET}/plain.txt?ttl=999999`);
    expect(new URL(capped.headers.get("location")!).searchParams.get("X-Amz-Expires")).toBe("900");
    for (const bad of ["0", "-5", "1.5", "abc", ""]) {
      const r = await w.call(`/v1/assets/${id}/${BUCKET}/plain.txt?ttl=${bad}`);
      expect(r.status, `ttl=${bad}`).toBe(400);
      expect((await errorOf(r)).code).toBe("invalid_request");
    }
  });

  it("resolves `default` to the first integration created", async () => {
    const res = await w.call(`/v1/assets/default/${BUCKET}/plain.txt`);
    expect(res.status).toBe(302);
  });

  // Raw "/../" in a request path is resolved by the URL parser before any Worker code runs;
  // what reaches signpost are the spellings hidden inside one segment.
  it.each([
    ["a%2F..%2Fsecret.txt", "invalid_key"],
    ["a%2F%2e%2e%2Fsecret.txt", "invalid_key"],
    ["%2E%2E%2Fsecret.txt", "invalid_key"],
    ["x%2F.%2Fy", "invalid_key"],
    ["bad%zzescape", "invalid_key"],
    ["%FF%FE", "invalid_key"],
    ["", "invalid_key"],
  ])("refuses key %j with %s, never signing another key", async (raw, code) => {
    const res = await w.call(`/v1/assets/${id}/${BUCKET}/${raw}`);
    expect(res.status).toBe(400);
    const err = await errorOf(res);
    expect(err.code).toBe(code);
    expect(err.requestId).toBe(res.headers.get("x-request-id"));
  });

  it("answers unknown integrations and objects outside the scopes with the SPEC's codes", async () => {
    expect((await errorOf(await w.call(`/v1/assets/int_nope/${BUCKET}/x`))).code).toBe("integration_not_found");
    const r = await w.call(`/v1/assets/${id}/other-bucket/x`);
    expect(r.status).toBe(403);
    expect((await errorOf(r)).code).toBe("scope_not_allowed");
  });

  it("answers an unknown route with a JSON 404, never HTML", async () => {
    const r = await w.call("/v2/nothing");
    expect(r.status).toBe(404);
    expect((await errorOf(r)).code).toBe("not_found");
  });
});

describe("GET /v1/redirect?url=", () => {
  it.each([
    [`https://${BUCKET}.s3.us-east-1.amazonaws.com/with%20space.jpg`, "with space.jpg"],
    [`https://${BUCKET}.s3.amazonaws.com/a%2Bb.png`, "a+b.png"],
    [`https://${BUCKET}.s3-us-east-1.amazonaws.com/plain.txt`, "plain.txt"],
    [`https://${BUCKET}.s3.dualstack.us-east-1.amazonaws.com/plain.txt`, "plain.txt"],
    [`https://s3.us-east-1.amazonaws.com/${BUCKET}/double//slash.txt`, "double//slash.txt"],
    [`s3://${BUCKET}/100%.txt`, "100%.txt"],
    [`s3://${BUCKET}/%41literal.txt`, "%41literal.txt"],
    [`https://${BUCKET}.s3.us-east-1.amazonaws.com/${encodeURIComponent("ünïcødé")}/${encodeURIComponent("日本語.txt")}`, "ünïcødé/日本語.txt"],
  ])("%s → bytes of %j", async (url, key) => {
    const res = await w.call(`/v1/redirect?url=${encodeURIComponent(url)}`);
    expect(res.status).toBe(302);
    expect(await (await follow(res)).text()).toBe(`bytes of ${key}`);
  });

  it("picks the integration scoped to the bucket, or the one named", async () => {
    const res = await w.call(`/v1/redirect?url=${encodeURIComponent(`s3://${BUCKET}/plain.txt`)}&integration=${id}`);
    expect(res.status).toBe(302);
  });

  it.each([
    ["https://example.com/x.jpg", "unsupported_host"],
    ["https://evil.amazonaws.com.attacker.net/x", "unsupported_host"],
    ["not a url", "invalid_url"],
    ["https://media-bucket.s3.us-east-1.amazonaws.com/a/../b", "invalid_key"],
    ["https://media-bucket.s3.us-east-1.amazonaws.com/a/%2e%2e/b", "invalid_key"],
    ["https://media-bucket.s3.us-east-1.amazonaws.com/x?versionId=3", "invalid_url"],
    ["s3://media-bucket/", "invalid_url"],
    ["s3://media-bucket/a/../b", "invalid_key"],
  ])("refuses %s with %s", async (url, code) => {
    const res = await w.call(`/v1/redirect?url=${encodeURIComponent(url)}`);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe(code);
  });

  it("needs the url parameter", async () => {
    const res = await w.call(`/v1/redirect`);
    expect((await errorOf(res)).code).toBe("invalid_url");
  });
});
