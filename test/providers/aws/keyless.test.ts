/**
 * Keyless AWS (identity "oidc"): AssumeRoleWithWebIdentity with signpost's own token, against
 * a fake STS that fetches signpost's discovery document and JWKS from the Worker itself and
 * verifies every token with jose. No AWS keys are configured in these worlds.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLocalJWKSet, decodeJwt, importJWK, jwtVerify, SignJWT, type JSONWebKeySet } from "jose";
import { errorOf, follow, newWorld, OWNER_ACCOUNT, readPolicy, type World } from "../../support/harness";
import { ISSUER, newSigningJwk, oidcVars } from "../../support/oidc-keys";
import { ApiError } from "../../../worker/http/errors";
import { compileIntegration } from "../../../worker/integrations/model";
import { credentialsFor } from "../../../worker/providers/aws/credentials";
import { getIntegrationRow } from "../../../worker/store/integrations";
import { db } from "../../../worker/store/db";

/** What an administrator sees of a signing failure (public /v1 answers carry a generic message). */
async function signingFailure(id: string): Promise<ApiError> {
  const integ = compileIntegration((await getIntegrationRow(db(w.env.DB), id))!);
  const err = await credentialsFor(w.env, { waitUntil: () => undefined }, integ, Date.now() + 60_000).then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof ApiError)) throw new Error("expected signing to fail");
  return err;
}

const BUCKET = "media-bucket";
const HOST = "signpost.test";
const PROVIDER_ARN = `arn:aws:iam::${OWNER_ACCOUNT}:oidc-provider/${HOST}`;

let w: World;
let key: Record<string, unknown>;

beforeEach(async () => {
  key = await newSigningJwk("key-1", "ES256");
  // No AWS keys at all: a keyless deployment must not need them.
  w = await newWorld({ ...oidcVars(key), AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "" });
  w.fake.addBucket({ name: BUCKET, region: "us-east-1", objects: { "a.txt": "A" } });
});
afterEach(() => w.close());

interface Created {
  id: string;
  identity: string;
  roleArn: string;
  trustPolicy: { Statement: Array<{ Principal: { Federated: string }; Action: string; Condition: { StringEquals: Record<string, string> } }> };
  oidcProviderCommand: string;
}

function registerProvider(clientIds = ["sts.amazonaws.com"], fetchIt: (u: string) => Promise<Response> = (u) => w.call(u)): string {
  return w.fake.addOidcProvider({ account: OWNER_ACCOUNT, url: ISSUER, clientIds, fetch: fetchIt });
}

/** The owner's side, done with the documents signpost generated: provider, role with the trust policy, ARN pasted. */
async function keylessIntegration(o: { conditions?: (c: Record<string, string>) => Record<string, string>; provider?: boolean } = {}): Promise<Created> {
  const res = await w.admin("POST", "/admin/api/integrations", { name: "Keyless", identity: "oidc", region: "us-east-1", scopes: [BUCKET] });
  expect(res.status).toBe(201);
  const created = (await res.json()) as Created;
  const roleArn = `arn:aws:iam::${OWNER_ACCOUNT}:role/signpost-${created.id}`;
  await w.admin("PATCH", `/admin/api/integrations/${created.id}`, { roleArn });
  const doc = (await (await w.admin("GET", `/admin/api/integrations/${created.id}`)).json()) as Created;
  if (o.provider !== false) registerProvider();
  const st = doc.trustPolicy.Statement[0]!;
  w.fake.addRole({
    arn: roleArn,
    trustedPrincipals: [],
    webIdentity: { provider: st.Principal.Federated, conditions: (o.conditions ?? ((c) => c))(st.Condition.StringEquals) },
    policy: readPolicy([`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`]),
  });
  return { ...doc, roleArn };
}

async function jwks(): Promise<JSONWebKeySet> {
  return (await (await w.call("/.well-known/jwks.json")).json()) as JSONWebKeySet;
}

