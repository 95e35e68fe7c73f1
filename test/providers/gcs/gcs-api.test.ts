/**
 * GCS end to end against the Google fake: signpost's token (JWT bearer grant) → signBlob as
 * the owner's service account → V4 signed URL → the fake storage verifies it and serves bytes.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RetryPolicy } from "../../../worker/lib/outbound";
import { presignGcsObject, SIGNBLOB_MAX_EXPIRES_SECONDS, type SignBlobOptions } from "../../../worker/gcp/sign-blob";
import { getGcpAccessToken, type AccessToken } from "../../../worker/gcp/token";
import { SingleFlightCache } from "../../../worker/lib/single-flight";
import { FakeGoogle, LEGACY_BUCKET_READER, OBJECT_VIEWER } from "../../../scripts/fakes/google";
import { installFakeFetch } from "../../support/fake-fetch";
import { expectServed, rejection } from "../../support/outcomes";

const SIGNPOST = "signpost@signpost-prod.iam.gserviceaccount.com";
const OWNER = "labels-reader@owner-proj.iam.gserviceaccount.com";
const BUCKET = "owner-media";
const FAST: RetryPolicy = { attempts: 2, timeoutMs: 300, baseDelayMs: 1, maxDelayMs: 5 };

const TRICKY: Record<string, string> = {
  "images/with space.jpg": "space",
  "images/a+b=c&d.png": "plus",
  "ünïcødé/日本語/😀.bin": "unicode",
  "marks/!'()*.txt": "sub-delims",
  "double//slash/x.txt": "double slash",
  "percent%20literal#hash?.txt": "percent",
  "trailing/": "trailing slash",
  "tab\tand~tilde.txt": "tab",
};

let google: FakeGoogle;
let restore: () => void;
let env: { GCP_SERVICE_ACCOUNT_KEY: string };
let clock: number;
let opts: SignBlobOptions;

beforeAll(async () => {
  google = new FakeGoogle();
  google.now = () => clock;
  env = { GCP_SERVICE_ACCOUNT_KEY: (await google.createServiceAccount(SIGNPOST)).keyFile };
  await google.createServiceAccount(OWNER);
  google.createBucket(BUCKET, { cors: [{ origin: ["https://label.example.com"], method: ["GET", "HEAD"], maxAgeSeconds: 3600 }] });
  google.grantBucketRole(BUCKET, OWNER, OBJECT_VIEWER);
  for (const [name, body] of Object.entries(TRICKY)) google.putObject(BUCKET, name, body, "text/plain");
  restore = installFakeFetch({ routes: [google] }).restore;
});
afterAll(() => restore());

beforeEach(() => {
  clock = Date.UTC(2026, 10, 20, 12, 0, 0);
  google.grantTokenCreator(OWNER, SIGNPOST);
  google.calls.length = 0;
  google.clearFaults();
  opts = { now: () => clock, retry: FAST, tokenCache: new SingleFlightCache<AccessToken>() };
});

async function presign(key: string, extra: Partial<Parameters<typeof presignGcsObject>[1]> = {}) {
  return presignGcsObject(env, { serviceAccountEmail: OWNER, bucket: BUCKET, key, expiresSeconds: 900, signingTime: clock, ...extra }, opts);
}

describe("signed URLs", () => {
  it("serves every tricky object name through a path-style URL", async () => {
    for (const [name, body] of Object.entries(TRICKY)) {
      const { url, expiresAt } = await presign(name);
      expect(url.startsWith(`https://storage.googleapis.com/${BUCKET}/`)).toBe(true);
      expect(expiresAt).toBe(clock + 900_000);
      await expectServed(url, body, name);
    }
  });

  it("serves through a virtual-hosted URL", async () => {
    const { url } = await presign("images/with space.jpg", { style: "virtual" });
    expect(url.startsWith(`https://${BUCKET}.storage.googleapis.com/images/with%20space.jpg?`)).toBe(true);
    expect(await (await fetch(url)).text()).toBe("space");
  });

  it("carries the V4 query parameters, with the owner's service account as credential", async () => {
    const { url } = await presign("ünïcødé/日本語/😀.bin");
    const u = new URL(url);
    expect(u.pathname).toBe(`/${BUCKET}/%C3%BCn%C3%AFc%C3%B8d%C3%A9/%E6%97%A5%E6%9C%AC%E8%AA%9E/%F0%9F%98%80.bin`);
    expect(u.searchParams.get("X-Goog-Algorithm")).toBe("GOOG4-RSA-SHA256");
    expect(u.searchParams.get("X-Goog-Credential")).toBe(`${OWNER}/20261120/auto/storage/goog4_request`);
    expect(u.searchParams.get("X-Goog-Date")).toBe("20261120T120000Z");
    expect(u.searchParams.get("X-Goog-Expires")).toBe("900");
    expect(u.searchParams.get("X-Goog-SignedHeaders")).toBe("host");
    expect(u.searchParams.get("X-Goog-Signature")).toMatch(/^[0-9a-f]{512}$/);
    expect(url).toContain(`X-Goog-Credential=${encodeURIComponent(OWNER).replace("@", "%40")}%2F20261120%2Fauto%2Fstorage%2Fgoog4_request`);
  });

  it("signs response-content-type and response-content-disposition, which storage applies", async () => {
    const disposition = `attachment; filename="resume (1).pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20(1).pdf`;
    const { url } = await presign("marks/!'()*.txt", { responseContentType: "application/pdf", responseContentDisposition: disposition });
    const res = await fetch(url, { headers: { origin: "https://label.example.com" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-disposition")).toBe(disposition);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://label.example.com");
    // The overrides are signed: changing one breaks the signature.
    const tampered = url.replace("application%2Fpdf", "text%2Fhtml");
    expect((await fetch(tampered)).status).toBe(403);
  });

  it("is byte-identical for the same signing time (RSA PKCS#1 v1.5 is deterministic)", async () => {
    const a = await presign("images/with space.jpg");
    const b = await presign("images/with space.jpg");
    expect(a.url).toBe(b.url);
  });

  it("is refused by storage once the object name is altered", async () => {
    const { url } = await presign("images/with space.jpg");
    const res = await fetch(url.replace("with%20space", "with%20spacf"));
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("SignatureDoesNotMatch");
  });

  it("refuses unsafe keys before any network call", async () => {
    for (const key of ["a/../b", "./x", "", "line\nbreak"]) {
      expect((await rejection(presign(key))).code).toBe("invalid_key");
    }
    expect(google.calls).toHaveLength(0);
  });
});

describe("lifetime", () => {
  it("is valid for exactly what it claims: at expiresAt - 1s yes, at expiresAt no", async () => {
    const { url, expiresAt } = await presign("images/with space.jpg", { expiresSeconds: 600 });
    clock = expiresAt - 1000;
    expect((await fetch(url)).status).toBe(200);
    clock = expiresAt;
    expect((await fetch(url)).status).toBe(400);
  });

  it("never asks for more than the 12 hours a signBlob signature is good for", async () => {
    const signed = await presign("images/with space.jpg", { expiresSeconds: 86400 });
    expect(signed.expiresSeconds).toBe(SIGNBLOB_MAX_EXPIRES_SECONDS);
    expect(signed.expiresAt).toBe(clock + SIGNBLOB_MAX_EXPIRES_SECONDS * 1000);
    expect(new URL(signed.url).searchParams.get("X-Goog-Expires")).toBe("43200");
    clock = signed.expiresAt - 1000;
    expect((await fetch(signed.url)).status).toBe(200);
  });

  it("counts from the signing time it is given (a cache window's start), not from now", async () => {
    const windowStart = clock - 45_000;
    const { url, expiresAt } = await presign("images/with space.jpg", { signingTime: windowStart, expiresSeconds: 960 });
    expect(expiresAt).toBe(windowStart + 960_000);
    expect(new URL(url).searchParams.get("X-Goog-Date")).toBe("20261120T115915Z");
    expect((await fetch(url)).status).toBe(200);
  });
});

describe("access token", () => {
  it("20 concurrent callers share one token request", async () => {
    const tokens = await Promise.all(Array.from({ length: 20 }, () => getGcpAccessToken(env, opts)));
    expect(new Set(tokens.map((t) => t.token)).size).toBe(1);
    expect(google.callsTo("/token")).toHaveLength(1);
    expect(tokens[0]!.expiresAt).toBe(clock + 3599_000);
  });

  it("20 concurrent URLs: one token request, one signBlob each", async () => {
    const urls = await Promise.all(Array.from({ length: 20 }, (_, i) => presign("images/with space.jpg", { expiresSeconds: 100 + i })));
    expect(new Set(urls.map((u) => u.url)).size).toBe(20);
    expect(google.callsTo("/token")).toHaveLength(1);
    expect(google.callsTo(":signBlob")).toHaveLength(20);
  });

  it("is reused until 5 minutes before expiry, then replaced", async () => {
    const first = await getGcpAccessToken(env, opts);
    clock = first.expiresAt - 5 * 60_000 - 1000;
    expect((await getGcpAccessToken(env, opts)).token).toBe(first.token);
    clock += 2000;
    const second = await getGcpAccessToken(env, opts);
    expect(second.token).not.toBe(first.token);
    expect(google.callsTo("/token")).toHaveLength(2);
  });

  it("a revoked token is dropped and replaced once, transparently", async () => {
    await getGcpAccessToken(env, opts);
    google.revokeAccessTokens();
    const { url } = await presign("images/with space.jpg");
    expect((await fetch(url)).status).toBe(200);
    expect(google.callsTo("/token")).toHaveLength(2);
    expect(google.calls.filter((c) => c.path.endsWith(":signBlob")).map((c) => c.status)).toEqual([401, 200]);
  });

  it("keeps serving a cached token while the token endpoint is down", async () => {
    const first = await getGcpAccessToken(env, opts);
    clock = first.expiresAt - 4 * 60_000; // due for refresh, still valid
    google.failNext(FAST.attempts, 503, (u) => u.hostname === "oauth2.googleapis.com");
    expect((await getGcpAccessToken(env, opts)).token).toBe(first.token);
  });

  it("token endpoint down and nothing cached: sts_unavailable with Retry-After", async () => {
    google.failNext(2, 503, (u) => u.hostname === "oauth2.googleapis.com");
    const err = await rejection(getGcpAccessToken(env, opts));
    expect(err.code).toBe("sts_unavailable");
    expect(err.status).toBe(503);
    expect(err.headers?.["retry-after"]).toMatch(/^\d+$/);
  });

  it("Google refusing signpost's key is an upstream_error naming the secret", async () => {
    const other = new FakeGoogle();
    const stranger = { GCP_SERVICE_ACCOUNT_KEY: (await other.createServiceAccount(SIGNPOST)).keyFile }; // same email, unknown key
    const err = await rejection(getGcpAccessToken(stranger, opts));
    expect(err.code).toBe("upstream_error");
    expect(err.message).toContain("invalid_grant");
    expect(err.hint).toContain("GCP_SERVICE_ACCOUNT_KEY");
  });
});

describe("permissions", () => {
  it("missing Token Creator: role_cannot_be_assumed naming the role and both service accounts", async () => {
    google.revokeTokenCreator(OWNER, SIGNPOST);
    const err = await rejection(presign("images/with space.jpg"));
    expect(err.code).toBe("role_cannot_be_assumed");
    expect(err.status).toBe(502);
    expect(err.message).toContain("roles/iam.serviceAccountTokenCreator");
    expect(err.message).toContain(OWNER);
    expect(err.hint).toContain(`--member=serviceAccount:${SIGNPOST}`);
  });

  it("unknown service account: role_cannot_be_assumed saying it was not found", async () => {
    const err = await rejection(presign("images/with space.jpg", { serviceAccountEmail: "gone@owner-proj.iam.gserviceaccount.com" }));
    expect(err.code).toBe("role_cannot_be_assumed");
    expect(err.message).toContain("gone@owner-proj.iam.gserviceaccount.com was not found");
  });

  it("a signer without Storage Object Viewer gets a URL that storage refuses", async () => {
    google.revokeBucketRole(BUCKET, OWNER, OBJECT_VIEWER);
    try {
      const { url } = await presign("images/with space.jpg");
      const res = await fetch(url);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain("storage.objects.get");
    } finally {
      google.grantBucketRole(BUCKET, OWNER, OBJECT_VIEWER);
    }
  });
});

describe("outages", () => {
  it("retries a 503 from signBlob", async () => {
    google.failNext(1, 503, (u) => u.pathname.endsWith(":signBlob"));
    const { url } = await presign("images/with space.jpg");
    expect((await fetch(url)).status).toBe(200);
  });

  for (const kind of [500, 503, 429, "network"] as const) {
    it(`signBlob failing with ${kind} on every attempt: sts_unavailable`, async () => {
      google.failNext(FAST.attempts, kind, (u) => u.pathname.endsWith(":signBlob"));
      const err = await rejection(presign("images/with space.jpg"));
      expect(err.code).toBe("sts_unavailable");
      expect(err.headers?.["retry-after"]).toBeDefined();
    });
  }

  it("a hanging signBlob times out instead of hanging the request", async () => {
    google.failNext(FAST.attempts, "hang", (u) => u.pathname.endsWith(":signBlob"));
    const started = Date.now();
    const err = await rejection(presign("images/with space.jpg"));
    expect(err.code).toBe("sts_unavailable");
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe("configuration", () => {
  it("names what is wrong with GCP_SERVICE_ACCOUNT_KEY without quoting the key", async () => {
    const file = JSON.parse(env.GCP_SERVICE_ACCOUNT_KEY) as Record<string, string>;
    const pemBody = file.private_key!.split("\n")[1]!;
    const cases: Array<[string | undefined, string]> = [
      [undefined, "is not set"],
      ["{not json " + pemBody, "is not a JSON key file"],
      [JSON.stringify({ ...file, type: "authorized_user" }), `"type" "authorized_user"`],
      [JSON.stringify({ ...file, client_email: undefined }), `"client_email"`],
      [JSON.stringify({ ...file, private_key: file.private_key!.replace("PRIVATE KEY", "RSA PRIVATE KEY") }), "PKCS#1"],
      [JSON.stringify({ ...file, private_key: "garbage " + pemBody }), `"private_key"`],
      [JSON.stringify({ ...file, token_uri: "http://evil.test/token" }), `"token_uri"`],
    ];
    for (const [raw, expected] of cases) {
      const err = await rejection(getGcpAccessToken({ GCP_SERVICE_ACCOUNT_KEY: raw }, opts));
      expect(err.code).toBe("internal_error");
      expect(err.message).toContain("GCP_SERVICE_ACCOUNT_KEY");
      expect(err.message).toContain(expected);
      expect(`${err.message} ${err.hint}`).not.toContain(pemBody.slice(0, 20));
    }
  });

  it("accepts the key file as base64", async () => {
    const b64 = btoa(env.GCP_SERVICE_ACCOUNT_KEY);
    expect((await getGcpAccessToken({ GCP_SERVICE_ACCOUNT_KEY: b64 }, opts)).token).toMatch(/^ya29\./);
  });
});

describe("the fake's bucket CORS (JSON API), read as the owner's service account", () => {
  it("needs a token of a service account that may read the bucket", async () => {
    const signpostToken = await getGcpAccessToken(env, opts);
    const impersonated = await fetch(`https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${encodeURIComponent(OWNER)}:generateAccessToken`, {
      method: "POST",
      headers: { authorization: `Bearer ${signpostToken.token}`, "content-type": "application/json" },
      body: JSON.stringify({ scope: ["https://www.googleapis.com/auth/devstorage.read_only"], lifetime: "300s" }),
    });
    const { accessToken } = (await impersonated.json()) as { accessToken: string };
    const corsUrl = `https://storage.googleapis.com/storage/v1/b/${BUCKET}?fields=cors`;
    expect((await fetch(corsUrl, { headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(403);
    google.grantBucketRole(BUCKET, OWNER, LEGACY_BUCKET_READER);
    const res = await fetch(corsUrl, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(await res.json()).toEqual({ cors: [{ origin: ["https://label.example.com"], method: ["GET", "HEAD"], maxAgeSeconds: 3600 }] });
    expect((await fetch(corsUrl)).status).toBe(401);
  });
});
