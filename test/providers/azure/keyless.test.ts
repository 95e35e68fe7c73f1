/**
 * Keyless Azure: AZURE_CLIENT_ID without AZURE_CLIENT_SECRET. signpost's app authenticates with
 * a client assertion (its own token, aud api://AzureADTokenExchange); the fake Entra matches it
 * against the app's federated credential (issuer + subject + audience) and verifies it with jose
 * against signpost's JWKS, fetched from the Worker.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from "jose";
import { errorOf } from "../../support/harness";
import { CLIENT_ID, azureOwner, check, create, followTo, providerWorld, validate, type ProviderWorld } from "../world";
import { forgetProviderCaches } from "../../../worker/providers/caches";
import { ISSUER, newSigningJwk, oidcVars } from "../../support/oidc-keys";

let w: ProviderWorld;
let n = 0;
beforeEach(async () => {
  n++;
  w = await providerWorld({ ...oidcVars(await newSigningJwk(`az-key-${n}`)), AZURE_CLIENT_SECRET: "" });
  forgetProviderCaches();
  w.azure.federatedCredentials.clear();
});
afterEach(() => {
  w.azure.federatedCredentials.clear();
  w.close();
});

function tenant(i: number) {
  return `7c1e4b2a-3d5f-4a6b-8c9d-${String(100000000000 + n * 10 + i).slice(-12)}`;
}

describe("keyless Azure", () => {
  it("signs with a client assertion instead of a client secret, and offers the federated-credential command", async () => {
    w.azure.addFederatedCredential(CLIENT_ID, { issuer: ISSUER, subject: `app:${CLIENT_ID}`, fetch: (u) => w.call(u) });
    const owner = azureOwner(w, { tenantId: tenant(1), account: `keyless${n}a`, container: "frames" });
    w.azure.putBlob(owner.account, owner.container, "a.txt", "azure keyless", "text/plain");
    const integ = await create(w, { name: "Azure", provider: "azure", tenantId: owner.tenantId, accountName: owner.account, containers: [owner.container] });
    expect(integ.federatedCredentialCommand).toBe(
      `az ad app federated-credential create --id ${CLIENT_ID} --parameters '{"name":"signpost-issuer","issuer":"${ISSUER}","subject":"app:${CLIENT_ID}","audiences":["api://AzureADTokenExchange"]}'`,
    );
    const res = await w.call(`/v1/assets/${integ.id}/${owner.container}/a.txt`);
    expect(res.status).toBe(302);
    expect(await (await followTo(res)).text()).toBe("azure keyless");
    const ok = w.azure.assertions.filter((a) => a.outcome === "ok");
    expect(ok.length).toBeGreaterThan(0);
    const jwks = (await (await w.call("/.well-known/jwks.json")).json()) as JSONWebKeySet;
    const { payload } = await jwtVerify(ok[0]!.token, createLocalJWKSet(jwks), {
      issuer: ISSUER,
      audience: "api://AzureADTokenExchange",
      subject: `app:${CLIENT_ID}`,
    });
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(300);
    expect(check(await validate(w, integ.id, { sampleKey: "a.txt" }), "token").status).toBe("pass");
  });

  it("without a matching federated credential the app cannot get a token (the check says what the operator must add)", async () => {
    w.azure.addFederatedCredential(CLIENT_ID, { issuer: ISSUER, subject: "app:someone-else", fetch: (u) => w.call(u) });
    const owner = azureOwner(w, { tenantId: tenant(2), account: `keyless${n}b`, container: "frames" });
    const integ = await create(w, { name: "Azure", provider: "azure", tenantId: owner.tenantId, accountName: owner.account, containers: [owner.container] });
    const res = await w.call(`/v1/assets/${integ.id}/${owner.container}/a.txt`);
    expect(res.status).toBe(502);
    expect((await errorOf(res)).code).toBe("upstream_error");
    expect(w.azure.assertions.at(-1)!.refusal).toBe("wrong_subject");
    const token = check(await validate(w, integ.id), "token");
    expect(token.status).toBe("fail");
    expect(token.hint).toContain("federated identity credential");
  });

  it("the fake Entra refuses an expired assertion (its clock ahead)", async () => {
    w.azure.addFederatedCredential(CLIENT_ID, { issuer: ISSUER, subject: `app:${CLIENT_ID}`, fetch: (u) => w.call(u) });
    const owner = azureOwner(w, { tenantId: tenant(3), account: `keyless${n}c`, container: "frames" });
    const integ = await create(w, { name: "Azure", provider: "azure", tenantId: owner.tenantId, accountName: owner.account, containers: [owner.container] });
    w.azure.now = () => Date.now() + 10 * 60_000;
    try {
      expect((await w.call(`/v1/assets/${integ.id}/${owner.container}/a.txt`)).status).toBe(502);
      expect(w.azure.assertions.at(-1)!.refusal).toBe("expired");
    } finally {
      w.azure.now = () => Date.now();
    }
  });
});
