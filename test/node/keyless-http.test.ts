/**
 * Keyless AWS over real HTTP: `wrangler dev` with no AWS keys, signpost as its own OIDC issuer
 * (http://127.0.0.1:{port}), and the HTTP fake AWS whose STS fetches signpost's discovery
 * document and JWKS over HTTP and verifies every AssumeRoleWithWebIdentity token with jose.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeJwt, exportJWK, generateKeyPair, importJWK, SignJWT } from "jose";
import { startLocalStack, type LocalStack } from "../../scripts/local-stack";
import { freePort } from "../../scripts/wrangler-process";
import type { WebIdentityCall } from "../../scripts/fakes/aws";

const OWNER_ACCOUNT = "444455556666";
const BUCKET = "keyless-bucket";
const BYTES = "keyless bytes over http";

let stack: LocalStack;
let issuer = "";
let signingJwk: Record<string, unknown>;
let integ: { id: string; roleArn: string; trustPolicy: { Statement: Array<{ Principal: { Federated: string }; Condition: { StringEquals: Record<string, string> } }> } };

async function admin(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${stack.url}/admin/api${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function control(path: string, body: unknown): Promise<any> {
  const res = await fetch(`${stack.fakeAws.url}/__fake/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`fake control ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function webIdentityCalls(): Promise<WebIdentityCall[]> {
  const res = await fetch(`${stack.fakeAws.url}/__fake/web-identity-calls`, { signal: AbortSignal.timeout(5_000) });
  return ((await res.json()) as { calls: WebIdentityCall[] }).calls;
}

/** A token signed with signpost's own key, posted straight to the fake STS (unsigned, as signpost does). */
async function assumeDirectly(claims: { aud: string; sub: string }): Promise<{ status: number; body: string }> {
  const key = await importJWK(signingJwk, "ES256");
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: "ES256", kid: signingJwk.kid as string, typ: "JWT" })
    .setIssuer(issuer)
    .setAudience(claims.aud)
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime("2m")
    .sign(key);
  const form = new URLSearchParams({ Action: "AssumeRoleWithWebIdentity", Version: "2011-06-15", RoleArn: integ.roleArn, RoleSessionName: "direct", WebIdentityToken: token });
  const res = await fetch(stack.fakeAws.url + "/", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.text() };
}

