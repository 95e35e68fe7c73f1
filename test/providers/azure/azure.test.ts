/**
 * azure integrations end to end: the owner's flow through the admin API (create → documents →
 * consent and roles → validate), each missing grant as its named failed check, redirects
 * followed to bytes through the fake Azure (which re-derives the user delegation key and
 * verifies every SAS), the delegation key cache (memory, then sealed KV) and the lifetime rules.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DATA_READER, DELEGATOR } from "../../../scripts/fakes/azure";
import { errorOf } from "../../support/harness";
import { forgetDelegationKeys, delegationKeyStats } from "../../../worker/providers/azure/key-cache";
import { CLIENT_ID, ORIGIN, azureOwner, check, create, followTo, providerWorld, validate, type AzureOwner, type ProviderWorld } from "../world";

const TRICKY: Record<string, string> = {
  "frames/with space.jpg": "space",
  "frames/a+b=c&d.png": "plus",
  "frames/ünïcødé/日本語/😀.bin": "unicode",
  "frames/marks/!'()*.txt": "sub-delims",
  "frames/double//slash/x.txt": "double slash",
};

let w: ProviderWorld;
let n = 0;
let owner: AzureOwner;
const tenant = (i: number) => `72f988bf-86f1-41af-91ab-${String(i).padStart(12, "0")}`;

beforeEach(async () => {
  w = await providerWorld();
  n++;
  owner = azureOwner(w, { tenantId: tenant(n), account: `ownerstore${n}`, container: "labels" });
  for (const [k, v] of Object.entries(TRICKY)) w.azure.putBlob(owner.account, owner.container, k, v, "text/plain");
});
afterEach(() => w.close());

const assetPath = (id: string, container: string, blob: string) => `/v1/assets/${id}/${container}/${blob.split("/").map(encodeURIComponent).join("/")}`;

async function azureIntegration(fields: Record<string, unknown> = {}) {
  return create(w, { name: "Owner Azure", provider: "azure", tenantId: owner.tenantId, accountName: owner.account, scopes: [owner.container], ...fields });
}

const statuses = (r: { checks: Array<{ name: string; status: string }> }) => r.checks.map((c) => [c.name, c.status]);

describe("onboarding", () => {
  it("goes from nothing to a validated integration by following the documents", async () => {
    const fresh = azureOwner(w, { tenantId: tenant(1000 + n), account: `fresh${n}`, container: "media", consent: false });
    w.azure.putBlob(fresh.account, "media", "cats/1.jpg", "meow", "text/plain");
    const created = await create(w, {
      name: "Fresh",
      provider: "azure",
      tenantId: fresh.tenantId.toUpperCase(),
      accountName: fresh.account,
      scopes: ["media/cats/"],
    });
    expect(created).toMatchObject({
      provider: "azure",
      tenantId: fresh.tenantId,
      accountName: fresh.account,
      containers: [],
      scopes: ["media/cats/"],
      status: "unchecked",
    });
    expect(created.signpostClientId).toBe(CLIENT_ID);
    expect(created.adminConsentUrl).toBe(`https://login.microsoftonline.com/${fresh.tenantId}/adminconsent?client_id=${CLIENT_ID}`);
    const cmds = created.setupCommands as string;
    expect(cmds).toContain(`az ad sp create --id ${CLIENT_ID}`);
    expect(cmds).toContain(`ACCOUNT_ID=$(az storage account show --name ${fresh.account} --query id --output tsv)`);
    expect(cmds).toContain(`az role assignment create --assignee ${CLIENT_ID} --role 'Storage Blob Delegator' --scope "$ACCOUNT_ID"`);
    expect(cmds).toContain(
      `az role assignment create --assignee ${CLIENT_ID} --role 'Storage Blob Data Reader' --scope "$ACCOUNT_ID"/blobServices/default/containers/media`,
    );
    expect(cmds).toContain(`az storage cors add --account-name ${fresh.account} --services b --methods GET HEAD OPTIONS --origins ${ORIGIN}`);

    // Not consented yet.
    let r = await validate(w, created.id);
    expect(statuses(r)).toEqual([
      ["tenant", "pass"],
      ["token", "fail"],
      ["delegation_key", "skip"],
      ["get_object", "skip"],
      ["cors", "pass"],
    ]);
    expect(check(r, "token").message).toContain("not consented");
    expect(check(r, "token").hint).toContain(created.adminConsentUrl as string);

    // Consent, but no roles.
    const oid = w.azure.consent(fresh.tenantId, CLIENT_ID);
    r = await validate(w, created.id);
    expect(check(r, "delegation_key")).toMatchObject({ status: "fail", message: expect.stringContaining("Storage Blob Delegator") });
    expect(check(r, "delegation_key").hint).toContain(
      `az role assignment create --assignee ${CLIENT_ID} --role 'Storage Blob Delegator' --scope "$ACCOUNT_ID"`,
    );

    // Delegator, but no data role.
    w.azure.assignRole(fresh.account, oid, DELEGATOR);
    r = await validate(w, created.id);
    expect(check(r, "get_object")).toMatchObject({ status: "fail", message: expect.stringContaining("Storage Blob Data Reader") });
    expect(check(r, "get_object").hint).toContain(`--role 'Storage Blob Data Reader' --scope "$ACCOUNT_ID"/blobServices/default/containers/media`);

    w.azure.assignRole(fresh.account, oid, DATA_READER, "media");
    r = await validate(w, created.id);
    expect(statuses(r)).toEqual([
      ["tenant", "pass"],
      ["token", "pass"],
      ["delegation_key", "pass"],
      ["get_object", "pass"],
      ["cors", "pass"],
    ]);
    expect(check(await validate(w, created.id, { sampleKey: "cats/1.jpg" }), "get_object").message).toContain("Read 4 bytes");
    expect(((await (await w.admin("GET", `/admin/api/integrations/${created.id}`)).json()) as { status: string }).status).toBe("valid");
    expect(await (await followTo(await w.call(`/v1/assets/${created.id}/media/cats/1.jpg`))).text()).toBe("meow");
  });

  it("names the failed check for each broken grant", async () => {
    const { id } = await azureIntegration();
    expect((await validate(w, id)).ok).toBe(true);

    w.azure.removeRole(owner.account, owner.oid!, DELEGATOR);
    expect(check(await validate(w, id), "delegation_key").status).toBe("fail");
    w.azure.assignRole(owner.account, owner.oid!, DELEGATOR);

    w.azure.removeRole(owner.account, owner.oid!, DATA_READER, owner.container);
    expect(check(await validate(w, id), "get_object")).toMatchObject({ status: "fail", message: expect.stringContaining("Storage Blob Data Reader") });
    w.azure.assignRole(owner.account, owner.oid!, DATA_READER, owner.container);

    // The tenant withdraws consent (deletes signpost's service principal).
    const principals = (w.azure as unknown as { tenants: Map<string, { servicePrincipals: Map<string, string> }> }).tenants.get(
      owner.tenantId,
    )!.servicePrincipals;
    principals.delete(CLIENT_ID);
    expect(check(await validate(w, id), "token")).toMatchObject({ status: "fail", message: expect.stringContaining("not consented") });
    principals.set(CLIENT_ID, owner.oid!);
    expect((await validate(w, id)).ok).toBe(true);

    const bare = azureOwner(w, { tenantId: tenant(2000 + n), account: `bare${n}`, container: "labels", cors: false });
    const noCors = await create(w, { name: "no cors", provider: "azure", tenantId: bare.tenantId, accountName: bare.account, containers: ["labels"] });
    const r = await validate(w, noCors.id);
    expect(r.checks.filter((c) => c.status === "fail").map((c) => c.name)).toEqual(["cors"]);
    expect(check(r, "cors").hint).toContain(`az storage cors add --account-name ${bare.account} --services b --methods GET HEAD OPTIONS --origins ${ORIGIN}`);

    const wrongTenant = await create(w, {
      name: "wrong tenant",
      provider: "azure",
      tenantId: tenant(3000 + n),
      accountName: owner.account,
      scopes: [owner.container],
    });
    expect(check(await validate(w, wrongTenant.id), "token")).toMatchObject({ status: "fail", message: expect.stringContaining("not found") });
  });

  it("cors: fails on the old rule (the page's origin only) because of Origin: null, passes on the generated one", async () => {
    const { id } = await azureIntegration();
    w.azure.putBlob(owner.account, owner.container, "x.jpg", "x", "image/jpeg");
    w.azure.setCors(owner.account, [
      { allowedOrigins: [ORIGIN], allowedMethods: ["GET", "HEAD", "OPTIONS"], allowedHeaders: ["*"], exposedHeaders: ["*"], maxAgeInSeconds: 3600 },
    ]);
    let r = await validate(w, id, { sampleKey: "x.jpg" });
    expect(check(r, "cors").status).toBe("fail");
    expect(check(r, "cors").message).toContain("a preflight (GET with a Range header) from Origin: null answered HTTP 403");
    expect(check(r, "cors").message).toContain(
      "a GET (as <img crossorigin>, <video> or the fetch API send it) from Origin: null answered HTTP 200, no Access-Control-Allow-Origin",
    );
    expect(check(r, "cors").message).not.toContain(`from Origin: ${ORIGIN}`);
    expect(check(r, "cors").hint).toContain(`--origins ${ORIGIN} null --allowed-headers Range`);

    const created = (await (await w.admin("GET", `/admin/api/integrations/${id}`)).json()) as { corsConfiguration: Record<string, string | number> };
    const rule = created.corsConfiguration;
    const list = (v: string | number) => String(v).split(",");
    w.azure.setCors(owner.account, [
      {
        allowedOrigins: list(rule.allowedOrigins!),
        allowedMethods: list(rule.allowedMethods!),
        allowedHeaders: list(rule.allowedHeaders!),
        exposedHeaders: list(rule.exposedHeaders!),
        maxAgeInSeconds: Number(rule.maxAgeInSeconds),
      },
    ]);
    r = await validate(w, id, { sampleKey: "x.jpg" });
    expect(check(r, "cors")).toMatchObject({ status: "pass", message: expect.stringContaining("preflights and GETs") });
  });

  it("accepts only azure fields; tenantId, accountName and containers change together", async () => {
    const bad = async (body: Record<string, unknown>, method = "POST", path = "/admin/api/integrations") => {
      const res = await w.admin(method, path, method === "POST" ? { name: "x", provider: "azure", ...body } : body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      return (await errorOf(res)).message;
    };
    expect(await bad({ accountName: owner.account })).toMatch(/^tenantId:/);
    expect(await bad({ tenantId: owner.tenantId })).toMatch(/^accountName:/);
    expect(await bad({ tenantId: owner.tenantId, accountName: owner.account, serviceAccountEmail: "a@b.iam.gserviceaccount.com" })).toMatch(
      /^serviceAccountEmail: applies to provider gcs/,
    );
    expect(await bad({ tenantId: owner.tenantId, accountName: owner.account, endpoint: "https://example.com" })).toMatch(/^endpoint: applies to AWS/);
    const { id } = await azureIntegration({ containers: ["extra"] });
    // A PATCH of one azure setting keeps the others.
    const partial = await w.admin("PATCH", `/admin/api/integrations/${id}`, { tenantId: tenant(9) });
    expect(partial.status).toBe(200);
    expect(await partial.json()).toMatchObject({ tenantId: tenant(9), accountName: owner.account });
    const ok = await w.admin("PATCH", `/admin/api/integrations/${id}`, {
      tenantId: owner.tenantId,
      accountName: owner.account,
      containers: ["labels", "labels"],
    });
    // containers are whole-container scopes as well
    expect(await ok.json()).toMatchObject({
      tenantId: owner.tenantId,
      accountName: owner.account,
      containers: ["labels"],
      scopes: expect.arrayContaining([owner.container, "labels"]),
    });
  });
});

describe("redirects", () => {
  it("follows /v1/assets to the bytes of every tricky blob name", async () => {
    const { id } = await azureIntegration();
    for (const [blob, body] of Object.entries(TRICKY)) {
      const res = await w.call(assetPath(id, owner.container, blob));
      expect(res.status, blob).toBe(302);
      expect(res.headers.get("location")!.startsWith(`https://${owner.account}.blob.core.windows.net/${owner.container}/frames/`)).toBe(true);
      const got = await followTo(res);
      expect(got.status, `${blob}: ${await got.clone().text()}`).toBe(200);
      expect(await got.text()).toBe(body);
    }
  });

  it("follows /v1/redirect for az:// and https blob URLs", async () => {
    const { id } = await azureIntegration();
    for (const [blob, body] of Object.entries(TRICKY)) {
      const encoded = blob.split("/").map(encodeURIComponent).join("/");
      for (const url of [`az://${owner.account}/${owner.container}/${blob}`, `https://${owner.account}.blob.core.windows.net/${owner.container}/${encoded}`]) {
        const res = await w.call(`/v1/redirect?url=${encodeURIComponent(url)}`);
        expect(res.status, url).toBe(302);
        expect(await (await followTo(res)).text(), url).toBe(body);
      }
    }
    // Another account's blob is not this integration's to sign.
    const other = await w.call(`/v1/redirect?integration=${id}&url=${encodeURIComponent(`az://otheraccount/${owner.container}/frames/with space.jpg`)}`);
    expect(other.status).toBe(403);
    expect(await errorOf(other)).toMatchObject({ code: "scope_not_allowed", message: expect.stringContaining("otheraccount") });
  });

  it("signs whole containers named in containers, and refuses the rest", async () => {
    w.azure.createContainer(owner.account, "extra");
    w.azure.putBlob(owner.account, "extra", "x.txt", "extra bytes", "text/plain");
    w.azure.assignRole(owner.account, owner.oid!, DATA_READER, "extra");
    const { id } = await create(w, { name: "containers", provider: "azure", tenantId: owner.tenantId, accountName: owner.account, containers: ["extra"] });
    expect(await (await followTo(await w.call(`/v1/assets/${id}/extra/x.txt`))).text()).toBe("extra bytes");
    const res = await w.call(assetPath(id, owner.container, "frames/with space.jpg"));
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe("scope_not_allowed");
  });

  it("signs response overrides that the blob service applies", async () => {
    const { id } = await azureIntegration();
    const res = await w.call(
      `${assetPath(id, owner.container, "frames/with space.jpg")}?response-content-type=image/jpeg&response-content-disposition=${encodeURIComponent('attachment; filename="a b.jpg"')}`,
    );
    const got = await followTo(res, { headers: { origin: ORIGIN } });
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("image/jpeg");
    expect(got.headers.get("content-disposition")).toBe('attachment; filename="a b.jpg"');
    expect(got.headers.get("access-control-allow-origin")).toBe(ORIGIN);
  });

  it("answers 502 role_cannot_be_assumed when Delegator is missing, naming neither the role nor the account publicly", async () => {
    const noDelegator = azureOwner(w, { tenantId: tenant(4000 + n), account: `nodeleg${n}`, container: "labels", delegator: false });
    const { id } = await create(w, { name: "x", provider: "azure", tenantId: noDelegator.tenantId, accountName: noDelegator.account, scopes: ["labels"] });
    const res = await w.call(`/v1/assets/${id}/labels/a.jpg`);
    expect(res.status).toBe(502);
    const err = await errorOf(res);
    expect(err.code).toBe("role_cannot_be_assumed");
    expect(JSON.stringify(err)).not.toContain(noDelegator.account); // the detail is for admins (test/security/public-errors.test.ts)
  });
});

describe("delegation key cache and lifetime", () => {
  it("asks Azure for one key, signs every URL locally, and keeps the key sealed in KV", async () => {
    const { id } = await azureIntegration();
    const keysBefore = w.azure.issuedKeys.length;
    const first = await w.call(assetPath(id, owner.container, "frames/with space.jpg"));
    const again = await w.call(assetPath(id, owner.container, "frames/with space.jpg"));
    expect(again.headers.get("location")).toBe(first.headers.get("location"));
    for (const blob of Object.keys(TRICKY)) expect((await w.call(assetPath(id, owner.container, blob))).status).toBe(302);
    expect(w.azure.issuedKeys.length).toBe(keysBefore + 1);

    const kv = (await w.env.CREDENTIALS.list({ prefix: "udk:v1:" })).keys;
    expect(kv.length).toBe(1);
    expect(kv[0]!.expiration).toBeGreaterThan(Date.now() / 1000 + 23 * 3600);
    const sealed = (await w.env.CREDENTIALS.get(kv[0]!.name))!;
    expect(sealed.startsWith("v1.")).toBe(true);
    expect(sealed).not.toContain(w.azure.issuedKeys.at(-1)!.value);

    // A cold isolate takes the key from KV: Azure is not asked again.
    forgetDelegationKeys();
    const hits = delegationKeyStats.kvHits;
    const cold = await w.call(assetPath(id, owner.container, "frames/with space.jpg"));
    expect(cold.headers.get("location")).toBe(first.headers.get("location"));
    expect(delegationKeyStats.kvHits).toBe(hits + 1);
    expect(w.azure.issuedKeys.length).toBe(keysBefore + 1);
    expect(await (await followTo(cold)).text()).toBe("space");
  });

  it("never claims more than the SAS's real validity", async () => {
    const { id } = await azureIntegration({ urlTtlSeconds: 3600 });
    const now = Date.now();
    const res = await w.call(`${assetPath(id, owner.container, "frames/a+b=c&d.png")}`);
    const u = new URL(res.headers.get("location")!);
    const se = Date.parse(u.searchParams.get("se")!);
    const st = Date.parse(u.searchParams.get("st")!);
    const signedAt = se - 3600 * 1000; // the window's start: se = signing time + TTL
    expect(se).toBeLessThanOrEqual(Date.now() + 3600 * 1000); // the TTL is a ceiling
    expect(signedAt % 60_000).toBe(0);
    expect(st).toBeLessThanOrEqual(signedAt); // backdated for clock skew, never before the key's start
    expect(st).toBeGreaterThanOrEqual(Date.parse(u.searchParams.get("skt")!));
    expect(se).toBeLessThanOrEqual(Date.parse(u.searchParams.get("ske")!));
    const maxAge = Number(/max-age=(\d+)/.exec(res.headers.get("cache-control")!)![1]);
    expect(now + maxAge * 1000).toBeLessThanOrEqual(se + 1000);
    expect(maxAge).toBeGreaterThanOrEqual(3600 - 60 - 1);
    expect(maxAge).toBeLessThanOrEqual(3600);
    // ttl=60: se within 60 s of the answer, the window 15 s
    const shortAt = Date.now();
    const short = await w.call(`${assetPath(id, owner.container, "frames/a+b=c&d.png")}?ttl=60`);
    const shortSe = Date.parse(new URL(short.headers.get("location")!).searchParams.get("se")!);
    expect(shortSe).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(shortSe).toBeGreaterThanOrEqual(shortAt + 45_000 - 1000);
    expect((shortSe - 60_000) % 15_000).toBe(0);
    expect(Number(/max-age=(\d+)/.exec(short.headers.get("cache-control")!)![1])).toBeLessThanOrEqual(60);
  });
});