describe("keyless AWS integration", () => {
  it("generates the trust policy and the provider command for the owner's account", async () => {
    const integ = await keylessIntegration();
    expect(integ.identity).toBe("oidc");
    expect(integ.trustPolicy).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "SignpostWebIdentity",
          Effect: "Allow",
          Principal: { Federated: PROVIDER_ARN },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: { StringEquals: { [`${HOST}:aud`]: "sts.amazonaws.com", [`${HOST}:sub`]: `integration:${integ.id}` } },
        },
      ],
    });
    expect(integ.oidcProviderCommand).toBe(`aws iam create-open-id-connect-provider --url ${ISSUER} --client-id-list sts.amazonaws.com`);
  });

  it("signs with no AWS keys: one unsigned AssumeRoleWithWebIdentity with a valid 5-minute token, then cached", async () => {
    const integ = await keylessIntegration();
    const res = await w.call(`/v1/assets/${integ.id}/${BUCKET}/a.txt`);
    expect(res.status).toBe(302);
    expect(await (await follow(res)).text()).toBe("A");
    expect((await w.call(`/v1/assets/${integ.id}/${BUCKET}/a.txt`)).status).toBe(302);
    expect(w.fake.count("AssumeRoleWithWebIdentity")).toBe(1);
    expect(w.fake.count("AssumeRole")).toBe(0);
    const [call] = w.fake.webIdentityCalls;
    expect(call).toMatchObject({ outcome: "ok", signed: false, roleArn: integ.roleArn });
    const { payload, protectedHeader } = await jwtVerify(call!.token, createLocalJWKSet(await jwks()), {
      issuer: ISSUER,
      audience: "sts.amazonaws.com",
      subject: `integration:${integ.id}`,
    });
    expect(protectedHeader.kid).toBe("key-1");
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(300);
    // The session policy narrows the role to the scopes, as for principal roles.
    const issued = [...w.fake.issued.values()][0]!;
    expect(issued.sessionPolicy).toBeDefined();
    expect(issued.callerArn).toBe(PROVIDER_ARN);
  });

  it("passes every check; external_id_enforced proves another integration's sub and another audience are refused", async () => {
    const integ = await keylessIntegration();
    const res = await w.admin("POST", `/admin/api/integrations/${integ.id}/validate`, { sampleKey: "a.txt" });
    const report = (await res.json()) as { ok: boolean; checks: Array<{ name: string; status: string; message: string }> };
    expect(report.checks.map((c) => c.name).slice(0, 8)).toEqual([
      "role_arn_format",
      "assume_role",
      "external_id_enforced",
      "session_duration",
      "bucket_region",
      "list_objects",
      "get_object",
      "cors",
    ]);
    expect(report.checks.find((c) => c.name === "assume_role")!.status).toBe("pass");
    expect(report.checks.find((c) => c.name === "external_id_enforced")).toMatchObject({ status: "pass" });
    const refused = w.fake.webIdentityCalls.filter((c) => c.outcome !== "ok");
    expect(refused.map((c) => c.refusal).sort()).toEqual(["trust_policy", "wrong_audience"]);
    const otherSub = refused.find((c) => c.refusal === "trust_policy")!;
    expect(decodeJwt(otherSub.token).sub).not.toBe(`integration:${integ.id}`);
    expect(decodeJwt(otherSub.token).sub).toMatch(/^integration:check-/);
    expect(decodeJwt(refused.find((c) => c.refusal === "wrong_audience")!.token).aud).not.toBe("sts.amazonaws.com");
  });

  it("external_id_enforced fails when the trust policy does not pin the sub, and nothing is signed", async () => {
    const integ = await keylessIntegration({ conditions: (c) => ({ [`${HOST}:aud`]: c[`${HOST}:aud`]! }) });
    const res = await w.admin("POST", `/admin/api/integrations/${integ.id}/validate`, {});
    const report = (await res.json()) as { ok: boolean; checks: Array<{ name: string; status: string; message: string; hint: string }> };
    const check = report.checks.find((c) => c.name === "external_id_enforced")!;
    expect(check.status).toBe("fail");
    expect(check.message).toContain("a token for another integration");
    expect(check.hint).toContain(`${HOST}:sub`);
    const signed = await w.call(`/v1/assets/${integ.id}/${BUCKET}/a.txt`);
    expect(signed.status).toBe(502);
    expect((await errorOf(signed)).code).toBe("role_cannot_be_assumed");
  });

  it("external_id_enforced fails when a token for another audience is accepted", async () => {
    const integ = await keylessIntegration({ conditions: (c) => ({ [`${HOST}:sub`]: c[`${HOST}:sub`]! }), provider: false });
    registerProvider(["sts.amazonaws.com", "signpost-check-wrong-audience"]);
    const report = (await (await w.admin("POST", `/admin/api/integrations/${integ.id}/validate`, {})).json()) as {
      checks: Array<{ name: string; status: string; message: string }>;
    };
    const check = report.checks.find((c) => c.name === "external_id_enforced")!;
    expect(check.status).toBe("fail");
    expect(check.message).toContain("a token for another audience");
  });
});

