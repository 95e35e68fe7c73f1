/**
 * signpost as an OpenID Connect issuer: discovery, JWKS (public keys only, both kids during a
 * rotation), and tokens verified with an independent JOSE library (jose).
 */
import { afterEach, describe, expect, it } from "vitest";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from "jose";
import { newWorld, errorOf, type World } from "../support/harness";
import { mintIntegrationToken } from "../../worker/oidc/issuer";
import { ISSUER, newSigningJwk, oidcVars, publicOnly } from "../support/oidc-keys";

let w: World | undefined;
afterEach(() => w?.close());

async function served(world: World): Promise<JSONWebKeySet> {
  const res = await world.call("/.well-known/jwks.json");
  expect(res.status).toBe(200);
  return (await res.json()) as JSONWebKeySet;
}

describe("issuer documents", () => {
  it("are 404 with a hint naming what to set when the issuer is not configured", async () => {
    w = await newWorld();
    for (const path of ["/.well-known/openid-configuration", "/.well-known/jwks.json"]) {
      const res = await w.call(path);
      expect(res.status).toBe(404);
      const e = await errorOf(res);
      expect(e.code).toBe("not_found");
      expect(e.hint).toContain("OIDC_ISSUER and OIDC_SIGNING_KEY");
    }
  });

  it("publish the discovery document with the issuer and its JWKS URL, cacheable", async () => {
    w = await newWorld(oidcVars(await newSigningJwk("k1", "ES256")));
    const res = await w.call("/.well-known/openid-configuration");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/.well-known/jwks.json`,
      response_types_supported: ["id_token"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["ES256"],
    });
  });

  it("publish only public key members, with kid, alg and use", async () => {
    const rsa = await newSigningJwk("rsa-1", "RS256");
    w = await newWorld(oidcVars(rsa));
    const res = await w.call("/.well-known/jwks.json");
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    const set = (await res.json()) as JSONWebKeySet;
    expect(set.keys).toHaveLength(1);
    const k = set.keys[0]! as unknown as Record<string, unknown>;
    expect(k).toEqual({ kty: "RSA", n: rsa.n, e: rsa.e, kid: "rsa-1", alg: "RS256", use: "sig" });
    for (const secret of ["d", "p", "q", "dp", "dq", "qi"]) expect(JSON.stringify(set)).not.toContain(String(rsa[secret]));
  });
});

describe("tokens", () => {
  for (const alg of ["ES256", "RS256"] as const) {
    it(`${alg}: verify against the served JWKS with the SPEC's claims and a kid header`, async () => {
      w = await newWorld(oidcVars(await newSigningJwk(`key-${alg}`, alg)));
      const before = Math.floor(Date.now() / 1000);
      const token = await mintIntegrationToken(w.env, "int_abc", "sts.amazonaws.com");
      const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(await served(w)), {
        issuer: ISSUER,
        audience: "sts.amazonaws.com",
        subject: "integration:int_abc",
        algorithms: [alg],
      });
      expect(protectedHeader).toMatchObject({ alg, kid: `key-${alg}`, typ: "JWT" });
      expect(payload.iat).toBeGreaterThanOrEqual(before);
      expect(payload.nbf).toBe(payload.iat);
      expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(300);
      expect(payload.exp! - payload.iat!).toBeGreaterThan(0);
      expect(typeof payload.jti).toBe("string");
    });
  }

  it("carry a fresh jti each time", async () => {
    w = await newWorld(oidcVars(await newSigningJwk("k1")));
    const jtis = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const { payload } = await jwtVerify(await mintIntegrationToken(w.env, "int_x", "aud"), createLocalJWKSet(await served(w)), { audience: "aud" });
      jtis.add(payload.jti!);
    }
    expect(jtis.size).toBe(5);
  });

  it("are refused when no issuer is configured (invalid_request naming the missing variable)", async () => {
    w = await newWorld({ OIDC_ISSUER: ISSUER });
    await expect(mintIntegrationToken(w.env, "int_x", "aud")).rejects.toMatchObject({
      code: "invalid_request",
      message: expect.stringContaining("OIDC_SIGNING_KEY is not set"),
    });
  });
});

