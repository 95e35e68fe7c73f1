/**
 * The one-paste setup files against a running signpost (wrangler dev + the fake AWS server):
 * every script through `bash -n` and shellcheck, then run exactly as the owner pastes it
 * (`curl … | bash`) with fake `aws`, `gcloud` and `az` executables first on PATH. The fakes
 * record their argv and answer like the CLIs; the aws fake also applies the role and the CORS
 * to the fake AWS, so signpost's validation at the end sees what the script set up.
 *
 * CloudFormation: cfn-lint is not installable here (no PyPI), so the template is checked
 * structurally (resource types, properties, the External ID condition bound to the parameter).
 * Terraform: no terraform binary here, so the module is parsed (balanced blocks, resources,
 * variables, references to declared variables only).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAKE_OWNER_ACCOUNT, fakeTools as makeFakeTools, freshIp, run, type Call } from "./fake-clis";
import { checkCloudFormationTemplate, checkTerraformModule } from "../support/setup-files";
import { startLocalStack, PRINCIPAL_ARN, DEFAULT_CORS_ORIGINS, type LocalStack } from "../../scripts/local-stack";

const BUCKET = "owner-bucket";
const SHELLCHECK = "/usr/bin/shellcheck";

let stack: LocalStack;
let dir: string;

async function admin(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(stack.url + path, {
    method,
    headers: { authorization: `Bearer ${stack.adminToken}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function control(method: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(stack.fakeAws.url + path, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  if (!res.ok) throw new Error(`fake ${path}: ${res.status} ${await res.text()}`);
}

/** A fresh integration with an invite; returns its id and the invite URL. */
async function invited(body: Record<string, unknown>): Promise<{ id: string; url: string; externalId: string }> {
  const integ = await admin("POST", "/admin/api/integrations", body);
  const inv = await admin("POST", `/admin/api/integrations/${integ.id}/invites`, {});
  return { id: integ.id, url: inv.url, externalId: integ.externalId };
}

async function download(url: string): Promise<string> {
  const res = await fetch(url, { headers: { "cf-connecting-ip": freshIp() }, signal: AbortSignal.timeout(10_000) });
  expect(res.status, url).toBe(200);
  return res.text();
}

