/**
 * Keyless over real HTTP, one `wrangler dev` for all three clouds: no AWS keys, no
 * GCP_SERVICE_ACCOUNT_KEY, no AZURE_CLIENT_SECRET; signpost is its own OIDC issuer
 * (http://127.0.0.1:{port}). The HTTP fake AWS (scripts/fake-aws-server.ts) and the HTTP fake
 * Google and Azure (scripts/fake-cloud-server.ts, reached through the GCP_ENDPOINT_URL_* and
 * AZURE_ENDPOINT_URL_* overrides) fetch signpost's discovery document and JWKS over HTTP and
 * verify every token with jose: AssumeRoleWithWebIdentity, Google's STS token exchange and
 * Entra's client assertion.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalJWKSet, decodeJwt, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JSONWebKeySet } from "jose";
import { startLocalStack, type LocalStack } from "../../scripts/local-stack";
import { freePort } from "../../scripts/wrangler-process";
import type { WebIdentityCall } from "../../scripts/fakes/aws";
import { FakeGoogle, OBJECT_VIEWER } from "../../scripts/fakes/google";
import { DATA_READER, DELEGATOR } from "../../scripts/fakes/azure";
import { issuerFetch } from "../../scripts/fake-cloud-server";
import { DEFAULT_CORS_ORIGINS } from "../../scripts/local-stack";

const OWNER_ACCOUNT = "444455556666";
const BUCKET = "keyless-bucket";
const BYTES = "keyless bytes over http";

// Google: the owner's workload identity provider (trusting signpost's issuer), service account and bucket.
const WIF_PROVIDER = "projects/123456789012/locations/global/workloadIdentityPools/signpost-pool/providers/signpost-issuer";
const WIF_AUDIENCE = `https://iam.googleapis.com/${WIF_PROVIDER}`;
const GCS_SA = "reader@owner-proj.iam.gserviceaccount.com";
const GCS_BUCKET = "keyless-gcs-bucket";
const GCS_BYTES = "gcs bytes over http";
// Azure: signpost's app registration (federated credential, no secret) and the owner's tenant.
const AZURE_APP = "0f3e6c1a-5b2d-4e8f-9a7c-1d2e3f4a5b6c";
const AZURE_TENANT = "7c1e4b2a-3d5f-4a6b-8c9d-0e1f2a3b4c5d";
const AZURE_ACCOUNT = "keylessacct";
const AZURE_CONTAINER = "frames";
const AZURE_BYTES = "azure bytes over http";
const ENTRA_AUDIENCE = "api://AzureADTokenExchange";

let stack: LocalStack;
let issuer = "";
let signingJwk: Record<string, unknown>;
/** The key before the last rotation: published (public half) through OIDC_SIGNING_KEY_PREVIOUS. */
let previousJwk: Record<string, unknown>;
let gcsInteg: { id: string; workloadIdentityCommands?: string };
let azureInteg: { id: string; federatedCredentialCommand?: string };
let integ: {
  id: string;
  roleArn: string;
  trustPolicy: { Statement: Array<{ Principal: { Federated: string }; Condition: { StringEquals: Record<string, string> } }> };
};

