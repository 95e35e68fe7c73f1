/**
 * gcs integrations end to end: the owner's flow through the admin API (create → documents →
 * grants → validate), each broken grant as its named failed check, redirects followed to
 * bytes through the fake Google (which verifies every V4 signature with the owner service
 * account's public key), the signing window cache and the lifetime rules.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { OBJECT_VIEWER } from "../../../scripts/fakes/google";
import { errorOf } from "../../support/harness";
import { forgetSignedUrls, urlCacheStats } from "../../../worker/providers/url-cache";
import { ORIGIN, SIGNPOST_SA, check, create, followTo, gcsOwner, providerWorld, validate, type ProviderWorld } from "../world";

const TRICKY: Record<string, string> = {
  "images/with space.jpg": "space",
  "images/a+b=c&d.png": "plus",
  "images/ünïcødé/日本語/😀.bin": "unicode",
  "images/marks/!'()*.txt": "sub-delims",
  "images/double//slash/x.txt": "double slash",
};

let w: ProviderWorld;
let n = 0;
let owner: { email: string; bucket: string };

beforeEach(async () => {
  w = await providerWorld();
  n++;
  owner = await gcsOwner(w, { email: `reader-${n}@owner-proj.iam.gserviceaccount.com`, bucket: `owner-media-${n}` });
  for (const [k, v] of Object.entries(TRICKY)) w.google.putObject(owner.bucket, k, v, "text/plain");
});
afterEach(() => w.close());

const assetPath = (id: string, bucket: string, key: string) => `/v1/assets/${id}/${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
const signBlobCalls = () => w.google.callsTo(":signBlob").length;

async function gcsIntegration(fields: Record<string, unknown> = {}) {
  return create(w, { name: "Owner GCS", provider: "gcs", serviceAccountEmail: owner.email, scopes: [`${owner.bucket}/images/`], ...fields });
}

describe("bucket names", () => {
  it("accepts Cloud Storage names that S3 would refuse (underscores), end to end", async () => {
    const under = await gcsOwner(w, { email: `under-${n}@owner-proj.iam.gserviceaccount.com`, bucket: `owner_media_${n}` });
    w.google.putObject(under.bucket, "images/u.jpg", "underscored", "text/plain");
    const created = await create(w, { name: "Underscore", provider: "gcs", serviceAccountEmail: under.email, scopes: [`${under.bucket}/images/`] });
    const res = await w.call(assetPath(created.id as string, under.bucket, "images/u.jpg"));
    expect(res.status).toBe(302);
    expect(await (await fetch(res.headers.get("location")!)).text()).toBe("underscored");
  });
});

describe("onboarding", () => {
  it("goes from nothing to a validated integration by following the documents", async () => {
    const fresh = await gcsOwner(w, {
      email: `fresh-${n}@owner-proj.iam.gserviceaccount.com`,
      bucket: `fresh-${n}`,
      tokenCreator: false,
      viewer: false,
      cors: false,
    });
    w.google.putObject(fresh.bucket, "images/a.jpg", "bytes of a", "text/plain");
    const created = await create(w, { name: "Fresh", provider: "gcs", serviceAccountEmail: fresh.email, scopes: [`${fresh.bucket}/images/`] });
    expect(created).toMatchObject({
      provider: "gcs",
      serviceAccountEmail: fresh.email,
      scopes: [`${fresh.bucket}/images/`],
      status: "unchecked",
      externalId: null,
    });
    expect(created.signpostServiceAccount).toBe(SIGNPOST_SA);
    const cmds = created.setupCommands as string;
    expect(cmds).toContain(
      `gcloud iam service-accounts add-iam-policy-binding ${fresh.email} --project=owner-proj --member=serviceAccount:${SIGNPOST_SA} --role=roles/iam.serviceAccountTokenCreator`,
    );
    expect(cmds).toContain(
      `gcloud storage buckets add-iam-policy-binding gs://${fresh.bucket} --member=serviceAccount:${fresh.email} --role=roles/storage.objectViewer`,
    );
    expect(cmds).toContain(`gcloud storage buckets update gs://${fresh.bucket} --cors-file=signpost-cors.json`);
    expect(created.corsConfiguration).toEqual([
      { origin: [ORIGIN, "null"], method: ["GET", "HEAD"], responseHeader: expect.arrayContaining(["Range", "Content-Range"]), maxAgeSeconds: 3600 },
    ]);
    expect((await (await w.admin("GET", `/admin/api/integrations/${created.id}`)).json()) as object).toMatchObject({ setupCommands: cmds });

    let report = await validate(w, created.id);
    expect(report.ok).toBe(false);
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ["service_account_email", "pass"],
      ["token", "pass"],
      ["impersonation", "fail"],
      ["get_object", "skip"],
      ["cors", "fail"],
    ]);
    expect(check(report, "impersonation").hint).toContain("roles/iam.serviceAccountTokenCreator");
    expect(check(report, "impersonation").hint).toContain(`gcloud iam service-accounts add-iam-policy-binding ${fresh.email}`);

    // The owner runs the commands.
    w.google.grantTokenCreator(fresh.email, SIGNPOST_SA);
    report = await validate(w, created.id);
    expect(check(report, "get_object")).toMatchObject({ status: "fail", message: expect.stringContaining("Storage Object Viewer") });
    expect(check(report, "get_object").hint).toContain(
      `gcloud storage buckets add-iam-policy-binding gs://${fresh.bucket} --member=serviceAccount:${fresh.email} --role=roles/storage.objectViewer`,
    );
    w.google.createBucket(fresh.bucket, { cors: created.corsConfiguration as never }); // the bucket again, with the CORS document
    w.google.putObject(fresh.bucket, "images/a.jpg", "bytes of a", "text/plain");
    w.google.grantBucketRole(fresh.bucket, fresh.email, OBJECT_VIEWER);

    report = await validate(w, created.id);
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ["service_account_email", "pass"],
      ["token", "pass"],
      ["impersonation", "pass"],
      ["get_object", "pass"],
      ["cors", "pass"],
    ]);
    report = await validate(w, created.id, { sampleKey: "images/a.jpg" });
    expect(check(report, "get_object").message).toContain("Read 10 bytes");
    const got = (await (await w.admin("GET", `/admin/api/integrations/${created.id}`)).json()) as { status: string };
    expect(got.status).toBe("valid");
    expect(await (await followTo(await w.call(`/v1/assets/${created.id}/${fresh.bucket}/images/a.jpg`))).text()).toBe("bytes of a");
  });

  it("names the failed check for each broken grant", async () => {
    const { id } = await gcsIntegration();
    expect((await validate(w, id)).ok).toBe(true);

    w.google.revokeTokenCreator(owner.email, SIGNPOST_SA);
    let r = await validate(w, id);
    expect(check(r, "impersonation")).toMatchObject({ status: "fail", message: expect.stringContaining("Service Account Token Creator") });
    expect(check(r, "impersonation").hint).toBe(
      `Grant ${SIGNPOST_SA} the role Service Account Token Creator (roles/iam.serviceAccountTokenCreator) on ${owner.email}: gcloud iam service-accounts add-iam-policy-binding ${owner.email} --project=owner-proj --member=serviceAccount:${SIGNPOST_SA} --role=roles/iam.serviceAccountTokenCreator`,
    );
    w.google.grantTokenCreator(owner.email, SIGNPOST_SA);

    w.google.revokeBucketRole(owner.bucket, owner.email, OBJECT_VIEWER);
    r = await validate(w, id);
    expect(check(r, "get_object")).toMatchObject({ status: "fail", message: expect.stringContaining("roles/storage.objectViewer") });
    w.google.grantBucketRole(owner.bucket, owner.email, OBJECT_VIEWER);

    r = await validate(w, id, { sampleKey: "images/missing.jpg" });
    expect(check(r, "get_object")).toMatchObject({ status: "fail", hint: "Pass an existing sampleKey." });

    const bare = await gcsOwner(w, { email: `bare-${n}@owner-proj.iam.gserviceaccount.com`, bucket: `bare-${n}`, cors: false });
    const noCors = await create(w, { name: "no cors", provider: "gcs", serviceAccountEmail: bare.email, scopes: [bare.bucket] });
    r = await validate(w, noCors.id);
    expect(check(r, "cors")).toMatchObject({
      status: "fail",
      message: expect.stringContaining(`gs://${bare.bucket}: a preflight (GET with a Range header) from Origin: ${ORIGIN} answered HTTP 403`),
    });
    expect(check(r, "cors").hint).toContain(`gcloud storage buckets update gs://${bare.bucket} --cors-file=signpost-cors.json`);
    expect(r.checks.filter((c) => c.status === "fail").map((c) => c.name)).toEqual(["cors"]);

    const ghost = await create(w, {
      name: "ghost",
      provider: "gcs",
      serviceAccountEmail: `deleted-${n}@owner-proj.iam.gserviceaccount.com`,
      scopes: [owner.bucket],
    });
    expect(check(await validate(w, ghost.id), "impersonation").status).toBe("fail");
  });

  it("cors: fails on the old rules (the page's origin only) because of Origin: null, passes on the generated ones", async () => {
    const { id } = await gcsIntegration();
    w.google.setBucketCors(owner.bucket, [
      {
        origin: [ORIGIN],
        method: ["GET", "HEAD"],
        responseHeader: ["Content-Type", "Content-Length", "Content-Range", "Accept-Ranges", "ETag"],
        maxAgeSeconds: 3600,
      },
    ]);
    let r = await validate(w, id, { sampleKey: "images/with space.jpg" });
    expect(check(r, "cors").status).toBe("fail");
    // The old rules do not even let the page's own origin send Range (Cloud Storage wants it in responseHeader).
    expect(check(r, "cors").message).toContain(`a preflight (GET with a Range header) from Origin: ${ORIGIN} answered HTTP 403`);
    expect(check(r, "cors").message).toContain("a preflight (GET with a Range header) from Origin: null answered HTTP 403");
    expect(check(r, "cors").message).toContain(
      "a GET (as <img crossorigin>, <video> or the fetch API send it) from Origin: null answered HTTP 200, no Access-Control-Allow-Origin",
    );
    expect(check(r, "cors").message).not.toContain(`GET (as <img crossorigin>, <video> or the fetch API send it) from Origin: ${ORIGIN}`);
    const created = (await (await w.admin("GET", `/admin/api/integrations/${id}`)).json()) as { corsConfiguration: unknown };
    expect(check(r, "cors").hint).toContain(JSON.stringify(created.corsConfiguration, null, 2));

    w.google.setBucketCors(owner.bucket, created.corsConfiguration as never);
    r = await validate(w, id, { sampleKey: "images/with space.jpg" });
    expect(check(r, "cors")).toMatchObject({ status: "pass", message: expect.stringContaining("preflights and GETs") });
  });

  it("fails the token check when signpost's own key is unusable", async () => {
    const broken = await providerWorld({ GCP_SERVICE_ACCOUNT_KEY: "not a key" });
    try {
      const r = await validate(broken, (await create(broken, { name: "x", provider: "gcs", serviceAccountEmail: owner.email, scopes: [owner.bucket] })).id);
      expect(check(r, "token")).toMatchObject({ status: "fail", message: expect.stringContaining("GCP_SERVICE_ACCOUNT_KEY") });
      expect(check(r, "token").hint).toContain("wrangler secret put GCP_SERVICE_ACCOUNT_KEY");
      expect(check(r, "impersonation").status).toBe("skip");
    } finally {
      broken.close();
    }
  });

  it("accepts only gcs fields, and requires the service account email", async () => {
    const bad = async (body: Record<string, unknown>) => {
      const res = await w.admin("POST", "/admin/api/integrations", { name: "x", provider: "gcs", ...body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      return (await errorOf(res)).message;
    };
    expect(await bad({})).toMatch(/^serviceAccountEmail:/);
    expect(await bad({ serviceAccountEmail: owner.email, roleArn: "arn:aws:iam::444455556666:role/x" })).toMatch(/^roleArn: applies to AWS/);
    expect(await bad({ serviceAccountEmail: owner.email, tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47" })).toMatch(/^tenantId: applies to provider azure/);
    expect(await bad({ serviceAccountEmail: owner.email, writeScopes: [owner.bucket] })).toMatch(/^writeScopes:/);
    const aws = await w.admin("POST", "/admin/api/integrations", { name: "x", serviceAccountEmail: owner.email });
    expect((await errorOf(aws)).message).toMatch(/^serviceAccountEmail: applies to provider gcs/);

    const dry = await w.admin("POST", "/admin/api/integrations", {
      name: "dry",
      provider: "gcs",
      serviceAccountEmail: owner.email,
      scopes: [owner.bucket],
      dryRun: true,
    });
    expect(await dry.json()).toMatchObject({ ok: true, checks: expect.arrayContaining([expect.objectContaining({ name: "impersonation", status: "pass" })]) });
    expect(((await (await w.admin("GET", "/admin/api/integrations")).json()) as { integrations: unknown[] }).integrations).toEqual([]);

    const { id } = await gcsIntegration();
    await validate(w, id);
    const patched = await w.admin("PATCH", `/admin/api/integrations/${id}`, { serviceAccountEmail: `other-${n}@owner-proj.iam.gserviceaccount.com` });
    expect(await patched.json()).toMatchObject({ serviceAccountEmail: `other-${n}@owner-proj.iam.gserviceaccount.com`, status: "unchecked" });
    expect((await w.admin("PATCH", `/admin/api/integrations/${id}`, { serviceAccountEmail: null })).status).toBe(400);
    expect(await (await w.admin("PATCH", `/admin/api/integrations/${id}`, { name: "renamed" })).json()).toMatchObject({
      name: "renamed",
      serviceAccountEmail: `other-${n}@owner-proj.iam.gserviceaccount.com`,
    });
  });
});

describe("redirects", () => {
  it("follows /v1/assets to the bytes of every tricky object name", async () => {
    const { id } = await gcsIntegration();
    for (const [key, body] of Object.entries(TRICKY)) {
      const res = await w.call(assetPath(id, owner.bucket, key));
      expect(res.status, key).toBe(302);
      expect(res.headers.get("location")!.startsWith(`https://storage.googleapis.com/${owner.bucket}/images/`)).toBe(true);
      const got = await followTo(res);
      expect(got.status, `${key}: ${await got.clone().text()}`).toBe(200);
      expect(await got.text()).toBe(body);
    }
  });

  it("follows /v1/redirect for gs://, path-style and virtual-hosted URLs, finding the integration by bucket", async () => {
    await gcsIntegration();
    for (const [key, body] of Object.entries(TRICKY)) {
      const encoded = key.split("/").map(encodeURIComponent).join("/");
      for (const url of [
        `gs://${owner.bucket}/${key}`,
        `https://storage.googleapis.com/${owner.bucket}/${encoded}`,
        `https://${owner.bucket}.storage.googleapis.com/${encoded}`,
      ]) {
        const res = await w.call(`/v1/redirect?url=${encodeURIComponent(url)}`);
        expect(res.status, url).toBe(302);
        expect(await (await followTo(res)).text(), url).toBe(body);
      }
    }
  });

  it("answers an HLS playlist itself, with relative and gs:// / storage.googleapis.com URIs in the bucket rewritten", async () => {
    const { id } = await gcsIntegration();
    w.google.putObject(
      owner.bucket,
      "images/hls/index.m3u8",
      `#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:2,\nseg 0.ts\n#EXTINF:2,\ngs://${owner.bucket}/images/hls/seg1.ts\n#EXTINF:2,\nhttps://storage.googleapis.com/other-bucket/seg2.ts\n#EXT-X-ENDLIST\n`,
      "application/vnd.apple.mpegurl",
    );
    w.google.putObject(owner.bucket, "images/hls/seg 0.ts", "segment 0", "video/mp2t");
    const res = await w.call(`/v1/redirect?url=${encodeURIComponent(`gs://${owner.bucket}/images/hls/index.m3u8`)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/vnd.apple.mpegurl");
    const base = `https://signpost.test/v1/assets/${id}/${owner.bucket}/images/hls`;
    expect((await res.text()).split("\n")).toEqual([
      "#EXTM3U",
      `#EXT-X-MAP:URI="${base}/init.mp4"`,
      "#EXTINF:2,",
      `${base}/seg%200.ts`,
      "#EXTINF:2,",
      `${base}/seg1.ts`,
      "#EXTINF:2,",
      "https://storage.googleapis.com/other-bucket/seg2.ts",
      "#EXT-X-ENDLIST",
      "",
    ]);
    expect(await (await followTo(await w.call(`${base}/seg%200.ts`))).text()).toBe("segment 0");
  });

  it("signs response overrides, and refuses objects outside the scopes", async () => {
    const { id } = await gcsIntegration();
    const res = await w.call(
      `${assetPath(id, owner.bucket, "images/with space.jpg")}?response-content-type=image/jpeg&response-content-disposition=${encodeURIComponent('attachment; filename="a b.jpg"')}`,
    );
    const got = await followTo(res, { headers: { origin: ORIGIN } });
    expect(got.headers.get("content-type")).toBe("image/jpeg");
    expect(got.headers.get("content-disposition")).toBe('attachment; filename="a b.jpg"');
    expect(got.headers.get("access-control-allow-origin")).toBe(ORIGIN);

    const outside = await w.call(assetPath(id, owner.bucket, "private/x.jpg"));
    expect(outside.status).toBe(403);
    expect(await errorOf(outside)).toMatchObject({ code: "scope_not_allowed", message: expect.stringContaining(`gs://${owner.bucket}/private/x.jpg`) });
  });

  it("answers 502 role_cannot_be_assumed naming the grant when Token Creator is revoked, and 503 when Google is down", async () => {
    const { id } = await gcsIntegration();
    w.google.revokeTokenCreator(owner.email, SIGNPOST_SA);
    const denied = await w.call(assetPath(id, owner.bucket, "images/with space.jpg"));
    expect(denied.status).toBe(502);
    const e = await errorOf(denied);
    expect(e.code).toBe("role_cannot_be_assumed");
    expect(e.message).not.toContain(owner.email); // the detail is for admins (test/security/public-errors.test.ts)
    w.google.grantTokenCreator(owner.email, SIGNPOST_SA);

    const other = await gcsIntegration({ name: "other" }); // a fresh integration: no denial cached
    w.google.failNext(10, 503, (u) => u.pathname.endsWith(":signBlob"));
    const down = await w.call(assetPath(other.id, owner.bucket, "images/a+b=c&d.png"));
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toBeTruthy();
    expect((await errorOf(down)).code).toBe("sts_unavailable");
  });
});

describe("signing window and lifetime", () => {
  it("reuses a signed URL within the window: memory, then KV; Google is asked once", async () => {
    const { id } = await gcsIntegration();
    const path = assetPath(id, owner.bucket, "images/ünïcødé/日本語/😀.bin");
    const before = signBlobCalls();
    const first = await w.call(path);
    expect(signBlobCalls()).toBe(before + 1);
    const second = await w.call(path);
    expect(second.headers.get("location")).toBe(first.headers.get("location"));
    expect(signBlobCalls()).toBe(before + 1);

    // Another isolate (memory empty) finds it in KV, sealed.
    forgetSignedUrls();
    const hits = urlCacheStats.kvHits;
    const third = await w.call(path);
    expect(third.headers.get("location")).toBe(first.headers.get("location"));
    expect(signBlobCalls()).toBe(before + 1);
    expect(urlCacheStats.kvHits).toBe(hits + 1);
    const keys = (await w.env.CREDENTIALS.list({ prefix: `gcsurl:v1:${id}:` })).keys;
    expect(keys.length).toBe(1);
    const stored = (await w.env.CREDENTIALS.get(keys[0]!.name))!;
    expect(stored.startsWith("v1.")).toBe(true);
    expect(stored).not.toContain("X-Goog-Signature");

    // A different TTL or response override is another URL.
    await w.call(`${path}?ttl=120`);
    expect(signBlobCalls()).toBe(before + 2);
    expect(await (await followTo(third)).text()).toBe("unicode");
  });

  it("never claims more than the URL's real validity, and caps URLs at 12 hours", async () => {
    const { id } = await gcsIntegration({ urlTtlSeconds: 86400 });
    const now = Date.now();
    const res = await w.call(assetPath(id, owner.bucket, "images/with space.jpg"));
    const u = new URL(res.headers.get("location")!);
    const d = u.searchParams.get("X-Goog-Date")!;
    const signedAt = Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +d.slice(9, 11), +d.slice(11, 13), +d.slice(13, 15));
    const expires = Number(u.searchParams.get("X-Goog-Expires"));
    expect(expires).toBe(43200);
    expect(signedAt % 60_000).toBe(0);
    const maxAge = Number(/max-age=(\d+)/.exec(res.headers.get("cache-control")!)![1]);
    expect(now + maxAge * 1000).toBeLessThanOrEqual(signedAt + expires * 1000 + 1000);
    expect(maxAge).toBeGreaterThanOrEqual(43200 - 60 - 1);
    expect(maxAge).toBeLessThanOrEqual(43200);

    const short = await w.call(`${assetPath(id, owner.bucket, "images/with space.jpg")}?ttl=60`);
    expect(new URL(short.headers.get("location")!).searchParams.get("X-Goog-Expires")).toBe("60");
    expect(Number(/max-age=(\d+)/.exec(short.headers.get("cache-control")!)![1])).toBeLessThanOrEqual(60);
  });

  it("serves the previous window's URL, for what is left of it, while Google cannot sign", async () => {
    const { id } = await gcsIntegration();
    const path = assetPath(id, owner.bucket, "images/with space.jpg");
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 + 10_000;
    vi.useFakeTimers({ toFake: ["Date"], now: t0 });
    try {
      const first = await w.call(path);
      vi.setSystemTime(t0 + 60_000);
      w.google.failNext(10, 503, (u) => u.pathname.endsWith(":signBlob"));
      const res = await w.call(path);
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe(first.headers.get("location"));
      expect(res.headers.get("x-signpost-degraded")).toBe("sts-unavailable; ttl-shortened");
      const u = new URL(res.headers.get("location")!);
      const validTo = t0 - 10_000 + Number(u.searchParams.get("X-Goog-Expires")) * 1000;
      const maxAge = Number(/max-age=(\d+)/.exec(res.headers.get("cache-control")!)![1]);
      expect(t0 + 60_000 + maxAge * 1000).toBeLessThanOrEqual(validTo);
      expect(maxAge).toBe(Math.floor((validTo - t0 - 60_000) / 1000));
    } finally {
      vi.useRealTimers();
    }
  });
});
