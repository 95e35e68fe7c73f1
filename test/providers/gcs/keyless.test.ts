/**
 * Keyless GCS through Workload Identity Federation: no GCP_SERVICE_ACCOUNT_KEY. signpost's
 * token is exchanged at the fake Google STS (which fetches signpost's JWKS from the Worker and
 * verifies with jose), and the federated principal signs through signBlob as the owner's
 * service account.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from "jose";
import { FakeGoogle } from "../../../scripts/fakes/google";
import { errorOf } from "../../support/harness";
import { check, create, followTo, gcsOwner, providerWorld, validate, type ProviderWorld } from "../world";
import { ISSUER, newSigningJwk, oidcVars } from "../../support/oidc-keys";

const PROVIDER = "projects/123456789012/locations/global/workloadIdentityPools/signpost-pool/providers/signpost-issuer";
let w: ProviderWorld;
let n = 0;
let owner: { email: string; bucket: string };

beforeEach(async () => {
  n++;
  w = await providerWorld({ ...oidcVars(await newSigningJwk(`gcs-key-${n}`)), GCP_SERVICE_ACCOUNT_KEY: "" });
  w.google.addWorkloadIdentityProvider({ name: PROVIDER, issuer: ISSUER, fetch: (u) => w.call(u) });
  owner = await gcsOwner(w, { email: `keyless-${n}@owner-proj.iam.gserviceaccount.com`, bucket: `keyless-media-${n}`, tokenCreator: false });
  w.google.putObject(owner.bucket, "images/a.txt", "keyless bytes", "text/plain");
});
afterEach(() => {
  w.google.removeWorkloadIdentityProvider(PROVIDER);
  w.close();
});

async function keylessGcs(grant = true) {
  const integ = await create(w, {
    name: "Keyless GCS",
    provider: "gcs",
    serviceAccountEmail: owner.email,
    workloadIdentityProvider: PROVIDER,
    scopes: [`${owner.bucket}/images/`],
  });
  if (grant) w.google.grantTokenCreator(owner.email, FakeGoogle.principal(PROVIDER, `integration:${integ.id}`));
  return integ;
}

describe("keyless GCS", () => {
  it("generates the pool, provider and binding commands with every value filled in", async () => {
    const integ = await keylessGcs(false);
    expect(integ.workloadIdentityProvider).toBe(PROVIDER);
    const cmds = integ.workloadIdentityCommands as string;
    expect(cmds).toContain("gcloud iam workload-identity-pools create signpost-pool --project=owner-proj --location=global");
    expect(cmds).toContain(
      `gcloud iam workload-identity-pools providers create-oidc signpost-issuer --project=owner-proj --location=global --workload-identity-pool=signpost-pool --issuer-uri=${ISSUER} --attribute-mapping=google.subject=assertion.sub`,
    );
    expect(cmds).toContain(
      `gcloud iam service-accounts add-iam-policy-binding ${owner.email} --project=owner-proj --member=principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/signpost-pool/subject/integration:${integ.id} --role=roles/iam.serviceAccountTokenCreator`,
    );
  });

  it("signs with no Google key: token exchange at STS, signBlob as the owner's service account, bytes through the URL", async () => {
    const integ = await keylessGcs();
    const res = await w.call(`/v1/assets/${integ.id}/${owner.bucket}/images/a.txt`);
    expect(res.status).toBe(302);
    expect(await (await followTo(res)).text()).toBe("keyless bytes");
    expect(w.google.callsTo("/token").filter((c) => c.host === "oauth2.googleapis.com")).toHaveLength(0);
    const exchanges = w.google.stsExchanges.filter((e) => e.outcome === "ok");
    expect(exchanges.length).toBe(1);
    expect(exchanges[0]!.audience).toBe(`//iam.googleapis.com/${PROVIDER}`);
    const jwks = (await (await w.call("/.well-known/jwks.json")).json()) as JSONWebKeySet;
    const { payload } = await jwtVerify(exchanges[0]!.token, createLocalJWKSet(jwks), {
      issuer: ISSUER,
      audience: `https://iam.googleapis.com/${PROVIDER}`,
      subject: `integration:${integ.id}`,
    });
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(300);
    // The federated token is reused for the next URL.
    await w.call(`/v1/assets/${integ.id}/${owner.bucket}/images/a.txt?ttl=61`);
    expect(w.google.stsExchanges.filter((e) => e.outcome === "ok").length).toBe(1);
    const report = await validate(w, integ.id, { sampleKey: "images/a.txt" });
    expect(check(report, "token").status).toBe("pass");
    expect(check(report, "impersonation").status).toBe("pass");
    expect(check(report, "get_object").status).toBe("pass");
  });

  it("names the missing binding (the principal member) when the owner has not granted Token Creator", async () => {
    const integ = await keylessGcs(false);
    const res = await w.call(`/v1/assets/${integ.id}/${owner.bucket}/images/a.txt`);
    expect(res.status).toBe(502);
    expect((await errorOf(res)).code).toBe("role_cannot_be_assumed");
    const report = await validate(w, integ.id);
    expect(check(report, "token").status).toBe("pass");
    const imp = check(report, "impersonation");
    expect(imp.status).toBe("fail");
    expect(imp.hint).toContain(
      `--member=principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/signpost-pool/subject/integration:${integ.id} --role=roles/iam.serviceAccountTokenCreator`,
    );
  });

  it("a token for another integration's principal gets nothing: its binding is per integration", async () => {
    const a = await keylessGcs();
    const b = await keylessGcs(false);
    expect((await w.call(`/v1/assets/${a.id}/${owner.bucket}/images/a.txt`)).status).toBe(302);
    expect((await w.call(`/v1/assets/${b.id}/${owner.bucket}/images/a.txt`)).status).toBe(502);
  });

  it("a provider that does not exist, or does not accept signpost's audience, is role_cannot_be_assumed with the create-oidc command", async () => {
    const integ = await keylessGcs();
    w.google.removeWorkloadIdentityProvider(PROVIDER);
    const gone = await w.call(`/v1/assets/${integ.id}/${owner.bucket}/images/a.txt`);
    expect(gone.status).toBe(502);
    expect((await errorOf(gone)).code).toBe("role_cannot_be_assumed");
    const token = check(await validate(w, integ.id), "token");
    expect(token.status).toBe("fail");
    expect(token.message).toContain("invalid_target");
    expect(token.hint).toContain(`--issuer-uri=${ISSUER} --attribute-mapping=google.subject=assertion.sub`);
    w.google.addWorkloadIdentityProvider({ name: PROVIDER, issuer: ISSUER, fetch: (u) => w.call(u), allowedAudiences: ["https://someone-else.example"] });
    const integ2 = await keylessGcs();
    const res = await w.call(`/v1/assets/${integ2.id}/${owner.bucket}/images/a.txt`);
    expect(res.status).toBe(502);
    expect(w.google.stsExchanges.at(-1)!.refusal).toBe("wrong_audience");
  });

  it("the fake STS refuses expired tokens (its clock ahead), and Google STS 5xx is sts_unavailable", async () => {
    const integ = await keylessGcs();
    w.google.now = () => Date.now() + 10 * 60_000;
    const late = await w.call(`/v1/assets/${integ.id}/${owner.bucket}/images/a.txt`);
    expect(late.status).toBe(502);
    expect(w.google.stsExchanges.at(-1)!.refusal).toBe("expired");
    w.google.now = () => Date.now();
    const integ2 = await keylessGcs();
    w.google.failNext(5, 503, (u) => u.hostname === "sts.googleapis.com");
    const down = await w.call(`/v1/assets/${integ2.id}/${owner.bucket}/images/a.txt`);
    expect(down.status).toBe(503);
    expect((await errorOf(down)).code).toBe("sts_unavailable");
  });

  it("refuses a malformed provider name, and keyless GCS where the issuer is not configured", async () => {
    const bad = await w.admin("POST", "/admin/api/integrations", {
      name: "x",
      provider: "gcs",
      serviceAccountEmail: owner.email,
      workloadIdentityProvider: "projects/abc/pools/x",
    });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toContain(
      "workloadIdentityProvider: must be projects/{number}/locations/global/workloadIdentityPools/{pool}/providers/{provider}",
    );
    w.close();
    w = await providerWorld({});
    const off = await w.admin("POST", "/admin/api/integrations", {
      name: "x",
      provider: "gcs",
      serviceAccountEmail: owner.email,
      workloadIdentityProvider: PROVIDER,
    });
    expect(off.status).toBe(400);
    expect((await errorOf(off)).message).toContain("OIDC_ISSUER");
  });
});
