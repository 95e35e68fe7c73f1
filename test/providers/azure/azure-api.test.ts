/**
 * Azure end to end against the Microsoft fake: client-credentials token in the owner's
 * tenant → user delegation key → SAS signed locally → the fake blob service verifies the
 * SAS and the roles and serves bytes.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RetryPolicy } from "../../../worker/lib/outbound";
import { type AccessToken } from "../../../worker/gcp/token";
import { SingleFlightCache } from "../../../worker/lib/single-flight";
import { getAzureAccessToken } from "../../../worker/azure/token";
import { getUserDelegationKey, type CachedDelegationKey, type DelegationKeyOptions } from "../../../worker/azure/delegation-key";
import { SAS_START_BACKDATE_MS, signBlobSasUrl } from "../../../worker/azure/sas";
import { DATA_READER, DELEGATOR, FakeAzure } from "../../../scripts/fakes/azure";
import { installFakeFetch } from "../../support/fake-fetch";
import { expectServed, rejection } from "../../support/outcomes";

const CLIENT_ID = "5f0c2a9e-7d41-4a63-9b8e-2c1d0e9f8a7b";
const SECRET = "sIgNpOsT~test~secret~0123456789";
const TENANT = "3b8e51c4-92d0-4f6e-a1b7-6c5d4e3f2a10";
const OTHER_TENANT = "9a7b6c5d-4e3f-4a2b-8c1d-0e9f8a7b6c5d";
const ACCOUNT = "ownermedia";
const CONTAINER = "images";
const FAST: RetryPolicy = { attempts: 2, timeoutMs: 300, baseDelayMs: 1, maxDelayMs: 5 };
const env = { AZURE_CLIENT_ID: CLIENT_ID, AZURE_CLIENT_SECRET: SECRET };

const TRICKY: Record<string, string> = {
  "with space.jpg": "space",
  "a+b=c&d.png": "plus",
  "ünïcødé/日本語/😀.bin": "unicode",
  "marks/!'()*.txt": "sub-delims",
  "double//slash/x.txt": "double slash",
  "percent%20literal#hash?.txt": "percent",
};

let azure: FakeAzure;
let restore: () => void;
let principal: string;
let clock: number;
let opts: DelegationKeyOptions;

beforeAll(() => {
  azure = new FakeAzure();
  azure.now = () => clock;
  azure.registerApp(CLIENT_ID, SECRET);
  azure.createTenant(TENANT);
  azure.createTenant(OTHER_TENANT);
  principal = azure.consent(TENANT, CLIENT_ID);
  azure.createAccount(ACCOUNT, TENANT, { cors: [{ allowedOrigins: ["https://label.example.com"], allowedMethods: ["GET", "HEAD"], maxAgeInSeconds: 3600 }] });
  azure.createContainer(ACCOUNT, CONTAINER);
  azure.createContainer(ACCOUNT, "private");
  azure.putBlob(ACCOUNT, "private", "secret.txt", "no");
  for (const [name, body] of Object.entries(TRICKY)) azure.putBlob(ACCOUNT, CONTAINER, name, body, "text/plain");
  azure.createAccount("elsewhere", OTHER_TENANT);
  restore = installFakeFetch({ routes: [azure] }).restore;
});
afterAll(() => restore());

beforeEach(() => {
  clock = Date.UTC(2026, 10, 20, 12, 0, 30);
  azure.assignRole(ACCOUNT, principal, DELEGATOR);
  azure.assignRole(ACCOUNT, principal, DATA_READER, CONTAINER);
  azure.calls.length = 0;
  azure.clearFaults();
  opts = { now: () => clock, retry: FAST, tokenCache: new SingleFlightCache<AccessToken>(), keyCache: new SingleFlightCache<CachedDelegationKey>() };
});

async function sign(blob: string, extra: { expiresSeconds?: number; contentType?: string; contentDisposition?: string; container?: string } = {}) {
  const expiresSeconds = extra.expiresSeconds ?? 900;
  const key = await getUserDelegationKey(env, { tenantId: TENANT, account: ACCOUNT, needUntil: clock + expiresSeconds * 1000 }, opts);
  return signBlobSasUrl(key, { account: ACCOUNT, container: extra.container ?? CONTAINER, blob, signingTime: clock, ...extra, expiresSeconds });
}

describe("user delegation SAS", () => {
  it("serves every tricky blob name", async () => {
    for (const [name, body] of Object.entries(TRICKY)) {
      const { url, expiresAt, shortened } = await sign(name);
      expect(expiresAt).toBe(clock + 900_000);
      expect(shortened).toBe(false);
      await expectServed(url, body, name);
    }
  });

  it("has the read-only user delegation shape", async () => {
    const { url } = await sign("ünïcødé/日本語/😀.bin");
    const u = new URL(url);
    expect(u.origin).toBe(`https://${ACCOUNT}.blob.core.windows.net`);
    expect(u.pathname).toBe(`/${CONTAINER}/%C3%BCn%C3%AFc%C3%B8d%C3%A9/%E6%97%A5%E6%9C%AC%E8%AA%9E/%F0%9F%98%80.bin`);
    const q = u.searchParams;
    expect([...q.keys()]).toEqual(["sv", "spr", "st", "se", "skoid", "sktid", "skt", "ske", "sks", "skv", "sr", "sp", "sig"]);
    expect(q.get("sv")).toBe("2022-11-02");
    expect(q.get("sr")).toBe("b");
    expect(q.get("sp")).toBe("r");
    expect(q.get("spr")).toBe("https");
    expect(q.get("sks")).toBe("b");
    expect(q.get("skoid")).toBe(principal);
    expect(q.get("sktid")).toBe(TENANT);
    expect(q.get("st")).toBe(new Date(clock - SAS_START_BACKDATE_MS).toISOString().replace(".000", ""));
    expect(q.get("se")).toBe("2026-11-20T12:15:30Z");
    expect(url).not.toMatch(/sig=[^&]*[+/=]/); // base64 signature is percent-encoded
  });

  it("signs rsct and rscd, which the service applies", async () => {
    const disposition = `attachment; filename="resume (1).pdf"`;
    const { url } = await sign("marks/!'()*.txt", { contentType: "application/pdf", contentDisposition: disposition });
    const res = await fetch(url, { headers: { origin: "https://label.example.com" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-disposition")).toBe(disposition);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://label.example.com");
    expect((await fetch(url.replace("application%2Fpdf", "text%2Fhtml"))).status).toBe(403);
  });

  it("is refused once the blob name or signature is altered", async () => {
    const { url } = await sign("with space.jpg");
    const other = await fetch(url.replace("with%20space", "with%20spacf"));
    expect(other.status).toBe(403);
    expect(await other.text()).toContain("Signature did not match");
    expect((await fetch(url.replace(/sig=[^&]+/, "sig=AAAA"))).status).toBe(403);
  });

  it("is byte-identical for the same signing time", async () => {
    expect((await sign("with space.jpg")).url).toBe((await sign("with space.jpg")).url);
  });

  it("signs locally: one key request serves many URLs", async () => {
    for (let i = 0; i < 30; i++) await sign(`with space.jpg`, { expiresSeconds: 60 + i });
    expect(azure.callsTo("/oauth2/v2.0/token")).toHaveLength(1);
    expect(azure.calls.filter((c) => c.url.includes("comp=userdelegationkey"))).toHaveLength(1);
    expect(azure.calls).toHaveLength(2);
  });

  it("refuses unsafe names without calling Azure", async () => {
    const key = await getUserDelegationKey(env, { tenantId: TENANT, account: ACCOUNT, needUntil: clock + 60_000 }, opts);
    for (const blob of ["a/../b", ".", ""]) {
      const err = await rejection(signBlobSasUrl(key, { account: ACCOUNT, container: CONTAINER, blob, signingTime: clock, expiresSeconds: 60 }));
      expect(err.code).toBe("invalid_key");
    }
  });
});

describe("lifetime", () => {
  it("is valid for exactly what it claims", async () => {
    const { url, expiresAt } = await sign("with space.jpg", { expiresSeconds: 600 });
    clock = expiresAt - 1000;
    expect((await fetch(url)).status).toBe(200);
    clock = expiresAt;
    expect((await fetch(url)).status).toBe(403);
  });

  it("never outlives its key: a key that ends too soon is replaced first", async () => {
    const first = await getUserDelegationKey(env, { tenantId: TENANT, account: ACCOUNT, needUntil: clock + 900_000 }, opts);
    clock = first.expiresAt - 10 * 60_000;
    const { url, expiresAt, shortened } = await sign("with space.jpg", { expiresSeconds: 3600 });
    expect(shortened).toBe(false);
    const ske = Date.parse(new URL(url).searchParams.get("ske")!);
    expect(ske).toBeGreaterThan(first.expiresAt);
    expect(expiresAt).toBeLessThanOrEqual(ske);
    expect(azure.issuedKeys).toContainEqual(expect.objectContaining({ expiry: new URL(url).searchParams.get("ske") }));
    expect((await fetch(url)).status).toBe(200);
  });

  it("while Azure is down, a shorter-lived cached key still signs, shortened to the key's expiry", async () => {
    const first = await getUserDelegationKey(env, { tenantId: TENANT, account: ACCOUNT, needUntil: clock + 900_000 }, opts);
    clock = first.expiresAt - 10 * 60_000;
    azure.failNext(FAST.attempts, 503, (u) => u.searchParams.get("comp") === "userdelegationkey");
    const { url, expiresAt, shortened } = await sign("with space.jpg", { expiresSeconds: 3600 });
    expect(shortened).toBe(true);
    expect(expiresAt).toBe(first.expiresAt);
    expect(new URL(url).searchParams.get("se")).toBe(first.signedExpiry);
    clock = expiresAt - 1000;
    expect((await fetch(url)).status).toBe(200);
    clock = expiresAt;
    expect((await fetch(url)).status).toBe(403);
  });

  it("an expired key signs nothing", async () => {
    const key = await getUserDelegationKey(env, { tenantId: TENANT, account: ACCOUNT, needUntil: clock + 60_000 }, opts);
    const err = await rejection(signBlobSasUrl(key, { account: ACCOUNT, container: CONTAINER, blob: "x", signingTime: key.expiresAt, expiresSeconds: 60 }));
    expect(err.code).toBe("sts_unavailable");
  });

  it("asks for a key valid a day longer than needed, starting a little in the past", async () => {
    const key = await getUserDelegationKey(env, { tenantId: TENANT, account: ACCOUNT, needUntil: clock + 3600_000 }, opts);
    expect(key.expiresAt).toBe(Math.floor((clock + 3600_000 + 24 * 3600_000) / 1000) * 1000);
    expect(Date.parse(key.signedStart)).toBeLessThan(clock);
  });
});

describe("tokens and keys are single-flight", () => {
  it("20 concurrent token requests: one call to the identity platform", async () => {
    const tokens = await Promise.all(Array.from({ length: 20 }, () => getAzureAccessToken(env, TENANT, opts)));
    expect(new Set(tokens.map((t) => t.token)).size).toBe(1);
    expect(azure.callsTo("/oauth2/v2.0/token")).toHaveLength(1);
  });

  it("20 concurrent cold URLs: one token request and one key request", async () => {
    const urls = await Promise.all(Array.from({ length: 20 }, (_, i) => sign("with space.jpg", { expiresSeconds: 100 + i })));
    expect(new Set(urls.map((u) => u.url)).size).toBe(20);
    expect(azure.callsTo("/oauth2/v2.0/token")).toHaveLength(1);
    expect(azure.calls.filter((c) => c.url.includes("comp=userdelegationkey"))).toHaveLength(1);
  });

  it("the token is replaced 5 minutes before it expires", async () => {
    const first = await getAzureAccessToken(env, TENANT, opts);
    clock = first.expiresAt - 5 * 60_000 + 1000;
    expect((await getAzureAccessToken(env, TENANT, opts)).token).not.toBe(first.token);
  });
});

describe("permissions", () => {
  it("missing Storage Blob Delegator: role_cannot_be_assumed naming the role and the account", async () => {
    azure.removeRole(ACCOUNT, principal, DELEGATOR);
    const err = await rejection(sign("with space.jpg"));
    expect(err.code).toBe("role_cannot_be_assumed");
    expect(err.message).toContain("Storage Blob Delegator");
    expect(err.message).toContain(ACCOUNT);
    expect(err.hint).toContain(CLIENT_ID);
  });

  it("missing Storage Blob Data Reader: the SAS is made but the service refuses it", async () => {
    const { url } = await sign("secret.txt", { container: "private" });
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(res.headers.get("x-ms-error-code")).toBe("AuthorizationPermissionMismatch");
  });

  it("app not consented in the tenant: role_cannot_be_assumed with the admin consent link", async () => {
    const tenant = "11111111-2222-4333-8444-555555555555";
    azure.createTenant(tenant);
    const err = await rejection(getAzureAccessToken(env, tenant, opts));
    expect(err.code).toBe("role_cannot_be_assumed");
    expect(err.message).toContain("not consented");
    expect(err.hint).toContain(`/adminconsent?client_id=${CLIENT_ID}`);
  });

  it("unknown tenant: role_cannot_be_assumed", async () => {
    const err = await rejection(getAzureAccessToken(env, "00000000-0000-4000-8000-000000000000", opts));
    expect(err.code).toBe("role_cannot_be_assumed");
    expect(err.message).toContain("AADSTS90002");
  });

  it("storage account in another tenant: role_cannot_be_assumed", async () => {
    const err = await rejection(getUserDelegationKey(env, { tenantId: TENANT, account: "elsewhere", needUntil: clock + 60_000 }, opts));
    expect(err.code).toBe("role_cannot_be_assumed");
    expect(err.message).toContain(TENANT);
  });

  it("wrong client secret: upstream_error pointing at AZURE_CLIENT_SECRET", async () => {
    const err = await rejection(getAzureAccessToken({ ...env, AZURE_CLIENT_SECRET: "wrong" }, TENANT, opts));
    expect(err.code).toBe("upstream_error");
    expect(err.hint).toContain("AZURE_CLIENT_SECRET");
    expect(`${err.message} ${err.hint}`).not.toContain("wrong");
  });

  it("secrets not set, or a malformed tenant id", async () => {
    expect((await rejection(getAzureAccessToken({ AZURE_CLIENT_ID: CLIENT_ID }, TENANT, opts))).message).toContain("AZURE_CLIENT_SECRET");
    expect((await rejection(getAzureAccessToken(env, "common", opts))).code).toBe("role_cannot_be_assumed");
    expect((await rejection(getAzureAccessToken(env, "../evil", opts))).code).toBe("role_cannot_be_assumed");
    expect(azure.calls).toHaveLength(0);
  });
});

describe("outages", () => {
  it("retries a 503 from Get User Delegation Key", async () => {
    azure.failNext(1, 503, (u) => u.searchParams.get("comp") === "userdelegationkey");
    expect((await fetch((await sign("with space.jpg")).url)).status).toBe(200);
  });

  for (const kind of [500, 503, 429, "network", "hang"] as const) {
    it(`key request failing with ${kind} and nothing cached: sts_unavailable with Retry-After`, async () => {
      azure.failNext(FAST.attempts, kind, (u) => u.searchParams.get("comp") === "userdelegationkey");
      const err = await rejection(sign("with space.jpg"));
      expect(err.code).toBe("sts_unavailable");
      expect(err.headers?.["retry-after"]).toMatch(/^\d+$/);
    });
  }

  it("identity platform down: sts_unavailable", async () => {
    azure.failNext(FAST.attempts, 503, (u) => u.hostname === "login.microsoftonline.com");
    expect((await rejection(getAzureAccessToken(env, TENANT, opts))).code).toBe("sts_unavailable");
  });
});

describe("the fake's service CORS (Get Blob Service Properties)", () => {
  it("answers signpost's token with the CORS rules", async () => {
    const token = await getAzureAccessToken(env, TENANT, opts);
    const res = await fetch(`https://${ACCOUNT}.blob.core.windows.net/?restype=service&comp=properties`, {
      headers: { authorization: `Bearer ${token.token}`, "x-ms-version": "2022-11-02" },
    });
    expect(res.status).toBe(200);
    const xml = await res.text();
    expect(xml).toContain("<AllowedOrigins>https://label.example.com</AllowedOrigins><AllowedMethods>GET,HEAD</AllowedMethods>");
  });
});
