/** Cloudflare Access JWTs on the admin surface: signature against the team's certs, issuer, audience, time. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newWorld, type World } from "../../support/harness";
import { accessCertsRoute } from "../../support/access-certs";
import { installFakeFetch } from "../../support/fake-fetch";

// Certs are cached per team (an hour; unknown kids refetch at most once a minute): a team per test.
let TEAM = "";
const AUD = "aud-0123456789abcdef";
let w: World;
let keys: CryptoKeyPair;
let certFetches = 0;
let kid = "";
let restoreFetch: () => void;

const b64url = (b: ArrayBuffer | Uint8Array | string) =>
  btoa(typeof b === "string" ? b : String.fromCharCode(...new Uint8Array(b instanceof Uint8Array ? b : new Uint8Array(b))))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

async function jwt(claims: Record<string, unknown>, opts: { kid?: string; key?: CryptoKey; alg?: string } = {}): Promise<string> {
  const header = b64url(JSON.stringify({ alg: opts.alg ?? "RS256", kid: opts.kid ?? kid, typ: "JWT" }));
  const body = b64url(JSON.stringify(claims));
  const sig = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", opts.key ?? keys.privateKey, new TextEncoder().encode(`${header}.${body}`));
  return `${header}.${body}.${b64url(sig)}`;
}

beforeEach(async () => {
  TEAM = `acme-${crypto.randomUUID().slice(0, 8)}.cloudflareaccess.com`;
  w = await newWorld({ ACCESS_TEAM_DOMAIN: TEAM, ACCESS_AUD: AUD });
  kid = "k-" + crypto.randomUUID();
  certFetches = 0;
  keys = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey("jwk", keys.publicKey)) as JsonWebKey;
  const certs = accessCertsRoute(TEAM, () => {
    certFetches++;
    return [{ kid, kty: "RSA", alg: "RS256", n: jwk.n, e: jwk.e }];
  });
  restoreFetch = installFakeFetch({ routes: [certs], passthrough: () => true }).restore;
});
afterEach(() => {
  restoreFetch();
  w.close();
});

const now = () => Math.floor(Date.now() / 1000);
const good = () => ({ iss: `https://${TEAM}`, aud: [AUD], email: "owner@acme.example", sub: "u1", exp: now() + 300, iat: now() });

async function list(token: string) {
  return w.call("/admin/api/integrations", { headers: { "cf-access-jwt-assertion": token } });
}

describe("Cloudflare Access", () => {
  it("accepts a valid token and records the user in the audit log", async () => {
    expect((await list(await jwt(good()))).status).toBe(200);
    // State-changing calls carry the page's CSRF token, as for sessions (test/security/csrf.test.ts).
    const page = await (await w.call("/admin", { headers: { "cf-access-jwt-assertion": await jwt(good()) } })).text();
    const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(page)![1]!;
    const res = await w.call("/admin/api/integrations", {
      method: "POST",
      headers: { "cf-access-jwt-assertion": await jwt(good()), "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify({ name: "via access" }),
    });
    expect(res.status).toBe(201);
    const audit = (await (await w.admin("GET", "/admin/api/audit")).json()) as { entries: Array<{ actor: string }> };
    expect(audit.entries[0]!.actor).toBe("access:owner@acme.example");
    expect(certFetches).toBe(1); // cached
  });

  it.each([
    ["another audience", { aud: ["someone-else"] }],
    ["another issuer", { iss: "https://evil.cloudflareaccess.com" }],
    ["expired", { exp: now() - 10 }],
    ["not yet valid", { nbf: now() + 3600 }],
  ])("refuses a token with %s", async (_n, over) => {
    expect((await list(await jwt({ ...good(), ...over }))).status).toBe(401);
  });

  it("refuses a token signed by another key, an unknown kid, alg none, and garbage", async () => {
    const other = (await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["sign", "verify"],
    )) as CryptoKeyPair;
    expect((await list(await jwt(good(), { key: other.privateKey }))).status).toBe(401);
    expect((await list(await jwt(good(), { kid: "unknown-kid" }))).status).toBe(401);
    // A stream of unknown kids does not become a stream of cert fetches.
    const before = certFetches;
    for (let i = 0; i < 5; i++) expect((await list(await jwt(good(), { kid: `made-up-${i}` }))).status).toBe(401);
    expect(certFetches).toBe(before);
    const none = `${b64url(JSON.stringify({ alg: "none", kid }))}.${b64url(JSON.stringify(good()))}.`;
    expect((await list(none)).status).toBe(401);
    expect((await list("garbage")).status).toBe(401);
  });

  it("is ignored when Access is not configured", async () => {
    const plain = await newWorld();
    const res = await plain.call("/admin/api/integrations", { headers: { "cf-access-jwt-assertion": await jwt(good()) } });
    expect(res.status).toBe(401);
    plain.close();
  });
});
