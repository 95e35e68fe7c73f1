/** Diagnose on gcs and azure integrations, against the fake Google and Azure: ok, not_found, access_denied, cors, credentials. */
import { afterEach, beforeEach, expect, it } from "vitest";
import { diagnoseResponse } from "../../worker/schemas/operations";
import { azureOwner, create, gcsOwner, providerWorld, type ProviderWorld } from "./world";

let w: ProviderWorld;
let n = 0;
beforeEach(async () => {
  w = await providerWorld();
  n++;
});
afterEach(() => w.close());

async function diagnose(id: string, key: string) {
  const res = await w.admin("POST", `/admin/api/integrations/${id}/diagnose`, { key });
  expect(res.status).toBe(200);
  return diagnoseResponse.parse(await res.json());
}

it("gcs: ok, not_found, scope, cors, access_denied and credentials", async () => {
  const owner = await gcsOwner(w, { email: `diag-${n}@owner-proj.iam.gserviceaccount.com`, bucket: `diag-media-${n}` });
  w.google.putObject(owner.bucket, "images/a.jpg", "A", "image/jpeg");
  const integ = await create(w, { name: "GCS", provider: "gcs", serviceAccountEmail: owner.email, scopes: [`${owner.bucket}/images/`] });
  expect(await diagnose(integ.id, "images/a.jpg")).toMatchObject({ ok: true, cause: "ok" });
  expect((await diagnose(integ.id, `gs://${owner.bucket}/images/a.jpg`)).cause).toBe("ok");
  expect((await diagnose(integ.id, "images/missing.jpg")).cause).toBe("not_found");
  expect((await diagnose(integ.id, "docs/a.txt")).cause).toBe("scope");

  const noCors = await gcsOwner(w, { email: `nocors-${n}@owner-proj.iam.gserviceaccount.com`, bucket: `diag-nocors-${n}`, cors: false });
  w.google.putObject(noCors.bucket, "a.jpg", "A", "image/jpeg");
  const c = await create(w, { name: "GCS no CORS", provider: "gcs", serviceAccountEmail: noCors.email, scopes: [noCors.bucket] });
  const cors = await diagnose(c.id, "a.jpg");
  expect(cors.cause).toBe("cors");
  expect(cors.hint).toContain(`gs://${noCors.bucket}`);

  const noViewer = await gcsOwner(w, { email: `noview-${n}@owner-proj.iam.gserviceaccount.com`, bucket: `diag-noview-${n}`, viewer: false });
  w.google.putObject(noViewer.bucket, "a.jpg", "A", "image/jpeg");
  const v = await create(w, { name: "GCS no viewer", provider: "gcs", serviceAccountEmail: noViewer.email, scopes: [noViewer.bucket] });
  const denied = await diagnose(v.id, "a.jpg");
  expect(denied.cause).toBe("access_denied");
  expect(denied.hint).toContain("roles/storage.objectViewer");

  const noToken = await gcsOwner(w, { email: `notoken-${n}@owner-proj.iam.gserviceaccount.com`, bucket: `diag-notoken-${n}`, tokenCreator: false });
  const t = await create(w, { name: "GCS no token creator", provider: "gcs", serviceAccountEmail: noToken.email, scopes: [noToken.bucket] });
  expect((await diagnose(t.id, "a.jpg")).cause).toBe("credentials");
});

it("azure: ok, not_found, access_denied", async () => {
  const owner = azureOwner(w, { tenantId: `7d1b1a8e-0000-4000-8000-00000000000${n % 10}`, account: `diagacct${n}`, container: "media" });
  w.azure.putBlob(owner.account, owner.container, "cats/a.jpg", "A", "image/jpeg");
  const integ = await create(w, { name: "Azure", provider: "azure", tenantId: owner.tenantId, accountName: owner.account, scopes: [owner.container] });
  expect(await diagnose(integ.id, "cats/a.jpg")).toMatchObject({ ok: true, cause: "ok" });
  expect((await diagnose(integ.id, "cats/missing.jpg")).cause).toBe("not_found");

  const noReader = azureOwner(w, { tenantId: `7d1b1a8e-0000-4000-8000-0000000000a${n % 10}`, account: `diagnoread${n}`, container: "media", reader: false });
  w.azure.putBlob(noReader.account, noReader.container, "a.jpg", "A", "image/jpeg");
  const r = await create(w, {
    name: "Azure no reader",
    provider: "azure",
    tenantId: noReader.tenantId,
    accountName: noReader.account,
    scopes: [noReader.container],
  });
  const denied = await diagnose(r.id, "a.jpg");
  expect(denied.cause).toBe("access_denied");
  expect(denied.hint).toContain("Storage Blob Data Reader");
});
