/**
 * The admin page offers gcs and azure: their fields are rendered, and every document the
 * page lists for them is in the create response, filled with the integration's values.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PROVIDERS } from "../../admin/providers";
import { CLIENT_ID, SIGNPOST_SA, create, providerWorld, type ProviderWorld } from "./world";

let w: ProviderWorld;
beforeEach(async () => {
  w = await providerWorld();
});
afterEach(() => w.close());

describe("admin page: gcs and azure", () => {
  it("renders each provider's fields", async () => {
    const res = await w.call("/admin", { headers: { authorization: `Bearer ${w.env.ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    const html = await res.text();
    for (const [provider, fields] of [
      ["gcs", ["serviceAccountEmail", "scopes"]],
      ["azure", ["tenantId", "accountName", "scopes"]],
    ] as const) {
      expect(html).toContain(`id="provider-${provider}"`);
      const fieldset = new RegExp(`<fieldset data-provider="${provider}"[\\s\\S]*?</fieldset>`).exec(html)?.[0] ?? "";
      for (const f of fields) expect(fieldset, `${provider}.${f}`).toContain(`name="${f}"`);
    }
  });

  it("gets every listed document, with signpost's identity to grant, from the API", async () => {
    const bodies = {
      gcs: { provider: "gcs", serviceAccountEmail: "reader@owner-proj.iam.gserviceaccount.com", scopes: ["owner-media"] },
      azure: { provider: "azure", tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47", accountName: "ownerstore", scopes: ["labels"] },
    };
    for (const [id, body] of Object.entries(bodies)) {
      const spec = PROVIDERS.find((p) => p.id === id)!;
      expect(spec.setupSteps.length).toBeGreaterThan(2);
      const created = await create(w, { name: id, ...body });
      for (const d of spec.documents) expect(created[d.key], `${id}.${d.key}`).toBeDefined();
      for (const f of spec.fields) if (f.key !== "scopes") expect(created[f.key], `${id}.${f.key}`).toBe((body as Record<string, unknown>)[f.key]);
    }
    const list = (await (await w.admin("GET", "/admin/api/integrations")).json()) as { integrations: Array<Record<string, unknown>> };
    expect(list.integrations.map((i) => i.provider)).toEqual(["gcs", "azure"]);
    const gcs = (await (await w.admin("GET", `/admin/api/integrations/${list.integrations[0]!.id}`)).json()) as Record<string, unknown>;
    expect(gcs.signpostServiceAccount).toBe(SIGNPOST_SA);
    const azure = (await (await w.admin("GET", `/admin/api/integrations/${list.integrations[1]!.id}`)).json()) as Record<string, unknown>;
    expect(azure.signpostClientId).toBe(CLIENT_ID);
    expect(azure.setupCommands).toContain(
      `az role assignment create --assignee ${CLIENT_ID} --role 'Storage Blob Data Reader' --scope "$ACCOUNT_ID"/blobServices/default/containers/labels`,
    );
  });

  it("says what the operator must configure when signpost has no Google or Azure identity", async () => {
    const bare = await providerWorld({ GCP_SERVICE_ACCOUNT_KEY: "", AZURE_CLIENT_ID: "" });
    try {
      const g = await create(bare, { name: "g", provider: "gcs", serviceAccountEmail: "reader@owner-proj.iam.gserviceaccount.com" });
      expect(g.signpostServiceAccount).toContain("GCP_SERVICE_ACCOUNT_KEY");
      const a = await create(bare, { name: "a", provider: "azure", tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47", accountName: "ownerstore" });
      expect(a.signpostClientId).toContain("AZURE_CLIENT_ID");
    } finally {
      bare.close();
    }
  });
});