describe("key rotation", () => {
  it("a token signed with the previous key verifies while it is published, not after", async () => {
    const a = await newSigningJwk("key-a", "ES256");
    const b = await newSigningJwk("key-b", "RS256");
    w = await newWorld(oidcVars(a));
    const oldToken = await mintIntegrationToken(w.env, "int_r", "sts.amazonaws.com");
    w.close();

    // Rotation: b signs, a (as its public half, all the operator keeps) is still published.
    w = await newWorld(oidcVars(b, publicOnly(a)));
    const during = await served(w);
    expect(during.keys.map((k) => k.kid)).toEqual(["key-b", "key-a"]);
    const doc = (await (await w.call("/.well-known/openid-configuration")).json()) as { id_token_signing_alg_values_supported: string[] };
    expect(doc.id_token_signing_alg_values_supported).toEqual(["RS256", "ES256"]);
    await expect(jwtVerify(oldToken, createLocalJWKSet(during), { issuer: ISSUER, audience: "sts.amazonaws.com" })).resolves.toBeTruthy();
    const newToken = await mintIntegrationToken(w.env, "int_r", "sts.amazonaws.com");
    expect(decodeProtectedHeader(newToken).kid).toBe("key-b");
    await expect(jwtVerify(newToken, createLocalJWKSet(during), { issuer: ISSUER, audience: "sts.amazonaws.com" })).resolves.toBeTruthy();
    w.close();

    // Rotation finished: a is no longer published, its tokens no longer verify.
    w = await newWorld(oidcVars(b));
    const after = await served(w);
    expect(after.keys.map((k) => k.kid)).toEqual(["key-b"]);
    await expect(jwtVerify(oldToken, createLocalJWKSet(after), { issuer: ISSUER, audience: "sts.amazonaws.com" })).rejects.toThrow();
    await expect(jwtVerify(newToken, createLocalJWKSet(after), { issuer: ISSUER, audience: "sts.amazonaws.com" })).resolves.toBeTruthy();
  });

  it("publishes a key once while the previous and the current one are the same (mid-rotation)", async () => {
    const a = await newSigningJwk("key-a");
    w = await newWorld(oidcVars(a, publicOnly(a)));
    expect((await served(w)).keys.map((k) => k.kid)).toEqual(["key-a"]);
  });

  it("a private previous key is published by its public half only", async () => {
    const a = await newSigningJwk("key-a");
    w = await newWorld(oidcVars(await newSigningJwk("key-b"), a));
    const set = await served(w);
    expect(JSON.stringify(set)).not.toContain(String(a.d));
  });
});

describe("configuration", () => {
  async function misconfigured(vars: Record<string, string>, name: string, leak?: string) {
    w = await newWorld(vars);
    const res = await w.call("/health");
    expect(res.status).toBe(500);
    const body = await res.text();
    expect((JSON.parse(body) as { error: { message: string } }).error.message).toContain(`signpost is misconfigured: ${name}`);
    if (leak) expect(body).not.toContain(leak);
    w.close();
    w = undefined;
  }

  it("refuses malformed keys and issuers, naming the variable and never echoing key material", async () => {
    const good = await newSigningJwk("k1");
    await misconfigured({ OIDC_ISSUER: ISSUER, OIDC_SIGNING_KEY: "not json" }, "OIDC_SIGNING_KEY");
    await misconfigured({ OIDC_ISSUER: ISSUER, OIDC_SIGNING_KEY: JSON.stringify(publicOnly(good)) }, "OIDC_SIGNING_KEY holds no private key");
    await misconfigured(
      { OIDC_ISSUER: ISSUER, OIDC_SIGNING_KEY: JSON.stringify({ ...good, kid: undefined }) },
      'OIDC_SIGNING_KEY has no "kid"',
      String(good.d),
    );
    await misconfigured(
      { OIDC_ISSUER: ISSUER, OIDC_SIGNING_KEY: JSON.stringify({ ...good, alg: "HS256" }) },
      'OIDC_SIGNING_KEY must have "alg"',
      String(good.d),
    );
    await misconfigured(
      { OIDC_ISSUER: ISSUER, OIDC_SIGNING_KEY: JSON.stringify({ ...good, alg: "RS256" }) },
      "OIDC_SIGNING_KEY with alg RS256",
      String(good.d),
    );
    await misconfigured(
      { OIDC_ISSUER: ISSUER, OIDC_SIGNING_KEY: JSON.stringify(good), OIDC_SIGNING_KEY_PREVIOUS: "{}" },
      'OIDC_SIGNING_KEY_PREVIOUS has no "kid"',
    );
    await misconfigured({ OIDC_ISSUER: "http://signpost.example.com", OIDC_SIGNING_KEY: JSON.stringify(good) }, "OIDC_ISSUER must be an https origin");
    await misconfigured({ OIDC_ISSUER: "http://127.0.0.1:8787", OIDC_SIGNING_KEY: JSON.stringify(good) }, "OIDC_ISSUER must be an https origin");
    await misconfigured({ OIDC_ISSUER: "https://signpost.example.com/issuer", OIDC_SIGNING_KEY: JSON.stringify(good) }, "OIDC_ISSUER must be an origin only");
  });

  it("accepts plain http on loopback with ALLOW_HTTP_LOOPBACK_ENDPOINTS", async () => {
    w = await newWorld({
      OIDC_ISSUER: "http://127.0.0.1:8787/",
      OIDC_SIGNING_KEY: JSON.stringify(await newSigningJwk("k1")),
      ALLOW_HTTP_LOOPBACK_ENDPOINTS: "true",
    });
    const doc = (await (await w.call("/.well-known/openid-configuration")).json()) as { issuer: string; jwks_uri: string };
    expect(doc.issuer).toBe("http://127.0.0.1:8787");
    expect(doc.jwks_uri).toBe("http://127.0.0.1:8787/.well-known/jwks.json");
  });
});
