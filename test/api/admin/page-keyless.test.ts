/** The admin page offers keyless AWS roles, as the default, only when signpost's OIDC issuer is configured. */
import { afterEach, describe, expect, it } from "vitest";
import { newWorld, type World } from "../../support/harness";
import { newSigningJwk, oidcVars } from "../../support/oidc-keys";
import type { ProviderSpec } from "../../../admin/providers";

let w: World | undefined;
afterEach(() => w?.close());

async function adminPage(vars: Record<string, string>): Promise<{ html: string; providers: ProviderSpec[] }> {
  w = await newWorld(vars);
  const res = await w.admin("GET", "/admin");
  expect(res.status).toBe(200);
  const html = await res.text();
  const json = /<script type="application\/json" id="signpost-providers"[^>]*>([\s\S]*?)<\/script>/.exec(html)![1]!;
  return { html, providers: JSON.parse(json) as ProviderSpec[] };
}

describe("admin page: how an AWS role is assumed", () => {
  it("with the issuer configured, offers keyless first (selected) and signpost's AWS keys second", async () => {
    const { html, providers } = await adminPage(oidcVars(await newSigningJwk("key-1")));
    const select = /<select id="[^"]*" name="identity" data-kind="choice"[^>]*>([\s\S]*?)<\/select>/.exec(html);
    expect(select).not.toBeNull();
    const options = [...select![1]!.matchAll(/<option value="([^"]+)"( selected(?:="")?)?>([^<]*)<\/option>/g)].map((m) => [m[1], Boolean(m[2]), m[3]]);
    expect(options).toEqual([
      ["oidc", true, "Keyless (OIDC, recommended)"],
      ["principal", false, "signpost&#39;s AWS keys"],
    ]);
    const role = providers.find((p) => p.id === "aws_role")!;
    expect(role.fields[0]!.key).toBe("identity");
    // The panel shows the provider command and the web-identity trust policy for oidc, the principal one otherwise.
    const docs = role.documents.map((d) => [d.key, d.when?.value ?? null]);
    expect(docs).toContainEqual(["oidcProviderCommand", "oidc"]);
    expect(docs).toContainEqual(["trustPolicy", "oidc"]);
    expect(docs).toContainEqual(["trustPolicy", "principal"]);
    expect(providers.find((p) => p.id === "aws_keys")!.fields.some((f) => f.key === "identity")).toBe(false);
  });

  it("without the issuer, the form is unchanged: no identity choice", async () => {
    const { html, providers } = await adminPage({ OIDC_ISSUER: "", OIDC_SIGNING_KEY: "" });
    expect(html).not.toContain('name="identity"');
    expect(html).not.toContain("Keyless (OIDC, recommended)");
    expect(providers.find((p) => p.id === "aws_role")!.fields.map((f) => f.key)).toEqual(["region", "scopes"]);
  });
});

describe("admin page: keyless Google and Azure", () => {
  it("with the issuer configured, gcs asks for the owner's workload identity provider and shows the keyless documents", async () => {
    const { html, providers } = await adminPage(oidcVars(await newSigningJwk("key-2")));
    const gcs = providers.find((p) => p.id === "gcs")!;
    expect(gcs.fields.map((f) => f.key)).toEqual(["serviceAccountEmail", "workloadIdentityProvider", "scopes"]);
    expect(gcs.fields[1]!.required).toBeFalsy();
    expect(gcs.documents[0]!.key).toBe("workloadIdentityCommands");
    expect(providers.find((p) => p.id === "azure")!.documents[0]!.key).toBe("federatedCredentialCommand");
    expect(html).toContain('name="workloadIdentityProvider"');
  });

  it("without the issuer, neither appears", async () => {
    const { html, providers } = await adminPage({ OIDC_ISSUER: "", OIDC_SIGNING_KEY: "" });
    expect(html).not.toContain('name="workloadIdentityProvider"');
    expect(providers.find((p) => p.id === "gcs")!.documents.some((d) => d.key === "workloadIdentityCommands")).toBe(false);
    expect(providers.find((p) => p.id === "azure")!.documents.some((d) => d.key === "federatedCredentialCommand")).toBe(false);
  });
});
