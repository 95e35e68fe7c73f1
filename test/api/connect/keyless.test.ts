/** The owner's invite page and aws.sh for a keyless AWS role (identity "oidc"): provider first, web-identity trust. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newWorld, PRINCIPAL_ARN, testEnv, type World } from "../../support/harness";
import { ISSUER, newSigningJwk, oidcVars } from "../../support/oidc-keys";
import { forgetRateLimits } from "../../../worker/http/rate-limit";
import { checkCloudFormationTemplate, checkTerraformModule } from "../../support/setup-files";

let w: World;
const TEMPLATE_URL = "https://templates.s3.amazonaws.com/signpost/cloudformation.json";
beforeEach(async () => {
  w = await newWorld({
    ...oidcVars(await newSigningJwk("key-1")),
    INVITE_RATE_LIMITER: undefined,
    INVITE_RATE_LIMIT_PER_MINUTE: "100000",
    CLOUDFORMATION_TEMPLATE_URL: TEMPLATE_URL,
  } as unknown as Record<string, string>);
  await testEnv.DB.prepare("delete from invites").run();
  forgetRateLimits();
});
afterEach(() => w.close());

async function keylessInvite(): Promise<{ id: string; path: string }> {
  const res = await w.admin("POST", "/admin/api/integrations", { name: "Acme", identity: "oidc", region: "us-east-1", scopes: ["media-bucket"] });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  const inv = await w.admin("POST", `/admin/api/integrations/${id}/invites`, {});
  expect(inv.status).toBe(201);
  return { id, path: new URL(((await inv.json()) as { url: string }).url).pathname };
}

const host = new URL(ISSUER).host;

describe("keyless AWS role through an invite", () => {
  it("the page shows the provider command first and the web-identity trust policy, not signpost's principal", async () => {
    const { id, path } = await keylessInvite();
    const res = await w.call(path);
    expect(res.status).toBe(200);
    const html = await res.text();
    const command = html.indexOf("aws iam create-open-id-connect-provider --url https://signpost.test --client-id-list sts.amazonaws.com");
    const trust = html.indexOf("sts:AssumeRoleWithWebIdentity");
    expect(command).toBeGreaterThan(-1);
    expect(trust).toBeGreaterThan(command);
    expect(html).toContain(`${host}:sub`);
    expect(html).toContain(`integration:${id}`);
    expect(html).not.toContain(PRINCIPAL_ARN);
    expect(html).not.toContain("sts:ExternalId");

    const view = (await (await w.call(`${path}/integration`)).json()) as { identity: string; documents: Record<string, any> };
    expect(view.identity).toBe("oidc");
    expect(Object.keys(view.documents)[0]).toBe("oidcProviderCommand");
    expect(view.documents.trustPolicy.Statement[0].Action).toBe("sts:AssumeRoleWithWebIdentity");
    expect(view.documents.trustPolicy.Statement[0].Principal.Federated).toBe(`arn:aws:iam::YOUR-ACCOUNT-ID:oidc-provider/${host}`);
  });

  it("aws.sh registers the provider if missing, then creates the role with the web-identity trust policy", async () => {
    const { id, path } = await keylessInvite();
    const res = await w.call(`${path}/setup/aws.sh`);
    expect(res.status).toBe(200);
    const sh = await res.text();
    expect(sh).toContain("\nOIDC_ISSUER_URL=https://signpost.test\n");
    expect(sh).toContain("\nOIDC_CLIENT_ID=sts.amazonaws.com\n");
    const list = sh.indexOf("aws iam list-open-id-connect-providers");
    const create = sh.indexOf('aws iam create-open-id-connect-provider --url "$OIDC_ISSUER_URL" --client-id-list "$OIDC_CLIENT_ID"');
    const role = sh.indexOf('aws iam create-role --role-name "$ROLE_NAME"');
    expect(list).toBeGreaterThan(-1);
    expect(create).toBeGreaterThan(list);
    expect(role).toBeGreaterThan(create);
    expect(sh).toContain('TRUST_POLICY="${TRUST_POLICY//YOUR-ACCOUNT-ID/$ACCOUNT_ID}"');
    const trust = /^TRUST_POLICY='([^']*)'$/m.exec(sh)![1]!;
    const policy = JSON.parse(trust) as { Statement: Array<{ Action: string; Condition: { StringEquals: Record<string, string> } }> };
    expect(policy.Statement[0]!.Action).toBe("sts:AssumeRoleWithWebIdentity");
    expect(policy.Statement[0]!.Condition.StringEquals).toEqual({ [`${host}:aud`]: "sts.amazonaws.com", [`${host}:sub`]: `integration:${id}` });
    expect(sh).not.toContain("SIGNPOST_PRINCIPAL");
    expect(sh).toContain('step "1/5 OIDC identity provider');
    expect(sh).toContain("step '5/5 Registering the role with signpost'");
  });

  it("a principal integration's aws.sh is unchanged: no provider step", async () => {
    const res = await w.admin("POST", "/admin/api/integrations", { name: "Keys", region: "us-east-1", scopes: ["media-bucket"] });
    const { id } = (await res.json()) as { id: string };
    const inv = (await (await w.admin("POST", `/admin/api/integrations/${id}/invites`, {})).json()) as { url: string };
    const sh = await (await w.call(`${new URL(inv.url).pathname}/setup/aws.sh`)).text();
    expect(sh).not.toContain("open-id-connect-provider");
    expect(sh).toContain(`\nSIGNPOST_PRINCIPAL=${PRINCIPAL_ARN}\n`);
    expect(sh).toContain('step "1/4 IAM role');
  });

  it("cloudformation.json trusts signpost's issuer: the OIDC provider (unless one exists) and the aud/sub conditions of the JSON trust policy", async () => {
    const { id, path } = await keylessInvite();
    const t = (await (await w.call(`${path}/setup/cloudformation.json`)).json()) as any;
    checkCloudFormationTemplate(t);
    expect(t.Parameters.Identity.Default).toBe("oidc");
    expect(t.Parameters.IntegrationId.Default).toBe(id);
    expect(t.Parameters.OidcProviderArn.Default).toBe("");
    expect(t.Parameters.SignpostPrincipalArn.Default).toBe("");
    expect(t.Conditions.CreateOidcProvider).toEqual({ "Fn::And": [{ Condition: "Keyless" }, { "Fn::Equals": [{ Ref: "OidcProviderArn" }, ""] }] });
    expect(t.Resources.SignpostOidcProvider).toEqual({
      Type: "AWS::IAM::OIDCProvider",
      Condition: "CreateOidcProvider",
      Properties: { Url: ISSUER, ClientIdList: ["sts.amazonaws.com"] },
    });
    const [cond, keyless] = t.Resources.SignpostRole.Properties.AssumeRolePolicyDocument.Statement[0]["Fn::If"];
    expect(cond).toBe("Keyless");
    expect(keyless.Principal.Federated).toEqual({ "Fn::If": ["CreateOidcProvider", { Ref: "SignpostOidcProvider" }, { Ref: "OidcProviderArn" }] });
    // The statement signpost shows as JSON, with the template's parameters at their defaults.
    const view = (await (await w.call(`${path}/integration`)).json()) as { documents: { trustPolicy: { Statement: any[] } } };
    const json = view.documents.trustPolicy.Statement[0];
    const { Principal: _p, Condition: _c, ...rest } = json;
    expect(keyless).toMatchObject(rest);
    expect(keyless.Condition).toEqual({
      StringEquals: { [`${host}:aud`]: "sts.amazonaws.com", [`${host}:sub`]: { "Fn::Sub": "integration:${IntegrationId}" } },
    });
    expect(Object.keys(keyless.Condition.StringEquals)).toEqual(Object.keys(json.Condition.StringEquals));
    expect(json.Condition.StringEquals[`${host}:sub`]).toBe(`integration:${t.Parameters.IntegrationId.Default}`);
  });

  it("terraform.tf creates the provider (or takes an existing one) and a web-identity trust pinned to the integration", async () => {
    const { id, path } = await keylessInvite();
    const tf = await (await w.call(`${path}/setup/terraform.tf`)).text();
    const { resources, variables } = checkTerraformModule(tf);
    expect(resources).toEqual(["aws_iam_openid_connect_provider", "aws_iam_role", "aws_iam_role_policy", "aws_s3_bucket_cors_configuration"]);
    expect([...variables]).toEqual(expect.arrayContaining(["issuer_url", "integration_id", "existing_oidc_provider_arn"]));
    expect(variables.has("external_id")).toBe(false);
    expect(variables.has("signpost_principal_arn")).toBe(false);
    expect(tf).toMatch(/variable "issuer_url" \{[^}]*default     = "https:\/\/signpost\.test"\n\}/);
    expect(tf).toMatch(new RegExp(`variable "integration_id" \\{[^}]*default     = "${id}"\\n\\}`));
    expect(tf).toMatch(
      /count          = var\.existing_oidc_provider_arn == "" \? 1 : 0\n  url            = var\.issuer_url\n  client_id_list = \["sts\.amazonaws\.com"\]/,
    );
    expect(tf).toContain("Principal = { Federated = local.oidc_provider_arn }");
    expect(tf).toContain('Action    = "sts:AssumeRoleWithWebIdentity"');
    expect(tf).toContain('"${local.issuer_host}:aud" = "sts.amazonaws.com"');
    expect(tf).toContain('"${local.issuer_host}:sub" = "integration:${var.integration_id}"');
    expect(tf).not.toContain("sts:ExternalId");
  });

  it("the quick-create link passes Identity oidc and the integration, never signpost's principal", async () => {
    const { id, path } = await keylessInvite();
    const view = (await (await w.call(`${path}/integration`)).json()) as { launchStackUrl: string };
    const url = new URL(view.launchStackUrl);
    const q = new URLSearchParams(url.hash.slice("#/stacks/quickcreate?".length));
    expect(q.get("templateURL")).toBe(TEMPLATE_URL);
    expect(q.get("param_Identity")).toBe("oidc");
    expect(q.get("param_IntegrationId")).toBe(id);
    expect(q.has("param_SignpostPrincipalArn")).toBe(false);
  });
});

describe("keyless GCS through an invite (the issuer is configured)", () => {
  const SA = "reader@owner-proj.iam.gserviceaccount.com";
  async function gcsInvite(): Promise<{ id: string; path: string }> {
    const res = await w.admin("POST", "/admin/api/integrations", { name: "Acme GCS", provider: "gcs", serviceAccountEmail: SA, scopes: ["media-bucket"] });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const inv = (await (await w.admin("POST", `/admin/api/integrations/${id}/invites`, {})).json()) as { url: string };
    return { id, path: new URL(inv.url).pathname };
  }

  it("the view offers keyless first: the whole Workload Identity Federation set-up, and the provider as an owner field", async () => {
    const { id, path } = await gcsInvite();
    const view = (await (await w.call(`${path}/integration`)).json()) as { keyless: boolean; ownerFields: string[]; documents: Record<string, string> };
    expect(view.keyless).toBe(true);
    expect(view.ownerFields).toEqual(["serviceAccountEmail", "workloadIdentityProvider"]);
    expect(Object.keys(view.documents)[0]).toBe("workloadIdentityCommands");
    const cmds = view.documents.workloadIdentityCommands!;
    expect(cmds).toContain(`gcloud iam service-accounts create reader --project=owner-proj`);
    expect(cmds).toContain(`PROJECT_NUMBER="$(gcloud projects describe owner-proj --format='value(projectNumber)')"`);
    expect(cmds).toContain("gcloud iam workload-identity-pools create signpost --project=owner-proj --location=global");
    expect(cmds).toContain(
      `gcloud iam workload-identity-pools providers create-oidc signpost --project=owner-proj --location=global --workload-identity-pool=signpost --issuer-uri=${ISSUER} --attribute-mapping=google.subject=assertion.sub`,
    );
    expect(cmds).toContain(
      `gcloud iam service-accounts add-iam-policy-binding ${SA} --project=owner-proj --member="principal://iam.googleapis.com/projects/\${PROJECT_NUMBER}/locations/global/workloadIdentityPools/signpost/subject/integration:${id}" --role=roles/iam.serviceAccountTokenCreator`,
    );
    expect(cmds).toContain("gcloud storage buckets update gs://media-bucket --cors-file=signpost-cors.json");
  });

  it("the page preselects keyless: the command asks for the keyless script and only the keyless documents show", async () => {
    const { path } = await gcsInvite();
    const html = await (await w.call(path)).text();
    expect(html).toMatch(/<input type="radio" name="identity" value="oidc" checked=""\s*\/?>/);
    expect(html).toContain(`/setup/gcloud.sh?identity=oidc&#39; | bash`);
    expect(html).toMatch(/<div class="doc" data-doc="workloadIdentityCommands" data-identity="oidc">/);
    expect(html).toMatch(/<div class="doc" data-doc="setupCommands" data-identity="principal" hidden="">/);
    expect(html).toContain('id="field-workloadIdentityProvider"');
  });

  it("gcloud.sh?identity=oidc sets up federation and registers the provider; without it the script is the service-account one", async () => {
    const { id, path } = await gcsInvite();
    const sh = await (await w.call(`${path}/setup/gcloud.sh?identity=oidc`)).text();
    expect(sh).toContain("already_ok gcloud iam workload-identity-pools create signpost");
    expect(sh).toContain("already_ok gcloud iam workload-identity-pools providers create-oidc signpost");
    expect(sh).toContain(
      `--member="principal://iam.googleapis.com/projects/\${PROJECT_NUMBER}/locations/global/workloadIdentityPools/signpost/subject/integration:${id}"`,
    );
    expect(sh).toContain(
      `--data "{\\"serviceAccountEmail\\":\\"${SA}\\",\\"workloadIdentityProvider\\":\\"projects/\${PROJECT_NUMBER}/locations/global/workloadIdentityPools/signpost/providers/signpost\\"}"`,
    );
    expect(sh).not.toContain("SIGNPOST-SERVICE-ACCOUNT");
    const plain = await (await w.call(`${path}/setup/gcloud.sh`)).text();
    expect(plain).not.toContain("workload-identity-pools");
  });

  it("the owner registers the provider through the invite; without the issuer the field is refused", async () => {
    const { path } = await gcsInvite();
    const provider = "projects/123456789012/locations/global/workloadIdentityPools/signpost/providers/signpost";
    const res = await w.call(`${path}/integration`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ workloadIdentityProvider: provider }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as { workloadIdentityProvider: string }).workloadIdentityProvider).toBe(provider);

    w.close();
    w = await newWorld({ INVITE_RATE_LIMITER: undefined, INVITE_RATE_LIMIT_PER_MINUTE: "100000" } as unknown as Record<string, string>);
    const other = await gcsInvite();
    const view = (await (await w.call(`${other.path}/integration`)).json()) as { keyless: boolean; ownerFields: string[] };
    expect(view.keyless).toBe(false);
    expect(view.ownerFields).toEqual(["serviceAccountEmail"]);
    const refused = await w.call(`${other.path}/integration`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ workloadIdentityProvider: provider }),
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { code: string; requestId: string } }).error).toMatchObject({ code: "invalid_request" });
    expect(await (await w.call(other.path)).text()).not.toContain('id="identity-choice"');
  });
});