const argOf = (c: Call, name: string) => c.argv[c.argv.indexOf(name) + 1]!;
const fakeTools = (name: string, state: Record<string, unknown> = {}) => makeFakeTools(dir, name, stack.fakeAws.url, state);
const find = (calls: Call[], tool: string, ...words: string[]) => calls.filter((c) => c.tool === tool && words.every((w, i) => c.argv[i] === w));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "signpost-setup-"));
  stack = await startLocalStack();
  await control("POST", "/__fake/buckets", { name: BUCKET, region: "us-east-1", objects: { "images/0001.jpg": "jpeg bytes" } });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("static checks of every setup file", () => {
  it("aws.sh, gcloud.sh and az.sh pass bash -n and shellcheck", async () => {
    const aws = await invited({ name: "Static AWS", scopes: [BUCKET, "second-bucket/prefix/"] });
    const gcs = await invited({
      name: "Static GCS",
      provider: "gcs",
      scopes: ["gcs-bucket"],
      serviceAccountEmail: "signpost-reader@owner-project.iam.gserviceaccount.com",
    });
    const azure = await invited({
      name: "Static Azure",
      provider: "azure",
      containers: ["images"],
      tenantId: "11111111-2222-3333-4444-555555555555",
      accountName: "owneraccount",
    });
    const scripts = {
      "aws.sh": await download(`${aws.url}/setup/aws.sh`),
      "gcloud.sh": await download(`${gcs.url}/setup/gcloud.sh`),
      "gcloud-override.sh": await download(
        `${gcs.url}/setup/gcloud.sh?serviceAccountEmail=${encodeURIComponent("other@owner-project.iam.gserviceaccount.com")}`,
      ),
      "az.sh": await download(`${azure.url}/setup/az.sh`),
    };
    expect(scripts["gcloud-override.sh"]).toContain("other@owner-project.iam.gserviceaccount.com");
    if (!existsSync(SHELLCHECK)) console.warn(`${SHELLCHECK} is missing: shellcheck skipped (apt-get install shellcheck).`);
    for (const [name, text] of Object.entries(scripts)) {
      const file = join(dir, name);
      writeFileSync(file, text);
      expect(text.split("\n").slice(0, 12).join("\n"), name).toContain("set -euo pipefail");
      const syntax = spawnSync("bash", ["-n", file], { encoding: "utf8" });
      expect(syntax.status, `${name}: ${syntax.stderr}`).toBe(0);
      if (existsSync(SHELLCHECK)) {
        const lint = spawnSync(SHELLCHECK, ["--severity=style", file], { encoding: "utf8" });
        expect(lint.status, `${name}:\n${lint.stdout}`).toBe(0);
      }
    }
  });

  it("cloudformation.json: an IAM role whose trust requires the External ID parameter, with the permissions policy", async () => {
    const inv = await invited({ name: "CFN", scopes: [BUCKET, "exports-bucket/in/"], writeScopes: ["exports-bucket/out/"] });
    const res = await fetch(`${inv.url}/setup/cloudformation.json`, { headers: { "cf-connecting-ip": freshIp() } });
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const t = (await res.json()) as any;
    checkCloudFormationTemplate(t);
    expect(t.Description).toMatch(/CloudFormation cannot set CORS on an existing bucket/);
    expect(t.Parameters.ExternalId).toMatchObject({ Type: "String", Default: inv.externalId });
    expect(t.Parameters.SignpostPrincipalArn.Default).toBe(PRINCIPAL_ARN);
    expect(new RegExp(t.Parameters.SignpostPrincipalArn.AllowedPattern).test(PRINCIPAL_ARN)).toBe(true);
    expect(t.Parameters.Identity.Default).toBe("principal");
    const resources = Object.values<any>(t.Resources);
    // The OIDC provider exists only for Identity oidc.
    expect(resources.map((r) => [r.Type, r.Condition ?? null])).toEqual([
      ["AWS::IAM::OIDCProvider", "CreateOidcProvider"],
      ["AWS::IAM::Role", null],
    ]);
    const role = t.Resources.SignpostRole.Properties;
    expect(Object.keys(role).sort()).toEqual(["AssumeRolePolicyDocument", "Description", "MaxSessionDuration", "Policies", "RoleName"]);
    const [keyless, condition, trust] = role.AssumeRolePolicyDocument.Statement[0]["Fn::If"];
    expect(keyless).toBe("Keyless");
    expect(condition.Action).toBe("sts:AssumeRoleWithWebIdentity");
    expect(trust).toMatchObject({ Effect: "Allow", Action: "sts:AssumeRole", Principal: { AWS: { Ref: "SignpostPrincipalArn" } } });
    expect(trust.Condition.StringEquals["sts:ExternalId"]).toEqual({ Ref: "ExternalId" });
    const statements = role.Policies[0].PolicyDocument.Statement;
    expect(statements[0]).toMatchObject({ Action: "s3:GetObject", Resource: { Ref: "ObjectArns" } });
    expect(t.Parameters.ObjectArns.Default).toBe("arn:aws:s3:::owner-bucket/*,arn:aws:s3:::exports-bucket/in/*");
    expect(t.Parameters.WriteObjectArns.Default).toBe("arn:aws:s3:::exports-bucket/out/*");
    expect(statements[2]["Fn::If"][0]).toBe("HasWrites");
    expect(t.Outputs.RoleArn.Value).toEqual({ "Fn::GetAtt": ["SignpostRole", "Arn"] });
    expect(t.Outputs.CorsCommand.Value).toContain("aws s3api put-bucket-cors --bucket owner-bucket");
  });

  it("terraform.tf parses: balanced blocks, the three resources, declared variables only", async () => {
    const inv = await invited({ name: "TF", scopes: [BUCKET] });
    const tf = await download(`${inv.url}/setup/terraform.tf`);
    const { resources, variables: declared } = checkTerraformModule(tf);
    expect(resources).toEqual(["aws_iam_role", "aws_iam_role_policy", "aws_s3_bucket_cors_configuration"]);
    expect(declared).toContain("external_id");
    expect(tf).toContain(`default     = "${inv.externalId}"`);
    expect(tf).toMatch(/"sts:ExternalId" = var\.external_id/);
    expect(tf).toMatch(/Principal = \{ AWS = var\.signpost_principal_arn \}/);
    expect(tf).toContain(`default     = "${PRINCIPAL_ARN}"`);
    expect(tf).toMatch(
      new RegExp(`variable "cors_origins" \\{\\n  type    = list\\(string\\)\\n  default = \\[[^\\]]*"${DEFAULT_CORS_ORIGINS.replace(/[.:/]/g, "\\$&")}"`),
    );
  });
});