describe("keyless errors", () => {
  it("no OIDC provider in the owner's account → 502 role_cannot_be_assumed naming the provider and the conditions", async () => {
    const integ = await keylessIntegration({ provider: false });
    const res = await w.call(`/v1/assets/${integ.id}/${BUCKET}/a.txt`);
    expect(res.status).toBe(502);
    expect((await errorOf(res)).code).toBe("role_cannot_be_assumed");
    const e = await signingFailure(integ.id);
    expect(e.message).toContain("InvalidIdentityToken");
    expect(e.hint).toContain(PROVIDER_ARN);
    expect(e.hint).toContain(`"${HOST}:sub":"integration:${integ.id}"`);
    expect(e.hint).toContain("aws iam create-open-id-connect-provider");
  });

  it("a trust policy for another integration → AccessDenied → 502", async () => {
    const integ = await keylessIntegration({ conditions: (c) => ({ ...c, [`${HOST}:sub`]: "integration:someone-else" }) });
    const res = await w.call(`/v1/assets/${integ.id}/${BUCKET}/a.txt`);
    expect(res.status).toBe(502);
    expect((await errorOf(res)).code).toBe("role_cannot_be_assumed");
    expect((await signingFailure(integ.id)).message).toContain("AccessDenied");
  });

  it("STS's clock past the token's exp → ExpiredTokenException → 502", async () => {
    const integ = await keylessIntegration();
    w.fake.now = () => Date.now() + 10 * 60_000;
    const res = await w.call(`/v1/assets/${integ.id}/${BUCKET}/a.txt`);
    expect(res.status).toBe(502);
    expect((await signingFailure(integ.id)).message).toContain("ExpiredTokenException");
    expect(w.fake.webIdentityCalls[0]!.refusal).toBe("expired");
  });

  it("STS cannot reach the issuer → IDPCommunicationError → 503 sts_unavailable with Retry-After", async () => {
    const integ = await keylessIntegration({ provider: false });
    registerProvider(undefined, async () => new Response("down", { status: 503 }));
    const res = await w.call(`/v1/assets/${integ.id}/${BUCKET}/a.txt`);
    expect(res.status).toBe(503);
    expect((await errorOf(res)).code).toBe("sts_unavailable");
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
  });

  it("STS 5xx → 503 sts_unavailable", async () => {
    const integ = await keylessIntegration();
    w.fake.failNext("sts", 3, "503");
    const res = await w.call(`/v1/assets/${integ.id}/${BUCKET}/a.txt`);
    expect(res.status).toBe(503);
    expect((await errorOf(res)).code).toBe("sts_unavailable");
  });

  it("identity oidc is refused where it does not apply or the issuer is not configured", async () => {
    const keys = await w.admin("POST", "/admin/api/integrations", {
      name: "k",
      provider: "aws_keys",
      identity: "oidc",
      accessKeyId: "AKIAEXAMPLE0000",
      secretAccessKey: "secretsecret",
    });
    expect(keys.status).toBe(400);
    expect((await errorOf(keys)).message).toContain("aws_role");
    w.close();
    w = await newWorld();
    const res = await w.admin("POST", "/admin/api/integrations", { name: "k", identity: "oidc" });
    expect(res.status).toBe(400);
    const e = await errorOf(res);
    expect(e.message).toContain("OIDC_ISSUER and OIDC_SIGNING_KEY are not set");
  });
});