async function newJwk(kid: string): Promise<Record<string, unknown>> {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: "ES256" };
}

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
  const res = await fetch(`${stack.fakeAws.url}/__fake/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
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
  const form = new URLSearchParams({
    Action: "AssumeRoleWithWebIdentity",
    Version: "2011-06-15",
    RoleArn: integ.roleArn,
    RoleSessionName: "direct",
    WebIdentityToken: token,
  });
  const res = await fetch(stack.fakeAws.url + "/", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form,
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: await res.text() };
}

beforeAll(async () => {
  signingJwk = await newJwk("http-key-2");
  previousJwk = await newJwk("http-key-1");
  const { d: _d, ...previousPublic } = previousJwk;
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  stack = await startLocalStack({
    port,
    awsKeys: false,
    fakeClouds: true,
    extraVars: { OIDC_ISSUER: issuer, ALLOW_HTTP_LOOPBACK_ENDPOINTS: "true", AZURE_CLIENT_ID: AZURE_APP },
    extraSecrets: { OIDC_SIGNING_KEY: JSON.stringify(signingJwk), OIDC_SIGNING_KEY_PREVIOUS: JSON.stringify(previousPublic) },
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

  // Google: the owner's side of Workload Identity Federation, against the fake over HTTP.
  const { google, azure } = stack.fakeClouds!;
  const cors = { origin: [DEFAULT_CORS_ORIGINS, "null"], method: ["GET", "HEAD"], responseHeader: ["Content-Range", "Range"], maxAgeSeconds: 3600 };
  google.addWorkloadIdentityProvider({ name: WIF_PROVIDER, issuer, fetch: issuerFetch });
  await google.createServiceAccount(GCS_SA);
  google.createBucket(GCS_BUCKET, { cors: [cors] });
  google.grantBucketRole(GCS_BUCKET, GCS_SA, OBJECT_VIEWER);
  google.putObject(GCS_BUCKET, "img/a.txt", GCS_BYTES, "text/plain");
  gcsInteg = await admin("POST", "/integrations", {
    name: "Keyless GCS over HTTP",
    provider: "gcs",
    serviceAccountEmail: GCS_SA,
    workloadIdentityProvider: WIF_PROVIDER,
    scopes: [`${GCS_BUCKET}/img/`],
  });
  google.grantTokenCreator(GCS_SA, FakeGoogle.principal(WIF_PROVIDER, `integration:${gcsInteg.id}`));

  // Azure: the operator's federated credential on signpost's app; the owner's consent and roles.
  azure.registerApp(AZURE_APP, "never-sent-" + crypto.randomUUID());
  azure.addFederatedCredential(AZURE_APP, { issuer, subject: `app:${AZURE_APP}`, fetch: issuerFetch });
  azure.createTenant(AZURE_TENANT);
  azure.createAccount(AZURE_ACCOUNT, AZURE_TENANT, {
    cors: [{ allowedOrigins: [DEFAULT_CORS_ORIGINS, "null"], allowedMethods: ["GET", "HEAD", "OPTIONS"], allowedHeaders: ["Range"], maxAgeInSeconds: 3600 }],
  });
  azure.createContainer(AZURE_ACCOUNT, AZURE_CONTAINER);
  const oid = azure.consent(AZURE_TENANT, AZURE_APP);
  azure.assignRole(AZURE_ACCOUNT, oid, DELEGATOR);
  azure.assignRole(AZURE_ACCOUNT, oid, DATA_READER, AZURE_CONTAINER);
  azure.putBlob(AZURE_ACCOUNT, AZURE_CONTAINER, "a.txt", AZURE_BYTES, "text/plain");
  azureInteg = await admin("POST", "/integrations", {
    name: "Keyless Azure over HTTP",
    provider: "azure",
    tenantId: AZURE_TENANT,
    accountName: AZURE_ACCOUNT,
    containers: [AZURE_CONTAINER],
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
    const report = (await admin("POST", `/integrations/${integ.id}/validate`, { sampleKey: "a.txt" })) as {
      ok: boolean;
      checks: Array<{ name: string; status: string }>;
    };
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c.status]));
    for (const name of ["role_arn_format", "assume_role", "external_id_enforced", "session_duration", "bucket_region", "list_objects", "get_object"]) {
      expect(byName[name], name).toBe("pass");
    }
    // The negative probes of external_id_enforced reached the fake and were refused there by jose.
    const refused = (await webIdentityCalls())
      .filter((c) => c.outcome !== "ok")
      .map((c) => c.refusal)
      .sort();
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
    const report = (await admin("POST", `/integrations/${principal.id}/validate`, {})) as {
      checks: Array<{ name: string; status: string; message: string; hint?: string }>;
    };
    const assume = report.checks.find((c) => c.name === "assume_role")!;
    expect(assume.status).toBe("fail");
    expect(assume.message).toContain("AWS principal is not configured");
    // The hint names the missing secrets and the keyless way out.
    expect(assume.hint).toContain("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    expect(assume.hint).toContain('identity "oidc"');
    const redirect = await fetch(`${stack.url}/v1/assets/${principal.id}/${BUCKET}/a.txt`, { redirect: "manual", signal: AbortSignal.timeout(15_000) });
    const body = (await redirect.json()) as { error: { code: string; hint: string; requestId: string } };
    expect(redirect.status).toBeGreaterThanOrEqual(500);
    expect(body.error.requestId).toBeTruthy();
    expect(body.error.hint).toContain("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    expect(body.error.hint).toContain('identity "oidc"');
    const res = await fetch(`${stack.fakeAws.url}/__fake/calls`, { signal: AbortSignal.timeout(5_000) });
    const calls = ((await res.json()) as { calls: Array<{ service: string; action: string }> }).calls;
    expect(calls.filter((c) => c.service === "sts" && c.action === "AssumeRole")).toEqual([]);
  });
});

// ---- Google and Azure ----------------------------------------------------------------------

interface Claims {
  iss?: string;
  aud?: string;
  sub?: string;
  /** Seconds relative to now. */
  iat?: number;
  exp?: number;
  nbf?: number;
}

/** A token as signpost would mint it, with `claims` changed; signed by `jwk` under `kid`. */
async function signToken(jwk: Record<string, unknown>, claims: Claims, kid = jwk.kid as string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({})
    .setProtectedHeader({ alg: "ES256", kid, typ: "JWT" })
    .setIssuer(claims.iss ?? issuer)
    .setAudience(claims.aud!)
    .setSubject(claims.sub!)
    .setIssuedAt(now + (claims.iat ?? 0))
    .setExpirationTime(now + (claims.exp ?? 120));
  if (claims.nbf !== undefined) jwt.setNotBefore(now + claims.nbf);
  return jwt.sign(await importJWK(jwk, "ES256"));
}

/** An unsigned token (`alg: none`) naming the current key. */
function unsignedToken(claims: Claims): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  return `${part({ alg: "none", kid: signingJwk.kid, typ: "JWT" })}.${part({ iss: issuer, aud: claims.aud, sub: claims.sub, iat: now, exp: now + 120 })}.`;
}

async function post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

/** Google's STS token exchange, over HTTP, as signpost calls it. */
function googleExchange(token: string) {
  return post(`${stack.fakeClouds!.vars.GCP_ENDPOINT_URL_STS}/v1/token`, {
    grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
    requested_token_type: "urn:ietf:params:oauth:token-type:access_token",
    subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
    audience: `//iam.googleapis.com/${WIF_PROVIDER}`,
    scope: "https://www.googleapis.com/auth/cloud-platform",
    subject_token: token,
  });
}