describe("aws.sh, pasted into a shell with the AWS CLI", () => {
  let inv: { id: string; url: string; externalId: string };
  let tools: ReturnType<typeof fakeTools>;

  it("creates the role, puts the policies and CORS, registers the ARN and prints a passing validation", async () => {
    inv = await invited({ name: "Owner AWS", scopes: [BUCKET] });
    tools = fakeTools("aws");
    const { code, out } = await run(`curl -fsSL '${inv.url}/setup/aws.sh' | bash`, tools.env);
    expect(code, out).toBe(0);
    expect(out).toMatch(/Validation passed/);
    expect(out).toContain("Connected.");

    const calls = tools.calls();
    const roleName = `signpost-${inv.id}`;
    const roleArn = `arn:aws:iam::${FAKE_OWNER_ACCOUNT}:role/${roleName}`;
    expect(find(calls, "aws", "iam", "get-role")[0]!.argv).toEqual(["iam", "get-role", "--role-name", roleName]);
    const [create] = find(calls, "aws", "iam", "create-role");
    const trust = JSON.parse(argOf(create!, "--assume-role-policy-document"));
    expect(trust.Statement[0]).toMatchObject({ Effect: "Allow", Action: "sts:AssumeRole", Principal: { AWS: PRINCIPAL_ARN } });
    expect(trust.Statement[0].Condition.StringEquals["sts:ExternalId"]).toBe(inv.externalId);
    const [policy] = find(calls, "aws", "iam", "put-role-policy");
    const perms = JSON.parse(argOf(policy!, "--policy-document"));
    expect(perms.Statement[0]).toMatchObject({ Action: "s3:GetObject", Resource: [`arn:aws:s3:::${BUCKET}/*`] });
    expect(perms.Statement[1].Resource).toEqual([`arn:aws:s3:::${BUCKET}`]);
    const [cors] = find(calls, "aws", "s3api", "put-bucket-cors");
    expect(argOf(cors!, "--bucket")).toBe(BUCKET);
    const rules = JSON.parse(argOf(cors!, "--cors-configuration")).CORSRules;
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ ID: `signpost-${inv.id}`, AllowedMethods: ["GET", "HEAD"] });
    expect(rules[0].AllowedOrigins).toContain(DEFAULT_CORS_ORIGINS);
    expect(find(calls, "aws", "iam", "update-assume-role-policy")).toHaveLength(0);

    const integ = await admin("GET", `/admin/api/integrations/${inv.id}`);
    expect(integ.roleArn).toBe(roleArn);
    expect(integ.status).toBe("valid");
    const audit = await admin("GET", "/admin/api/audit?limit=50");
    expect(audit.entries.some((e: any) => e.actor.startsWith("invite:") && e.action === "integration.update" && e.targetId === inv.id)).toBe(true);
  });

  it("run again: updates the existing role and its own CORS rule without asking", async () => {
    tools.clearCalls();
    const { code, out } = await run(`curl -fsSL '${inv.url}/setup/aws.sh' | bash`, tools.env);
    expect(code, out).toBe(0);
    const calls = tools.calls();
    expect(find(calls, "aws", "iam", "create-role")).toHaveLength(0);
    expect(find(calls, "aws", "iam", "update-assume-role-policy")).toHaveLength(1);
    expect(find(calls, "aws", "iam", "update-role")).toHaveLength(1);
    expect(find(calls, "aws", "iam", "put-role-policy")).toHaveLength(1);
    expect(find(calls, "aws", "s3api", "put-bucket-cors")).toHaveLength(1);
    expect(out).not.toContain("did not write");
    expect(out).toMatch(/Validation passed/);
  });

  it("keeps CORS rules it did not write unless told --yes (no terminal to ask on)", async () => {
    const foreign = [{ ID: "site", AllowedOrigins: ["https://www.example.com"], AllowedMethods: ["GET"] }];
    tools.setState({ ...tools.state(), cors: { [BUCKET]: foreign } });
    await control("PUT", `/__fake/cors/${BUCKET}`, { CORSRules: foreign });
    tools.clearCalls();
    const kept = await run(`curl -fsSL '${inv.url}/setup/aws.sh' | bash`, tools.env);
    expect(kept.out).toContain("already has CORS rules that signpost did not write");
    expect(kept.out).toContain("Kept the existing rules");
    expect(find(tools.calls(), "aws", "s3api", "put-bucket-cors")).toHaveLength(0);
    expect(kept.out).toMatch(/fail\s+cors/);
    expect(kept.code).toBe(1);

    tools.clearCalls();
    const replaced = await run(`curl -fsSL '${inv.url}/setup/aws.sh' | bash -s -- --yes`, tools.env);
    expect(replaced.code, replaced.out).toBe(0);
    const [put] = find(tools.calls(), "aws", "s3api", "put-bucket-cors");
    expect(JSON.parse(argOf(put!, "--cors-configuration")).CORSRules[0].ID).toBe(`signpost-${inv.id}`);
  });

  it("asks on the terminal before replacing CORS rules it did not write", async () => {
    const foreign = [{ ID: "site", AllowedOrigins: ["https://www.example.com"], AllowedMethods: ["GET"] }];
    const cmd = `curl -fsSL '${inv.url}/setup/aws.sh' | bash`;
    tools.setState({ ...tools.state(), cors: { [BUCKET]: foreign } });
    tools.clearCalls();
    const no = await run(cmd, tools.env, 60_000, "n\n");
    expect(no.out).toContain("Replace them with signpost's rule? [y/N]");
    expect(no.out).toContain("Kept the existing rules");
    expect(find(tools.calls(), "aws", "s3api", "put-bucket-cors")).toHaveLength(0);

    tools.clearCalls();
    const yes = await run(cmd, tools.env, 60_000, "y\n");
    expect(yes.out).toContain("Replace them with signpost's rule? [y/N]");
    expect(yes.code, yes.out).toBe(0);
    expect(find(tools.calls(), "aws", "s3api", "put-bucket-cors")).toHaveLength(1);
  });

  it("refuses unknown options", async () => {
    const { code, out } = await run(`curl -fsSL '${inv.url}/setup/aws.sh' | bash -s -- --force`, tools.env);
    expect(code).toBe(2);
    expect(out).toContain("Unknown option: --force");
  });
});

