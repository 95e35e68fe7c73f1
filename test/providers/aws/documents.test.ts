/**
 * One set of AWS setup documents (worker/providers/aws/documents.ts) for the admin API and the
 * owner's invite page: the same documents in both views, per identity.
 */
import { afterEach, expect, it } from "vitest";
import { newWorld, type World } from "../../support/harness";
import { newSigningJwk, oidcVars } from "../../support/oidc-keys";

let w: World;
afterEach(() => w?.close());

async function bothViews(body: Record<string, unknown>): Promise<{ admin: any; owner: any }> {
  const created: any = await (await w.admin("POST", "/admin/api/integrations", body)).json();
  const admin = await (await w.admin("GET", `/admin/api/integrations/${created.id}`)).json();
  const invite: any = await (await w.admin("POST", `/admin/api/integrations/${created.id}/invites`, {})).json();
  const owner = await (await w.call(`/connect/${invite.url.split("/").pop()}/integration`)).json();
  return { admin, owner };
}

const DOCS = ["oidcProviderCommand", "trustPolicy", "permissionsPolicy", "corsConfiguration", "corsConfigurationConsole"];

it("keyless role: the admin API shows what the owner sees, the console CORS shape included", async () => {
  w = await newWorld(oidcVars(await newSigningJwk("docs-key")));
  const { admin, owner } = await bothViews({ name: "Keyless docs", identity: "oidc", region: "us-east-1", scopes: ["docs-bucket"] });
  for (const k of DOCS) expect(admin[k], k).toEqual(owner.documents[k]);
  expect(admin.trustPolicy.Statement[0].Action).toBe("sts:AssumeRoleWithWebIdentity");
});

it("principal role: trust policy for signpost's principal with the External ID; static keys: no trust policy at all", async () => {
  w = await newWorld();
  const role = await bothViews({ name: "Role docs", region: "us-east-1", scopes: ["docs-bucket"] });
  for (const k of DOCS.slice(1)) expect(role.admin[k], k).toEqual(role.owner.documents[k]);
  expect(role.admin.trustPolicy.Statement[0].Condition.StringEquals["sts:ExternalId"]).toBe(role.admin.externalId);
  const keysRes = await w.admin("POST", "/admin/api/integrations", {
    name: "Keys docs",
    provider: "aws_keys",
    region: "us-east-1",
    accessKeyId: "AKIAKEYSDOCS00000001",
    secretAccessKey: "keys/docs/secret/0000000000000000000000",
    scopes: ["docs-bucket"],
  });
  const keys: any = await keysRes.json();
  expect(keys.trustPolicy).toBeUndefined();
  expect(keys.permissionsPolicy).toBeDefined();
});