/** Entra's client-credentials grant with a client assertion, over HTTP, as signpost calls it. */
function entraToken(assertion: string) {
  return post(`${stack.fakeClouds!.vars.AZURE_ENDPOINT_URL_LOGIN}/${AZURE_TENANT}/oauth2/v2.0/token`, {
    client_id: AZURE_APP,
    client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    client_assertion: assertion,
    scope: "https://storage.azure.com/.default",
    grant_type: "client_credentials",
  });
}

const lastGoogleRefusal = () => stack.fakeClouds!.google.stsExchanges.at(-1)!;
const lastEntraRefusal = () => stack.fakeClouds!.azure.assertions.at(-1)!;

async function redirectBytes(path: string, origin: string): Promise<string> {
  const res = await fetch(`${stack.url}${path}`, { redirect: "manual", signal: AbortSignal.timeout(15_000) });
  expect(res.status, await res.clone().text()).toBe(302);
  const location = res.headers.get("location")!;
  expect(location.startsWith(origin + "/"), location).toBe(true);
  const object = await fetch(location, { signal: AbortSignal.timeout(10_000) });
  expect(object.status, await object.clone().text()).toBe(200);
  return object.text();
}

async function allChecksPass(id: string, sampleKey: string): Promise<string[]> {
  const report = (await admin("POST", `/integrations/${id}/validate`, { sampleKey })) as {
    ok: boolean;
    checks: Array<{ name: string; status: string; message: string }>;
  };
  expect(
    report.checks.filter((c) => c.status !== "pass"),
    JSON.stringify(report.checks),
  ).toEqual([]);
  expect(report.ok).toBe(true);
  return report.checks.map((c) => c.name);
}

