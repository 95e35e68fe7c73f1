/**
 * All three clouds side by side: /v1/sign batches mixing S3, GCS and Azure URLs (each signed
 * URL followed to bytes), /v1/redirect picking the right parser and integration, and the
 * object-URL dispatcher's precedence (S3 forms first; unknown hosts stay `unsupported_host`).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ApiError } from "../../worker/http/errors";
import { parseObjectUrl } from "../../worker/providers/object-url";
import { signsObject } from "../../worker/providers";
import { compileIntegration, type IntegrationRow } from "../../worker/integrations/model";
import { apiToken, bearer, createRoleIntegration, errorOf } from "../support/harness";
import { azureOwner, create, gcsOwner, providerWorld, type ProviderWorld } from "./world";

let w: ProviderWorld;
let n = 0;
const ids: Record<string, string> = {};

beforeEach(async () => {
  w = await providerWorld();
  n++;
  w.fake.addBucket({ name: "aws-media", region: "us-east-1" });
  w.fake.putObject("aws-media", "img/a b+c.jpg", "from s3", "text/plain");
  ids.aws = (await createRoleIntegration(w, { bucket: "aws-media" })).id; // first: the default
  const g = await gcsOwner(w, { email: `mixed-${n}@owner-proj.iam.gserviceaccount.com`, bucket: `gcs-media-${n}` });
  w.google.putObject(g.bucket, "img/a b+c.jpg", "from gcs", "text/plain");
  ids.gcs = (await create(w, { name: "gcs", provider: "gcs", serviceAccountEmail: g.email, scopes: [g.bucket] })).id;
  const a = azureOwner(w, { tenantId: `0e3b7a4c-1d2f-4a5b-8c6d-${String(n).padStart(12, "0")}`, account: `mixedacct${n}`, container: "frames" });
  w.azure.putBlob(a.account, "frames", "img/a b+c.jpg", "from azure", "text/plain");
  ids.azure = (await create(w, { name: "azure", provider: "azure", tenantId: a.tenantId, accountName: a.account, scopes: ["frames"] })).id;
});
afterEach(() => w.close());

type Results = { results: Array<{ url: string; signedUrl?: string; expiresAt?: string; error?: { code: string; message: string } }> };

describe("POST /v1/sign with mixed providers", () => {
  it("signs S3, GCS and Azure URLs in one batch, each to its own bytes, with per-URL errors", async () => {
    const token = await apiToken(w);
    const urls = [
      "s3://aws-media/img/a b+c.jpg",
      `gs://gcs-media-${n}/img/a b+c.jpg`,
      `https://storage.googleapis.com/gcs-media-${n}/img/a%20b%2Bc.jpg`,
      `az://mixedacct${n}/frames/img/a b+c.jpg`,
      `https://mixedacct${n}.blob.core.windows.net/frames/img/a%20b+c.jpg`,
      "https://files.example.com/img/a.jpg",
      "gs://nobody-scopes-this/img/a.jpg",
      "az://bad",
    ];
    const res = await w.call("/v1/sign", { method: "POST", headers: bearer(token, { "content-type": "application/json" }), body: JSON.stringify({ urls }) });
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as Results;
    const bodies = ["from s3", "from gcs", "from gcs", "from azure", "from azure"];
    for (const [i, body] of bodies.entries()) {
      const r = results[i]!;
      expect(r.error, urls[i]).toBeUndefined();
      const got = await fetch(r.signedUrl!);
      expect(got.status, `${urls[i]}: ${await got.clone().text()}`).toBe(200);
      expect(await got.text()).toBe(body);
      expect(Date.parse(r.expiresAt!)).toBeGreaterThan(Date.now() + 800_000);
    }
    expect(results[0]!.signedUrl).toMatch(/^https:\/\/aws-media\.s3\.us-east-1\.amazonaws\.com\//);
    expect(results[1]!.signedUrl).toBe(results[2]!.signedUrl); // the same object in the same window
    expect(results[3]!.signedUrl).toBe(results[4]!.signedUrl);
    expect(results[5]!.error?.code).toBe("unsupported_host");
    expect(results[6]!.error).toMatchObject({ code: "scope_not_allowed", message: expect.stringContaining("Cloud Storage") }); // fell to the default (AWS)
    expect(results[7]!.error?.code).toBe("invalid_url");
    expect(w.google.callsTo(":signBlob").length).toBe(1);

    // The same batch again: no new signature from Google, no new key from Azure.
    const keys = w.azure.issuedKeys.length;
    const again = (await (
      await w.call("/v1/sign", { method: "POST", headers: bearer(token, { "content-type": "application/json" }), body: JSON.stringify({ urls }) })
    ).json()) as Results;
    expect(again.results[1]!.signedUrl).toBe(results[1]!.signedUrl);
    expect(w.google.callsTo(":signBlob").length).toBe(1);
    expect(w.azure.issuedKeys.length).toBe(keys);
  });

  it("refuses a named integration of another provider per URL", async () => {
    const token = await apiToken(w);
    const res = await w.call("/v1/sign", {
      method: "POST",
      headers: bearer(token, { "content-type": "application/json" }),
      body: JSON.stringify({ integration: ids.gcs, urls: ["s3://aws-media/img/a b+c.jpg", `az://mixedacct${n}/frames/x`] }),
    });
    const { results } = (await res.json()) as Results;
    expect(results.map((r) => r.error?.code)).toEqual(["scope_not_allowed", "scope_not_allowed"]);
  });
});

describe("GET /v1/redirect", () => {
  it("keeps unsupported_host for hosts nobody knows, and refuses a provider mismatch", async () => {
    const unknown = await w.call(`/v1/redirect?url=${encodeURIComponent("https://cdn.example.com/a.jpg")}`);
    expect(unknown.status).toBe(400);
    expect(await errorOf(unknown)).toMatchObject({ code: "unsupported_host", message: expect.stringContaining("S3 endpoint") });
    const mismatch = await w.call(`/v1/redirect?integration=${ids.azure}&url=${encodeURIComponent(`gs://gcs-media-${n}/img/x`)}`);
    expect(mismatch.status).toBe(403);
    expect((await errorOf(mismatch)).code).toBe("scope_not_allowed");
    const missing = await w.call("/v1/redirect");
    expect((await errorOf(missing)).hint).toContain("gs://");
  });

  it("leaves S3 redirects exactly as they were", async () => {
    const res = await w.call(`/v1/redirect?url=${encodeURIComponent("https://aws-media.s3.us-east-1.amazonaws.com/img/a%20b%2Bc.jpg")}`);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toMatch(/^https:\/\/aws-media\.s3\.us-east-1\.amazonaws\.com\/img\/a%20b%2Bc\.jpg\?X-Amz-/);
    expect(await (await fetch(res.headers.get("location")!)).text()).toBe("from s3");
  });
});

describe("parseObjectUrl", () => {
  const code = (f: () => unknown) => {
    try {
      f();
      return null;
    } catch (e) {
      return e instanceof ApiError ? e.code : "not an ApiError";
    }
  };

  it("tries S3 forms first, then Cloud Storage, then Azure Blob", () => {
    expect(parseObjectUrl("s3://b-1/k")).toEqual({ kind: "s3", bucket: "b-1", key: "k", region: null });
    expect(parseObjectUrl("GS://bucket_x/a%20b")).toEqual({ kind: "gcs", bucket: "bucket_x", key: "a%20b", region: null });
    expect(parseObjectUrl("https://STORAGE.googleapis.com/bkt/a%20b")).toMatchObject({ kind: "gcs", bucket: "bkt", key: "a b" });
    expect(parseObjectUrl("https://bkt.storage.googleapis.com/x/y")).toMatchObject({ kind: "gcs", bucket: "bkt", key: "x/y" });
    expect(parseObjectUrl(" az://acct1/cont/a b ")).toEqual({ kind: "azure", bucket: "cont", key: "a b", region: null, account: "acct1" });
    expect(parseObjectUrl("https://acct1.blob.core.windows.net/cont/a%2Bb+c")).toMatchObject({ kind: "azure", account: "acct1", bucket: "cont", key: "a+b+c" });
    // An S3-compatible endpoint on Google's host (interoperability) stays S3.
    expect(parseObjectUrl("https://storage.googleapis.com/bkt/k", { pathStyleOrigins: ["https://storage.googleapis.com"] })).toMatchObject({
      kind: "s3",
      bucket: "bkt",
      key: "k",
    });
    expect(code(() => parseObjectUrl("https://example.com/a/b"))).toBe("unsupported_host");
    expect(code(() => parseObjectUrl("http://storage.googleapis.com/b/k"))).toBe("unsupported_host");
    expect(code(() => parseObjectUrl("gs://bkt/a/../b"))).toBe("invalid_key");
    expect(code(() => parseObjectUrl("https://acct1.blob.core.windows.net/cont/x?snapshot=1"))).toBe("invalid_url");
    expect(code(() => parseObjectUrl("ftp://x/y"))).toBe("invalid_url");
  });

  it("lets an integration sign its own storage's objects, and S3 keys on Cloud Storage's interoperability endpoint gs:// objects", () => {
    const row = (provider: string, endpoint: string | null = null) =>
      compileIntegration({ id: "int_x", provider, endpoint, scopes: "[]", writeScopes: "[]", ipAllowlist: "[]", settings: "{}" } as unknown as IntegrationRow);
    expect(signsObject(row("aws_role"), undefined)).toBe(true);
    expect(signsObject(row("aws_role"), "s3")).toBe(true);
    expect(signsObject(row("aws_role"), "gcs")).toBe(false);
    expect(signsObject(row("aws_keys", "https://storage.googleapis.com"), "gcs")).toBe(true);
    expect(signsObject(row("aws_keys", "https://storage.googleapis.com"), "azure")).toBe(false);
    expect(signsObject(row("gcs"), undefined)).toBe(true);
    expect(signsObject(row("azure"), "s3")).toBe(false);
  });
});
