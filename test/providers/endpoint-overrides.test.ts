/**
 * GCP_ENDPOINT_URL_* and AZURE_ENDPOINT_URL_*: with the overrides set, every call to Google
 * and Azure (tokens, signBlob, user delegation keys, the signed URLs themselves) goes to the
 * override origins and none to the real hosts. The fakes sit behind the override origins
 * (a reverse proxy maps them to the fake services) and still verify every signature.
 */
import { afterEach, describe, expect, it } from "vitest";
import { forgetProviderCaches } from "../../worker/providers/caches";
import { azureOwner, check, create, gcsOwner, providerWorld, validate, type ProviderWorld } from "./world";
import { errorOf } from "../support/harness";
import { installFakeFetch } from "../support/fake-fetch";

const OVERRIDES = {
  GCP_ENDPOINT_URL_OAUTH: "https://oauth.gcp.test",
  GCP_ENDPOINT_URL_IAMCREDENTIALS: "https://iam.gcp.test/",
  GCP_ENDPOINT_URL_STORAGE: "https://storage.gcp.test",
  AZURE_ENDPOINT_URL_LOGIN: "https://login.azure.test",
  AZURE_ENDPOINT_URL_BLOB: "https://blob.azure.test/{account}",
};

let w: ProviderWorld;
let hits: string[];
afterEach(() => w.close());

/** The fakes as they would be reached at the override origins; the real hosts are unreachable. */
async function overriddenWorld(vars: Record<string, string> = OVERRIDES): Promise<ProviderWorld> {
  w = await providerWorld(vars);
  w.google.storageOrigins.add("https://storage.gcp.test");
  hits = [];
  const fakes = globalThis.fetch;
  /** Answers requests to `origin` from the fakes, at the address `target` gives for them. */
  const override = (origin: string, target: (url: URL) => string) => ({
    matches: (url: URL) => url.origin === origin,
    handle: (req: Request) => fakes(new Request(target(new URL(req.url)) + new URL(req.url).search, req)),
  });
  installFakeFetch({
    observe: (url) => hits.push(url.origin),
    routes: [
      override("https://oauth.gcp.test", (url) => "https://oauth2.googleapis.com" + url.pathname),
      override("https://iam.gcp.test", (url) => "https://iamcredentials.googleapis.com" + url.pathname),
      override("https://login.azure.test", (url) => "https://login.microsoftonline.com" + url.pathname),
      override("https://blob.azure.test", (url) => {
        const [, account, ...rest] = url.pathname.split("/");
        return `https://${account}.blob.core.windows.net/${rest.join("/")}`;
      }),
      {
        matches: (url) => /googleapis\.com$|microsoftonline\.com$|windows\.net$/.test(url.hostname),
        handle: (req) => Promise.reject(new Error(`reached the real endpoint ${new URL(req.url).origin}`)),
      },
    ],
    // Everything else (the storage override, AWS) goes on to the fakes as addressed.
    passthrough: () => true,
  });
  return w;
}

describe("Google endpoint overrides", () => {
  it("tokens, signBlob and the signed URL all use the overrides; the URL is path-style on the storage override", async () => {
    await overriddenWorld();
    const owner = await gcsOwner(w, { email: "reader-o1@owner-proj.iam.gserviceaccount.com", bucket: "override-media-1" });
    w.google.putObject(owner.bucket, "images/a.txt", "through the override", "text/plain");
    const integ = await create(w, { name: "GCS", provider: "gcs", serviceAccountEmail: owner.email, scopes: [`${owner.bucket}/images/`] });
    const res = await w.call(`/v1/assets/${integ.id}/${owner.bucket}/images/a.txt`);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("location")!);
    expect(location.origin).toBe("https://storage.gcp.test");
    expect(location.pathname).toBe(`/${owner.bucket}/images/a.txt`);
    expect(await (await fetch(location)).text()).toBe("through the override");
    expect(hits).toContain("https://oauth.gcp.test");
    expect(hits).toContain("https://iam.gcp.test");
    const report = await validate(w, integ.id, { sampleKey: "images/a.txt" });
    expect(check(report, "get_object").status).toBe("pass");
    expect(hits.some((h) => /googleapis\.com/.test(h))).toBe(false);
  });

  it("without the overrides the same calls go to Google's hosts (the test's proxy refuses them)", async () => {
    await overriddenWorld({});
    const owner = await gcsOwner(w, { email: "reader-o2@owner-proj.iam.gserviceaccount.com", bucket: "override-media-2" });
    w.google.putObject(owner.bucket, "images/a.txt", "x", "text/plain");
    const integ = await create(w, { name: "GCS", provider: "gcs", serviceAccountEmail: owner.email, scopes: [`${owner.bucket}/images/`] });
    const res = await w.call(`/v1/assets/${integ.id}/${owner.bucket}/images/a.txt`);
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(hits.some((h) => /^https:\/\/(oauth2|iamcredentials)\.googleapis\.com$/.test(h))).toBe(true);
  });
});

describe("Azure endpoint overrides", () => {
  it("the token, the user delegation key and the SAS URL use the overrides, {account} replaced", async () => {
    await overriddenWorld();
    forgetProviderCaches();
    const owner = azureOwner(w, { tenantId: "0b5c2f7e-1d3a-4c8b-9e6f-2a7d4c1b8e30", account: "overridemedia", container: "frames" });
    w.azure.putBlob(owner.account, owner.container, "a.txt", "azure through the override", "text/plain");
    const integ = await create(w, { name: "Azure", provider: "azure", tenantId: owner.tenantId, accountName: owner.account, containers: [owner.container] });
    const res = await w.call(`/v1/assets/${integ.id}/${owner.container}/a.txt`);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("location")!);
    expect(`${location.origin}${location.pathname}`).toBe(`https://blob.azure.test/${owner.account}/${owner.container}/a.txt`);
    expect(await (await fetch(location)).text()).toBe("azure through the override");
    expect(hits).toContain("https://login.azure.test");
    const report = await validate(w, integ.id, { sampleKey: "a.txt" });
    expect(check(report, "get_object").status).toBe("pass");
    expect(hits.some((h) => /microsoftonline\.com|windows\.net/.test(h))).toBe(false);
  });
});

describe("override values", () => {
  it("a malformed override fails loudly, naming the variable", async () => {
    for (const [name, value] of [
      ["GCP_ENDPOINT_URL_STORAGE", "ftp://x"],
      ["AZURE_ENDPOINT_URL_BLOB", "not a url/{account}"],
      ["AZURE_ENDPOINT_URL_LOGIN", "::"],
    ] as const) {
      await overriddenWorld({ [name]: value });
      const res = await w.call("/health");
      expect(res.status).toBe(500);
      expect((await errorOf(res)).message).toContain(`signpost is misconfigured: ${name}`);
      w.close();
    }
    w = await providerWorld();
  });
});