describe("the fake STS refuses every bad token (and signpost sends none)", () => {
  async function assumeWith(token: string): Promise<{ status: number; code: string | null }> {
    const res = await fetch("https://sts.amazonaws.com/", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        Action: "AssumeRoleWithWebIdentity",
        Version: "2011-06-15",
        RoleArn: roleArn,
        RoleSessionName: "probe",
        WebIdentityToken: token,
      }).toString(),
    });
    const xml = await res.text();
    return { status: res.status, code: /<Code>([^<]+)<\/Code>/.exec(xml)?.[1] ?? null };
  }
  let roleArn = "";
  let id = "";

  async function sign(claims: Record<string, unknown>, header: Record<string, unknown> = {}, jwk = key): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: ISSUER, sub: `integration:${id}`, aud: "sts.amazonaws.com", iat: now, nbf: now, exp: now + 300, jti: "t", ...claims })
      .setProtectedHeader({ alg: "ES256", kid: "key-1", ...header } as { alg: string })
      .sign(await importJWK(jwk as never, "ES256"));
  }

  beforeEach(async () => {
    const integ = await keylessIntegration();
    roleArn = integ.roleArn;
    id = integ.id;
  });

  it("accepts a correct token (the baseline every refusal differs from by one thing)", async () => {
    expect(await assumeWith(await sign({}))).toEqual({ status: 200, code: null });
  });

  it("refuses alg none, an unknown kid, a foreign key, a tampered signature, expiry, nbf, audience, subject and issuer", async () => {
    const now = Math.floor(Date.now() / 1000);
    const good = await sign({});
    const [h, p] = good.split(".");
    const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    const foreign = await newSigningJwk("key-1", "ES256");
    const cases: Array<[string, string, string, string]> = [
      ["alg none", `${b64({ alg: "none", kid: "key-1" })}.${p}.`, "InvalidIdentityToken", "alg_not_allowed"],
      ["unknown kid", await sign({}, { kid: "key-unknown" }), "InvalidIdentityToken", "unknown_kid"],
      ["foreign key under a published kid", await sign({}, {}, foreign), "InvalidIdentityToken", "bad_signature"],
      ["tampered payload", `${h}.${b64({ ...decodeJwt(good), sub: "integration:other" })}.${good.split(".")[2]}`, "InvalidIdentityToken", "bad_signature"],
      ["expired", await sign({ iat: now - 900, nbf: now - 900, exp: now - 600 }), "ExpiredTokenException", "expired"],
      ["not yet valid", await sign({ nbf: now + 600, exp: now + 900 }), "InvalidIdentityToken", "not_yet_valid"],
      ["wrong audience", await sign({ aud: "api://AzureADTokenExchange" }), "InvalidIdentityToken", "wrong_audience"],
      ["wrong subject", await sign({ sub: "integration:another" }), "AccessDenied", "trust_policy"],
      ["no exp", await sign({ exp: undefined }), "InvalidIdentityToken", "missing_claim"],
    ];
    for (const [what, token, code, refusal] of cases) {
      const before = w.fake.webIdentityCalls.length;
      const r = await assumeWith(token);
      expect({ what, code: r.code, refusal: w.fake.webIdentityCalls[before]?.refusal }).toEqual({ what, code, refusal });
    }
    // Another issuer: no provider for it in the account.
    const other = await new SignJWT({ sub: `integration:${id}`, aud: "sts.amazonaws.com" })
      .setProtectedHeader({ alg: "ES256", kid: "key-1" })
      .setIssuer("https://evil.example")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(await importJWK(key as never, "ES256"));
    expect((await assumeWith(other)).code).toBe("InvalidIdentityToken");
  });

  it("signpost itself only ever sends tokens the fake accepts", async () => {
    for (let i = 0; i < 3; i++) expect((await w.call(`/v1/assets/${id}/${BUCKET}/a.txt?ttl=${60 + i}`)).status).toBe(302);
    await w.admin("POST", `/admin/api/integrations/${id}/validate`, {});
    const sentForSigning = w.fake.webIdentityCalls.filter(
      (c) => decodeJwt(c.token).sub === `integration:${id}` && decodeJwt(c.token).aud === "sts.amazonaws.com",
    );
    expect(sentForSigning.length).toBeGreaterThan(0);
    expect(sentForSigning.every((c) => c.outcome === "ok" && !c.signed)).toBe(true);
  });
});