describe("gcloud.sh and az.sh", () => {
  it("gcloud.sh runs the admin page's commands, survives a re-run, and registers the service account through the invite", async () => {
    const inv = await invited({
      name: "Owner GCS",
      provider: "gcs",
      scopes: ["gcs-bucket"],
      serviceAccountEmail: "placeholder@owner-project.iam.gserviceaccount.com",
    });
    const email = "signpost-reader@owner-project.iam.gserviceaccount.com";
    const tools = fakeTools("gcloud");
    const cmd = `curl -fsSL '${inv.url}/setup/gcloud.sh?serviceAccountEmail=${encodeURIComponent(email)}' | bash`;
    const first = await run(cmd, tools.env);
    // No Google here: signpost's own Google key is not configured, so validation reports it.
    expect(first.out).toMatch(/Validation failed/);
    expect(first.out).toMatch(/fail\s+token/);
    expect(first.code).toBe(1);
    const calls = tools.calls().map((c) => c.argv.join(" "));
    expect(calls).toEqual([
      "iam service-accounts create signpost-reader --project=owner-project --display-name=signpost reader",
      `storage buckets add-iam-policy-binding gs://gcs-bucket --member=serviceAccount:${email} --role=roles/storage.objectViewer`,
      expect.stringMatching(
        new RegExp(
          `^iam service-accounts add-iam-policy-binding ${email.replace(/\./g, "\\.")} --project=owner-project --member=serviceAccount:.+ --role=roles/iam\\.serviceAccountTokenCreator$`,
        ),
      ),
      "storage buckets update gs://gcs-bucket --cors-file=signpost-cors.json",
    ]);
    expect((await admin("GET", `/admin/api/integrations/${inv.id}`)).serviceAccountEmail).toBe(email);

    tools.clearCalls();
    const again = await run(cmd, tools.env);
    expect(again.out).toContain("(already there)");
    expect(again.out).toMatch(/Validation failed/);
    expect(tools.calls()).toHaveLength(4);
  });

  it("az.sh runs the admin page's commands (no login when the tenant is already active) and registers tenant and account", async () => {
    const tenant = "11111111-2222-3333-4444-555555555555";
    const inv = await invited({
      name: "Owner Azure",
      provider: "azure",
      containers: ["images"],
      tenantId: "99999999-2222-3333-4444-555555555555",
      accountName: "oldaccount",
    });
    const tools = fakeTools("az", { azureTenant: tenant });
    const first = await run(`curl -fsSL '${inv.url}/setup/az.sh?tenantId=${tenant}&accountName=owneraccount' | bash`, tools.env);
    expect(first.out).toMatch(/Validation failed/);
    const calls = tools.calls().map((c) => c.argv.join(" "));
    expect(calls[0]).toBe("account show --query tenantId --output tsv");
    expect(calls).not.toContain(`login --tenant ${tenant}`);
    expect(calls).toContain("ad sp create --id SIGNPOST-CLIENT-ID (set AZURE_CLIENT_ID)");
    expect(calls).toContain("storage account show --name owneraccount --query id --output tsv");
    expect(calls.filter((c) => c.startsWith("role assignment create"))).toHaveLength(2);
    expect(
      calls.some((c) => c.startsWith("storage cors add --account-name owneraccount --services b --methods GET HEAD OPTIONS --origins http://localhost:5173")),
    ).toBe(true);
    const integ = await admin("GET", `/admin/api/integrations/${inv.id}`);
    expect(integ).toMatchObject({ tenantId: tenant, accountName: "owneraccount" });
  });
});