describe("keyless GCS and Azure against wrangler dev over real HTTP", () => {
  it("keyless GCS: every check passes and the redirect's URL reads the bytes from the fake Cloud Storage", async () => {
    expect(gcsInteg.workloadIdentityCommands).toContain(`--issuer-uri=${issuer}`);
    expect(await allChecksPass(gcsInteg.id, "img/a.txt")).toEqual(expect.arrayContaining(["token", "impersonation", "get_object", "cors"]));
    expect(await redirectBytes(`/v1/assets/${gcsInteg.id}/${GCS_BUCKET}/img/a.txt`, stack.fakeClouds!.vars.GCP_ENDPOINT_URL_STORAGE)).toBe(GCS_BYTES);
    // Federation only: signpost has no Google key, so it never asked the OAuth endpoint.
    expect(stack.fakeClouds!.google.calls.filter((c) => c.host === "oauth2.googleapis.com")).toEqual([]);
  });

  it("keyless Azure: every check passes and the redirect's SAS reads the bytes from the fake Blob service", async () => {
    expect(azureInteg.federatedCredentialCommand).toContain(`"issuer":"${issuer}"`);
    expect(await allChecksPass(azureInteg.id, "a.txt")).toEqual(expect.arrayContaining(["token", "delegation_key", "get_object", "cors"]));
    expect(await redirectBytes(`/v1/assets/${azureInteg.id}/${AZURE_CONTAINER}/a.txt`, stack.fakeClouds!.vars.AZURE_ENDPOINT_URL_BLOB)).toBe(AZURE_BYTES);
  });

  it("every token signpost sent to Google's STS and to Entra verified there, and verifies here against the JWKS served over HTTP", async () => {
    const { google, azure } = stack.fakeClouds!;
    expect(google.stsExchanges.length).toBeGreaterThan(0);
    expect(azure.assertions.length).toBeGreaterThan(0);
    expect(google.stsExchanges.filter((e) => e.outcome !== "ok")).toEqual([]);
    expect(azure.assertions.filter((a) => a.outcome !== "ok")).toEqual([]);
    const jwks = createLocalJWKSet((await (await fetch(`${stack.url}/.well-known/jwks.json`, { signal: AbortSignal.timeout(5_000) })).json()) as JSONWebKeySet);
    for (const e of google.stsExchanges) {
      const { payload, protectedHeader } = await jwtVerify(e.token, jwks, {
        issuer,
        audience: WIF_AUDIENCE,
        subject: `integration:${gcsInteg.id}`,
        algorithms: ["ES256"],
      });
      expect(protectedHeader.kid).toBe(signingJwk.kid);
      expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(300);
    }
    for (const a of azure.assertions) {
      const { payload } = await jwtVerify(a.token, jwks, { issuer, audience: ENTRA_AUDIENCE, subject: `app:${AZURE_APP}`, algorithms: ["ES256"] });
      expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(300);
    }
  });

  it("the fake Google STS refuses expired, not-yet-valid, wrong-audience, wrong-issuer, unknown-kid, badly signed and alg-none tokens", async () => {
    const sub = `integration:${gcsInteg.id}`;
    const good = await googleExchange(await signToken(signingJwk, { aud: WIF_AUDIENCE, sub }));
    expect(good.status, JSON.stringify(good.body)).toBe(200);
    const stranger = await newJwk("never-published");
    const cases: Array<[string, () => Promise<string> | string]> = [
      ["expired", () => signToken(signingJwk, { aud: WIF_AUDIENCE, sub, iat: -600, exp: -300 })],
      ["not_yet_valid", () => signToken(signingJwk, { aud: WIF_AUDIENCE, sub, nbf: 600, exp: 900 })],
      [
        "wrong_audience",
        () => signToken(signingJwk, { aud: "https://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/other/providers/other", sub }),
      ],
      ["wrong_issuer", () => signToken(signingJwk, { iss: "https://elsewhere.example", aud: WIF_AUDIENCE, sub })],
      ["unknown_kid", () => signToken(stranger, { aud: WIF_AUDIENCE, sub })],
      ["bad_signature", () => signToken(stranger, { aud: WIF_AUDIENCE, sub }, signingJwk.kid as string)],
      ["alg_not_allowed", () => unsignedToken({ aud: WIF_AUDIENCE, sub })],
    ];
    for (const [reason, make] of cases) {
      const res = await googleExchange(await make());
      expect(res.status, reason).toBe(400);
      expect(res.body.error, reason).toBe("invalid_grant");
      expect(lastGoogleRefusal().refusal, reason).toBe(reason);
    }
  });

  it("Google binds the subject: a verified token for another sub acts as another principal, which cannot sign as the owner's service account", async () => {
    const other = await googleExchange(await signToken(signingJwk, { aud: WIF_AUDIENCE, sub: "integration:someone-else" }));
    expect(other.status).toBe(200);
    const res = await fetch(`${stack.fakeClouds!.vars.GCP_ENDPOINT_URL_IAMCREDENTIALS}/v1/projects/-/serviceAccounts/${GCS_SA}:signBlob`, {
      method: "POST",
      headers: { authorization: `Bearer ${other.body.access_token}`, "content-type": "application/json" },
      body: JSON.stringify({ payload: Buffer.from("x").toString("base64") }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { status: string } }).error.status).toBe("PERMISSION_DENIED");
  });

  it("the fake Entra refuses wrong-subject, wrong-audience, expired, unknown-kid and alg-none assertions", async () => {
    const sub = `app:${AZURE_APP}`;
    const good = await entraToken(await signToken(signingJwk, { aud: ENTRA_AUDIENCE, sub }));
    expect(good.status, JSON.stringify(good.body)).toBe(200);
    const cases: Array<[string, () => Promise<string> | string]> = [
      ["wrong_subject", () => signToken(signingJwk, { aud: ENTRA_AUDIENCE, sub: "app:someone-else" })],
      ["wrong_audience", () => signToken(signingJwk, { aud: "api://SomethingElse", sub })],
      ["expired", () => signToken(signingJwk, { aud: ENTRA_AUDIENCE, sub, iat: -600, exp: -300 })],
      ["unknown_kid", async () => signToken(await newJwk("never-published"), { aud: ENTRA_AUDIENCE, sub })],
      ["alg_not_allowed", () => unsignedToken({ aud: ENTRA_AUDIENCE, sub })],
    ];
    for (const [reason, make] of cases) {
      const res = await entraToken(await make());
      expect(res.status, reason).toBe(401);
      expect(res.body.error, reason).toBe("invalid_client");
      expect(lastEntraRefusal().refusal, reason).toBe(reason);
    }
  });

  it("key rotation: a token signed with the previous key verifies while the JWKS publishes it; a key no longer published does not", async () => {
    const jwks = (await (await fetch(`${stack.url}/.well-known/jwks.json`, { signal: AbortSignal.timeout(5_000) })).json()) as JSONWebKeySet;
    expect(jwks.keys.map((k) => k.kid).sort()).toEqual([previousJwk.kid, signingJwk.kid].sort());
    expect(jwks.keys.every((k) => !("d" in k))).toBe(true);
    const previous = await googleExchange(await signToken(previousJwk, { aud: WIF_AUDIENCE, sub: `integration:${gcsInteg.id}` }));
    expect(previous.status, JSON.stringify(previous.body)).toBe(200);
    expect((await entraToken(await signToken(previousJwk, { aud: ENTRA_AUDIENCE, sub: `app:${AZURE_APP}` }))).status).toBe(200);
    // After the rotation completes the retired key leaves the JWKS: its kid is then unknown.
    const retired = await newJwk("http-key-0");
    expect((await googleExchange(await signToken(retired, { aud: WIF_AUDIENCE, sub: `integration:${gcsInteg.id}` }))).status).toBe(400);
    expect(lastGoogleRefusal().refusal).toBe("unknown_kid");
  });

  it("a deployment with no AWS, Google or Azure secret signs for all three clouds", async () => {
    expect(await redirectBytes(`/v1/assets/${integ.id}/${BUCKET}/a.txt`, stack.fakeAws.url)).toBe(BYTES);
    expect(await redirectBytes(`/v1/assets/${gcsInteg.id}/${GCS_BUCKET}/img/a.txt`, stack.fakeClouds!.vars.GCP_ENDPOINT_URL_STORAGE)).toBe(GCS_BYTES);
    expect(await redirectBytes(`/v1/assets/${azureInteg.id}/${AZURE_CONTAINER}/a.txt`, stack.fakeClouds!.vars.AZURE_ENDPOINT_URL_BLOB)).toBe(AZURE_BYTES);
  });
});
