/** The owner's surface /connect/{token}: page, owner view, owner-only PATCH, validate, isolation, expiry, revocation, rate limit. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { errorOf, newWorld, OWNER_ACCOUNT, PRINCIPAL_ARN, readPolicy, testEnv, type World } from "../../support/harness";
import { forgetRateLimits } from "../../../worker/http/rate-limit";
import { connectIntegrationResponse, connectValidateResponse } from "../../../worker/schemas/invites";

// Browsers send Origin: null to the bucket after signpost's redirect: the rules allow it too.
const CORS = [{ AllowedOrigins: ["https://label.example.com", "null"], AllowedMethods: ["GET", "HEAD"], AllowedHeaders: ["Range"] }];
let w: World;

async function world(vars: Record<string, string | undefined> = {}) {
  w = await newWorld({ INVITE_RATE_LIMITER: undefined, INVITE_RATE_LIMIT_PER_MINUTE: "100000", ...vars } as unknown as Record<string, string>);
  await testEnv.DB.prepare("delete from invites").run();
  forgetRateLimits();
}
beforeEach(() => world());
afterEach(() => w.close());

async function integration(body: Record<string, unknown> = {}) {
  const res = await w.admin("POST", "/admin/api/integrations", { name: "Acme", scopes: ["media-bucket"], ...body });
  expect(res.status).toBe(201);
  return (await res.json()) as Record<string, any>;
}

async function invite(id: string, body: unknown = {}) {
  const res = await w.admin("POST", `/admin/api/integrations/${id}/invites`, body);
  expect(res.status).toBe(201);
  const json = (await res.json()) as { id: string; url: string };
  return { ...json, token: json.url.split("/").pop()!, path: new URL(json.url).pathname };
}

const owner = (path: string, method = "GET", body?: unknown, headers: Record<string, string> = {}) =>
  w.call(path, {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe("the owner's page", () => {
  it("is HTML with the admin page's CSP, the External ID, the one-paste command, and no admin data", async () => {
    const other = await integration({ name: "Other-Customer", scopes: ["other-bucket"] });
    const integ = await integration({ name: "Acme", ipAllowlist: ["198.51.100.0/24"] });
    const inv = await invite(integ.id);
    const res = await owner(inv.path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/script-src 'nonce-[^']+'/);
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)![1]!;
    for (const tag of html.match(/<script[^>]*>/g)!) expect(tag).toContain(`nonce="${nonce}"`);
    expect(html).not.toMatch(/ on[a-z]+=/i);
    expect(html).toContain('name="viewport"');
    expect(html).toContain(integ.externalId);
    expect(html).toContain(PRINCIPAL_ARN);
    expect(html).toContain(`curl -fsSL &#39;https://signpost.test${inv.path}/setup/aws.sh&#39; | bash`);
    expect(html).toContain("Validate");
    for (const leak of [other.id, "Other-Customer", "other-bucket", "/admin", "198.51.100.0", testEnv.ADMIN_TOKEN as string, "api_token"])
      expect(html).not.toContain(leak);
  });

  it("answers unknown, malformed, expired and revoked tokens with invite_not_found (HTML page and JSON API)", async () => {
    const integ = await integration();
    const expired = await invite(integ.id, { expiresInSeconds: 300 });
    await testEnv.DB.prepare("update invites set expires_at = ? where id = ?")
      .bind(Date.now() - 1, expired.id)
      .run();
    const revoked = await invite(integ.id);
    expect((await w.admin("DELETE", `/admin/api/invites/${revoked.id}`)).status).toBe(200);
    const unknown = "A".repeat(43);
    for (const token of [expired.token, revoked.token, unknown, "short", "has%20space"]) {
      const page = await owner(`/connect/${token}`);
      expect(page.status).toBe(404);
      expect(await page.text()).toContain("invite_not_found");
      for (const [method, path, body] of [
        ["GET", "/integration"],
        ["PATCH", "/integration", { roleArn: null }],
        ["POST", "/validate", {}],
        ["GET", "/setup/aws.sh"],
      ] as const) {
        const res = await owner(`/connect/${token}${path}`, method, body);
        expect(res.status, `${method} ${path}`).toBe(404);
        expect((await errorOf(res)).code).toBe("invite_not_found");
      }
    }
  });

  it("dies with its integration", async () => {
    const integ = await integration();
    const inv = await invite(integ.id);
    expect((await w.admin("DELETE", `/admin/api/integrations/${integ.id}`)).status).toBe(200);
    expect((await errorOf(await owner(`${inv.path}/integration`))).code).toBe("invite_not_found");
  });
});

describe("the owner's API", () => {
  it("shows owner-facing fields and documents only, and records first use", async () => {
    const integ = await integration({ ipAllowlist: ["198.51.100.0/24"], requireSignedLinks: true });
    const inv = await invite(integ.id);
    const res = await owner(`${inv.path}/integration`);
    expect(res.status).toBe(200);
    const view = (await res.json()) as Record<string, any>;
    expect(view).toMatchObject({
      id: integ.id,
      name: "Acme",
      provider: "aws_role",
      externalId: integ.externalId,
      roleArn: null,
      status: "unchecked",
      ownerFields: ["roleArn"],
      signpostPrincipal: PRINCIPAL_ARN,
    });
    expect(view.documents.trustPolicy.Statement[0].Condition.StringEquals["sts:ExternalId"]).toBe(integ.externalId);
    expect(view.documents.permissionsPolicy.Statement[0].Resource).toEqual(["arn:aws:s3:::media-bucket/*"]);
    expect(Object.keys(view.setupScripts).sort()).toEqual(["aws.sh", "cloudformation.json", "terraform.tf"]);
    expect(view.assetUrlTemplate).toBe(`https://signpost.test/v1/assets/${integ.id}/{bucket}/{key}`);
    for (const k of ["ipAllowlist", "isDefault", "requireSignedLinks", "urlTtlSeconds", "accessKeyId", "hasSecretAccessKey", "lastUsedAt", "endpoint"])
      expect(view, k).not.toHaveProperty(k);
    expect(JSON.stringify(view)).not.toContain("198.51.100.0");
    const list = (await (await w.admin("GET", `/admin/api/integrations/${integ.id}/invites`)).json()) as { invites: { usedAt: string | null }[] };
    expect(list.invites[0]!.usedAt).toEqual(expect.any(String));
  });

  it("takes the role ARN, resets the status, and audits the change with the invite's id", async () => {
    const integ = await integration();
    const inv = await invite(integ.id);
    const roleArn = `arn:aws:iam::${OWNER_ACCOUNT}:role/signpost-${integ.id}`;
    const res = await owner(`${inv.path}/integration`, "PATCH", { roleArn });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).roleArn).toBe(roleArn);
    const admin = (await (await w.admin("GET", `/admin/api/integrations/${integ.id}`)).json()) as any;
    expect(admin.roleArn).toBe(roleArn);
    expect(admin.status).toBe("unchecked");
    const rows = await testEnv.DB.prepare("select actor, action, target_id, detail from audit_log where actor like 'invite:%'").all<any>();
    expect(rows.results).toHaveLength(1);
    expect(rows.results[0]).toMatchObject({ actor: `invite:${inv.id}`, action: "integration.update", target_id: integ.id });
    expect(JSON.parse(rows.results[0].detail)).toEqual({ inviteId: inv.id, fields: ["roleArn"] });
  });

  it("refuses every field that is not the owner's, and malformed values", async () => {
    const integ = await integration();
    const inv = await invite(integ.id);
    for (const body of [
      { name: "x" },
      { scopes: ["evil-bucket"] },
      { externalId: "signpost-x".padEnd(40, "x") },
      { ipAllowlist: [] },
      { roleArn: "arn:aws:iam::1:role/x", scopes: [] },
      { serviceAccountEmail: "a@b.iam.gserviceaccount.com" },
      { isDefault: true },
      { roleArn: "not-an-arn" },
      { roleArn: 5 },
      [],
      "x",
    ]) {
      const res = await owner(`${inv.path}/integration`, "PATCH", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await errorOf(res)).code).toBe("invalid_request");
    }
    const admin = (await (await w.admin("GET", `/admin/api/integrations/${integ.id}`)).json()) as any;
    expect(admin).toMatchObject({ name: "Acme", scopes: ["media-bucket"], roleArn: null, externalId: integ.externalId });
  });

  it("validates through the invite (JSON, or plain text for scripts) and updates the status", async () => {
    w.fake.addBucket({ name: "media-bucket", region: "us-east-1", cors: CORS, objects: { "images/cat.jpg": "meow" } });
    const integ = await integration();
    const inv = await invite(integ.id);
    const roleArn = `arn:aws:iam::${OWNER_ACCOUNT}:role/owner-made`;
    w.fake.addRole({
      arn: roleArn,
      trustedPrincipals: [PRINCIPAL_ARN],
      externalId: integ.externalId,
      policy: readPolicy(["arn:aws:s3:::media-bucket", "arn:aws:s3:::media-bucket/*"]),
    });
    expect((await owner(`${inv.path}/integration`, "PATCH", { roleArn })).status).toBe(200);
    const res = await owner(`${inv.path}/validate`, "POST", { sampleKey: "images/cat.jpg" });
    expect(res.status).toBe(200);
    const report = (await res.json()) as any;
    expect(report.ok, JSON.stringify(report.checks)).toBe(true);
    expect(report.checks.map((c: any) => c.name)).toContain("assume_role");
    expect(((await (await owner(`${inv.path}/integration`)).json()) as any).status).toBe("valid");
    const text = await owner(`${inv.path}/validate`, "POST", {}, { accept: "text/plain" });
    expect(text.headers.get("content-type")).toMatch(/^text\/plain/);
    const body = await text.text();
    expect(body).toMatch(/^Validation passed/);
    expect(body).toMatch(/pass\s+assume_role/);
    expect((await owner(`${inv.path}/validate`, "POST", { sampleKey: "" })).status).toBe(400);
    expect((await owner(`${inv.path}/validate`, "POST", { other: 1 })).status).toBe(400);
    const audits = await testEnv.DB.prepare("select count(*) as n from audit_log where actor = ? and action = 'integration.validate'")
      .bind(`invite:${inv.id}`)
      .first<{ n: number }>();
    expect(audits!.n).toBe(2);
  });

  it("shows failing checks with their hints", async () => {
    const integ = await integration();
    const inv = await invite(integ.id);
    await owner(`${inv.path}/integration`, "PATCH", { roleArn: `arn:aws:iam::${OWNER_ACCOUNT}:role/missing` });
    const report = (await (await owner(`${inv.path}/validate`, "POST", {})).json()) as any;
    expect(report.ok).toBe(false);
    const assume = report.checks.find((c: any) => c.name === "assume_role");
    expect(assume.status).toBe("fail");
    expect(assume.hint).toEqual(expect.any(String));
  });
});

describe("response schemas (the OpenAPI document is built from them)", () => {
  it("declare every field the owner's routes answer with", async () => {
    const views: Record<string, unknown>[] = [];
    for (const body of [
      {},
      { provider: "gcs", serviceAccountEmail: "r@p.iam.gserviceaccount.com" },
      { provider: "azure", containers: ["images"], tenantId: "11111111-2222-3333-4444-555555555555", accountName: "acct1" },
    ]) {
      const integ = await integration(body);
      const inv = await invite(integ.id);
      views.push((await (await owner(`${inv.path}/integration`)).json()) as Record<string, unknown>);
      const report = (await (await owner(`${inv.path}/validate`, "POST", {})).json()) as Record<string, unknown>;
      expect(connectValidateResponse.safeParse(report).success).toBe(true);
      views.push((await (await owner(`${inv.path}/integration`)).json()) as Record<string, unknown>); // with lastValidation
    }
    for (const v of views) {
      const parsed = connectIntegrationResponse.safeParse(v);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      for (const k of Object.keys(v)) expect(Object.keys(connectIntegrationResponse.shape), k).toContain(k);
    }
  });
});

describe("gcs and azure owners", () => {
  it("a gcs owner sets serviceAccountEmail only; an azure owner tenantId and accountName only", async () => {
    const gcs = await integration({ provider: "gcs", scopes: ["gcs-bucket"], serviceAccountEmail: "old@p.iam.gserviceaccount.com" });
    const gi = await invite(gcs.id);
    const g = await owner(`${gi.path}/integration`, "PATCH", { serviceAccountEmail: "reader@owner-project.iam.gserviceaccount.com" });
    expect(g.status).toBe(200);
    expect(((await g.json()) as any).serviceAccountEmail).toBe("reader@owner-project.iam.gserviceaccount.com");
    expect((await owner(`${gi.path}/integration`, "PATCH", { roleArn: `arn:aws:iam::${OWNER_ACCOUNT}:role/x` })).status).toBe(400);
    expect((await owner(`${gi.path}/integration`, "PATCH", { serviceAccountEmail: "not an email" })).status).toBe(400);
    expect(Object.keys(((await (await owner(`${gi.path}/integration`)).json()) as any).setupScripts)).toEqual(["gcloud.sh"]);

    const az = await integration({ provider: "azure", containers: ["images"], tenantId: "99999999-2222-3333-4444-555555555555", accountName: "oldaccount" });
    const ai = await invite(az.id);
    const a = await owner(`${ai.path}/integration`, "PATCH", { tenantId: "11111111-2222-3333-4444-555555555555", accountName: "newaccount" });
    expect(a.status).toBe(200);
    expect(await a.json()).toMatchObject({ tenantId: "11111111-2222-3333-4444-555555555555", accountName: "newaccount", containers: ["images"] });
    expect((await owner(`${ai.path}/integration`, "PATCH", { containers: ["other"] })).status).toBe(400);
    expect((await owner(`${ai.path}/setup/aws.sh`)).status).toBe(404);
    const script = await (await owner(`${ai.path}/setup/az.sh`)).text();
    expect(script).toContain("--name newaccount");
  });
});

describe("setup files", () => {
  it("are served with this integration's values, only for its provider", async () => {
    const integ = await integration({ scopes: ["media-bucket", "second/prefix/"] });
    const inv = await invite(integ.id);
    const sh = await owner(`${inv.path}/setup/aws.sh`);
    expect(sh.headers.get("content-type")).toMatch(/^text\/x-shellscript/);
    expect(sh.headers.get("cache-control")).toBe("no-store");
    const text = await sh.text();
    expect(text).toMatch(/^#!\/usr\/bin\/env bash\n/);
    expect(text).toContain("set -euo pipefail");
    expect(text).toContain(integ.externalId);
    expect(text).toContain(`ROLE_NAME=signpost-${integ.id}`);
    expect(text).toContain("BUCKETS=(media-bucket second)");
    expect(text).toContain(`CONNECT_URL=https://signpost.test${inv.path}`);
    expect(text).toContain("arn:aws:s3:::second/prefix/*");
    const tf = await (await owner(`${inv.path}/setup/terraform.tf`)).text();
    expect(tf).toContain('resource "aws_iam_role" "signpost"');
    const cfn = (await (await owner(`${inv.path}/setup/cloudformation.json`)).json()) as any;
    expect(cfn.Parameters.ExternalId.Default).toBe(integ.externalId);
    for (const f of ["gcloud.sh", "az.sh", "nope.sh", "..%2Faws.sh"]) expect((await owner(`${inv.path}/setup/${f}`)).status, f).toBe(404);
  });

  it("shell-quotes values that need it", async () => {
    const integ = await integration({ name: "Acme's $(touch /tmp/x) `id`", scopes: ["media-bucket"] });
    const inv = await invite(integ.id);
    const text = await (await owner(`${inv.path}/setup/aws.sh`)).text();
    // The name appears in a comment only; every line that is not a comment is free of it.
    for (const line of text.split("\n").filter((l) => !l.startsWith("#"))) expect(line).not.toContain("touch /tmp/x");
  });

  it("the page links a CloudFormation quick-create stack when CLOUDFORMATION_TEMPLATE_URL is set", async () => {
    const plain = await integration();
    const before = await (await owner((await invite(plain.id)).path)).text();
    expect(before).not.toContain("Launch stack");
    w.close();
    await world({ CLOUDFORMATION_TEMPLATE_URL: "https://templates.s3.amazonaws.com/signpost/cloudformation.json" });
    const integ = await integration({ region: "eu-west-1" });
    const inv = await invite(integ.id);
    const view = (await (await owner(`${inv.path}/integration`)).json()) as any;
    const url = new URL(view.launchStackUrl);
    expect(url.origin + url.pathname).toBe("https://console.aws.amazon.com/cloudformation/home");
    expect(url.searchParams.get("region")).toBe("eu-west-1");
    expect(url.hash.startsWith("#/stacks/quickcreate?")).toBe(true);
    const q = new URLSearchParams(url.hash.slice("#/stacks/quickcreate?".length));
    expect(q.get("templateURL")).toBe("https://templates.s3.amazonaws.com/signpost/cloudformation.json");
    expect(q.get("param_ExternalId")).toBe(integ.externalId);
    expect(q.get("param_SignpostPrincipalArn")).toBe(PRINCIPAL_ARN);
    expect(q.get("stackName")).toMatch(/^[A-Za-z][A-Za-z0-9-]*$/);
    const html = await (await owner(inv.path)).text();
    expect(html).toContain("Launch stack");
  });
});

describe("isolation", () => {
  it("reaches only its own integration", async () => {
    const a = await integration({ name: "A", scopes: ["bucket-a"] });
    const b = await integration({ name: "B", scopes: ["bucket-b"] });
    const inv = await invite(a.id);
    const view = (await (await owner(`${inv.path}/integration`)).json()) as any;
    expect(view.id).toBe(a.id);
    expect(JSON.stringify(view)).not.toContain(b.id);
    expect(JSON.stringify(view)).not.toContain("bucket-b");
    await owner(`${inv.path}/integration`, "PATCH", { roleArn: `arn:aws:iam::${OWNER_ACCOUNT}:role/a` });
    const bNow = (await (await w.admin("GET", `/admin/api/integrations/${b.id}`)).json()) as any;
    expect(bNow.roleArn).toBeNull();
    expect(bNow.updatedAt).toBe(b.updatedAt);
    // Nothing under /connect names another integration or takes an id.
    for (const path of [`/connect/${inv.token}/integration/${b.id}`, `/connect/${inv.token}/integrations`, `/connect/${inv.token}/../admin/api/integrations`]) {
      const res = await owner(path);
      expect(res.status, path).toBe(404);
    }
  });

  it("cannot reach /admin/api with its token in any header or cookie", async () => {
    const integ = await integration();
    const inv = await invite(integ.id);
    const tries: Record<string, string>[] = [
      { authorization: `Bearer ${inv.token}` },
      { authorization: `Bearer ${inv.url}` },
      { cookie: `signpost_session=${inv.token}` },
      { "x-csrf-token": inv.token, cookie: `signpost_session=${inv.token}` },
      { "cf-access-jwt-assertion": inv.token },
      { "x-invite-token": inv.token },
    ];
    for (const headers of tries) {
      for (const [method, path] of [
        ["GET", "/admin/api/integrations"],
        ["GET", `/admin/api/integrations/${integ.id}`],
        ["GET", "/admin/api/tokens"],
        ["POST", `/admin/api/integrations/${integ.id}/invites`],
      ]) {
        const res = await w.call(path!, { method, headers: { ...headers, "content-type": "application/json" }, body: method === "POST" ? "{}" : undefined });
        expect(res.status, `${method} ${path} ${Object.keys(headers)}`).toBe(401);
      }
    }
    const page = await w.call("/admin", { headers: { cookie: `signpost_session=${inv.token}` } });
    expect(await page.text()).not.toContain("Integrations");
  });
});

describe("rate limiting", () => {
  it("limits /connect/* per client IP, before the token is looked up", async () => {
    w.close();
    await world({ INVITE_RATE_LIMIT_PER_MINUTE: "3" });
    const integ = await integration();
    const inv = await invite(integ.id);
    for (let i = 0; i < 3; i++) expect((await w.call(`${inv.path}/integration`, { ip: "198.51.100.9" })).status).toBe(200);
    const limited = await w.call(`${inv.path}/integration`, { ip: "198.51.100.9" });
    expect(limited.status).toBe(429);
    expect((await errorOf(limited)).code).toBe("rate_limited");
    expect(limited.headers.get("retry-after")).toBe("60");
    expect((await w.call(`/connect/${"B".repeat(43)}/integration`, { ip: "198.51.100.9" })).status).toBe(429);
    expect((await w.call(`${inv.path}`, { ip: "198.51.100.9" })).status).toBe(429);
    // Another address is not affected.
    expect((await w.call(`${inv.path}/integration`, { ip: "198.51.100.10" })).status).toBe(200);
  });
});