beforeAll(async () => {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  signingJwk = { ...(await exportJWK(privateKey)), kid: "http-key-1", alg: "ES256" };
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  stack = await startLocalStack({
    port,
    awsKeys: false,
    extraVars: { OIDC_ISSUER: issuer, ALLOW_HTTP_LOOPBACK_ENDPOINTS: "true" },
    extraSecrets: { OIDC_SIGNING_KEY: JSON.stringify(signingJwk) },
  });
  await control("oidc-providers", { account: OWNER_ACCOUNT, url: issuer, clientIds: ["sts.amazonaws.com"] });
  await control("buckets", { name: BUCKET, region: "us-east-1", objects: { "a.txt": BYTES } });
  const created = await admin("POST", "/integrations", { name: "Keyless over HTTP", identity: "oidc", region: "us-east-1", scopes: [BUCKET] });
  const roleArn = `arn:aws:iam::${OWNER_ACCOUNT}:role/signpost-keyless`;
  await admin("PATCH", `/integrations/${created.id}`, { roleArn });
  integ = { ...(await admin("GET", `/integrations/${created.id}`)), roleArn };
  const st = integ.trustPolicy.Statement[0]!;
  await control("roles", {
    arn: roleArn,
    trustedPrincipals: [],
    webIdentity: { provider: st.Principal.Federated, conditions: st.Condition.StringEquals },
    policy: created.permissionsPolicy,
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe("keyless AWS against wrangler dev over real HTTP", () => {
  it("the trust policy names the IAM OIDC provider for the wrangler dev origin", () => {
    const host = `127.0.0.1:${new URL(issuer).port}`;
    const st = integ.trustPolicy.Statement[0]!;
    expect(st.Principal.Federated).toBe(`arn:aws:iam::${OWNER_ACCOUNT}:oidc-provider/${host}`);
    expect(st.Condition.StringEquals).toEqual({ [`${host}:aud`]: "sts.amazonaws.com", [`${host}:sub`]: `integration:${integ.id}` });
  });

  it("validation passes every check, external_id_enforced included", async () => {
    const report = (await admin("POST", `/integrations/${integ.id}/validate`, { sampleKey: "a.txt" })) as { ok: boolean; checks: Array<{ name: string; status: string }> };
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c.status]));
    for (const name of ["role_arn_format", "assume_role", "external_id_enforced", "session_duration", "bucket_region", "list_objects", "get_object"]) {
      expect(byName[name], name).toBe("pass");
    }
    // The negative probes of external_id_enforced reached the fake and were refused there by jose.
    const refused = (await webIdentityCalls()).filter((c) => c.outcome !== "ok").map((c) => c.refusal).sort();
    expect(refused).toEqual(["trust_policy", "wrong_audience"]);
  });

  it("redirects to a presigned URL that fetches the object's bytes from the fake S3", async () => {
    const res = await fetch(`${stack.url}/v1/assets/${integ.id}/${BUCKET}/a.txt`, { redirect: "manual", signal: AbortSignal.timeout(15_000) });
    expect(res.status, await res.clone().text()).toBe(302);
    const location = res.headers.get("location")!;
    expect(location.startsWith(stack.fakeAws.url + "/")).toBe(true);
    const object = await fetch(location, { signal: AbortSignal.timeout(10_000) });
    expect(object.status).toBe(200);
    expect(await object.text()).toBe(BYTES);
  });

  it("every token signpost sent verified, unsigned, for its own sub; none was refused but the validation probes", async () => {
    const calls = await webIdentityCalls();
    const own = calls.filter((c) => decodeJwt(c.token).sub === `integration:${integ.id}` && decodeJwt(c.token).aud === "sts.amazonaws.com");
    expect(own.length).toBeGreaterThanOrEqual(2); // validation's assume_role and the redirect's credentials
    for (const c of calls) expect(c.signed).toBe(false);
    for (const c of own) expect(c).toMatchObject({ outcome: "ok", roleArn: integ.roleArn });
    for (const c of own) expect(decodeJwt(c.token).iss).toBe(issuer);
    expect(calls.filter((c) => c.outcome !== "ok")).toHaveLength(2);
    expect(calls.length).toBe(own.length + 2);
  });

  it("the fake refuses a correctly signed token with a wrong audience or another sub", async () => {
    const ok = await assumeDirectly({ aud: "sts.amazonaws.com", sub: `integration:${integ.id}` });
    expect(ok.status, ok.body).toBe(200);

    const wrongAud = await assumeDirectly({ aud: "not-sts", sub: `integration:${integ.id}` });
    expect(wrongAud.status).toBe(400);
    expect(wrongAud.body).toContain("InvalidIdentityToken");

    const otherSub = await assumeDirectly({ aud: "sts.amazonaws.com", sub: "integration:someone-else" });
    expect(otherSub.status).toBe(403);
    expect(otherSub.body).toContain("AccessDenied");

    const last = (await webIdentityCalls()).slice(-3);
    expect(last.map((c) => [c.outcome, c.refusal ?? null])).toEqual([
      ["ok", null],
      ["InvalidIdentityToken", "wrong_audience"],
      ["AccessDenied", "trust_policy"],
    ]);
  });

  it("the deployment has no AWS keys: a principal integration cannot sign, and no STS call was ever SigV4-signed", async () => {
    const principal = await admin("POST", "/integrations", { name: "Needs keys", region: "us-east-1", scopes: [BUCKET] });
    await admin("PATCH", `/integrations/${principal.id}`, { roleArn: `arn:aws:iam::${OWNER_ACCOUNT}:role/signpost-principal` });
    const report = (await admin("POST", `/integrations/${principal.id}/validate`, {})) as { checks: Array<{ name: string; status: string; message: string }> };
    const assume = report.checks.find((c) => c.name === "assume_role")!;
    expect(assume.status).toBe("fail");
    expect(assume.message).toContain("AWS principal is not configured");
    const res = await fetch(`${stack.fakeAws.url}/__fake/calls`, { signal: AbortSignal.timeout(5_000) });
    const calls = ((await res.json()) as { calls: Array<{ service: string; action: string }> }).calls;
    expect(calls.filter((c) => c.service === "sts" && c.action === "AssumeRole")).toEqual([]);
  });
});
