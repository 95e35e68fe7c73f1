/** The integration lifecycle over /admin/api (issue: admin surface). */
import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { errorOf, newWorld, PRINCIPAL_ARN, testEnv, type World } from "../../support/harness";
import { PROVIDERS } from "../../../admin/providers";

let w: World;
beforeEach(async () => {
  w = await newWorld();
});
afterEach(() => w.close());

async function create(body: Record<string, unknown>) {
  const res = await w.admin("POST", "/admin/api/integrations", body);
  return { res, json: (await res.json()) as Record<string, any> };
}

describe("auth", () => {
  it.each([
    ["GET", "/admin/api/integrations"],
    ["POST", "/admin/api/integrations"],
    ["GET", "/admin/api/integrations/int_x"],
    ["PATCH", "/admin/api/integrations/int_x"],
    ["DELETE", "/admin/api/integrations/int_x"],
    ["POST", "/admin/api/integrations/int_x/validate"],
    ["POST", "/admin/api/integrations/int_x/default"],
    ["POST", "/admin/api/integrations/int_x/rotate-external-id"],
    ["GET", "/admin/api/principal"],
    ["GET", "/admin/api/tokens"],
    ["POST", "/admin/api/tokens"],
    ["DELETE", "/admin/api/tokens/tok_x"],
    ["GET", "/admin/api/audit"],
    ["GET", "/admin/api/usage"],
    ["POST", "/admin/api/integrations/int_x/diagnose"],
    ["POST", "/admin/api/integrations/int_x/invites"],
    ["GET", "/admin/api/integrations/int_x/invites"],
    ["DELETE", "/admin/api/invites/inv_x"],
    ["DELETE", "/admin/api/nothing"],
  ])("%s %s without or with a wrong token → 401", async (method, path) => {
    for (const headers of [{}, { authorization: "Bearer wrong-token-wrong-token" }, { authorization: `Basic ${btoa("admin:" + testEnv.ADMIN_TOKEN)}` }]) {
      const res = await w.call(path, {
        method,
        headers: { ...headers, "content-type": "application/json" } as Record<string, string>,
        body: method === "GET" ? undefined : "{}",
      });
      expect(res.status).toBe(401);
      expect((await errorOf(res)).code).toBe("unauthorized");
    }
  });

  it("a GET no route answers stays a 404 without credentials (only state-changing calls are checked first)", async () => {
    for (const path of ["/admin/api/nothing", "/admin/api/tokens/tok_x"]) {
      const res = await w.call(path);
      expect(res.status, path).toBe(path.endsWith("nothing") ? 404 : 405);
    }
  });

  it("records the admin who acted in the audit log", async () => {
    await w.admin("POST", "/admin/api/tokens", { name: "backend" });
    const entries = ((await (await w.admin("GET", "/admin/api/audit")).json()) as { entries: Array<{ actor: string; action: string }> }).entries;
    expect(entries.find((e) => e.action === "token.create")?.actor).toBe("admin-token");
  });
});

describe("lifecycle", () => {
  it("creates without a role ARN to hand out the External ID, then takes the ARN", async () => {
    const { res, json } = await create({ name: "Acme", scopes: ["acme-media/images/"] });
    expect(res.status).toBe(201);
    expect(json.externalId).toMatch(/^[a-z0-9-]{32,}$/);
    expect(json.roleArn).toBeNull();
    expect(json.status).toBe("unchecked");
    expect(json.isDefault).toBe(true); // the first one created
    expect(json.urlTtlSeconds).toBe(900);
    expect(json.sessionDurationSeconds).toBe(3600);
    expect(json.provider).toBe("aws_role");
    for (const k of [
      "id",
      "name",
      "region",
      "endpoint",
      "scopes",
      "ipAllowlist",
      "writeScopes",
      "requireSignedLinks",
      "lastCheckedAt",
      "lastUsedAt",
      "createdAt",
      "updatedAt",
    ])
      expect(json).toHaveProperty(k);
    expect(json.trustPolicy.Statement[0].Principal.AWS).toBe(PRINCIPAL_ARN);
    expect(json.trustPolicy.Statement[0].Condition.StringEquals["sts:ExternalId"]).toBe(json.externalId);
    expect(JSON.stringify(json.permissionsPolicy)).toContain("arn:aws:s3:::acme-media/images/*");
    expect(JSON.stringify(json.permissionsPolicy)).toContain("s3:GetBucketLocation");
    expect(json.corsConfiguration.CORSRules[0].AllowedOrigins).toEqual(["https://label.example.com", "null"]);
    expect(json.corsConfigurationConsole).toEqual(json.corsConfiguration.CORSRules);
    // The admin page lists both shapes, each labelled, and the create response carries every document it lists.
    const spec = PROVIDERS.find((p) => p.id === "aws_role")!;
    for (const d of spec.documents) if (!d.when || json[d.when.key] === d.when.value) expect(json[d.key], d.key).toBeDefined();
    const titles = Object.fromEntries(spec.documents.map((d) => [d.key, d.title]));
    expect(titles.corsConfiguration).toContain("API / CLI");
    expect(titles.corsConfigurationConsole).toContain("S3 console");

    const patched = await w.admin("PATCH", `/admin/api/integrations/${json.id}`, { roleArn: "arn:aws:iam::444455556666:role/signpost" });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as any).roleArn).toBe("arn:aws:iam::444455556666:role/signpost");

    const got = (await (await w.admin("GET", `/admin/api/integrations/${json.id}`)).json()) as any;
    expect(got.trustPolicy).toBeTruthy();
    const list = (await (await w.admin("GET", "/admin/api/integrations")).json()) as any;
    expect(list.integrations.map((i: any) => i.id)).toEqual([json.id]);
  });

  it("External IDs are unique, unguessable and never chosen by the caller", async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add((await create({ name: `n${i}` })).json.externalId);
    expect(ids.size).toBe(5);
    const { res, json } = await create({ name: "x", externalId: "mine-mine-mine-mine-mine-mine-mine-mine" });
    expect(res.status).toBe(400);
    expect(json.error.message).toContain("externalId");
  });

  it("rotates the External ID", async () => {
    const { json } = await create({ name: "Acme" });
    const rotated = (await (await w.admin("POST", `/admin/api/integrations/${json.id}/rotate-external-id`)).json()) as any;
    expect(rotated.externalId).not.toBe(json.externalId);
    expect(rotated.externalId.length).toBeGreaterThanOrEqual(32);
    expect(rotated.trustPolicy.Statement[0].Condition.StringEquals["sts:ExternalId"]).toBe(rotated.externalId);
  });

  it("keeps exactly one default", async () => {
    const a = (await create({ name: "a" })).json;
    const b = (await create({ name: "b" })).json;
    expect(b.isDefault).toBe(false);
    await w.admin("POST", `/admin/api/integrations/${b.id}/default`);
    const list = ((await (await w.admin("GET", "/admin/api/integrations")).json()) as any).integrations;
    expect(list.filter((i: any) => i.isDefault).map((i: any) => i.id)).toEqual([b.id]);
    expect(list.find((i: any) => i.id === a.id).isDefault).toBe(false);
  });

  it("deletes, and a deleted integration no longer signs", async () => {
    const { json } = await create({ name: "gone" });
    const del = await w.admin("DELETE", `/admin/api/integrations/${json.id}`);
    expect(del.status).toBe(200);
    expect((await w.admin("GET", `/admin/api/integrations/${json.id}`)).status).toBe(404);
    expect((await errorOf(await w.call(`/v1/assets/${json.id}/b-bucket/k`))).code).toBe("integration_not_found");
    expect((await errorOf(await w.call(`/v1/assets/default/b-bucket/k`))).code).toBe("no_default_integration");
  });

  it.each([
    [{}, "name"],
    [{ name: "" }, "name"],
    [{ name: "x", roleArn: "arn:aws:iam::12:role/x" }, "roleArn"],
    [{ name: "x", region: "moon-1" }, "region"],
    [{ name: "x", scopes: ["Not_A_Bucket"] }, "scopes.0"],
    [{ name: "x", scopes: "bucket" }, "scopes"],
    [{ name: "x", ipAllowlist: ["10.0.0.0/33"] }, "ipAllowlist.0"],
    [{ name: "x", urlTtlSeconds: 30 }, "urlTtlSeconds"],
    [{ name: "x", urlTtlSeconds: 86401 }, "urlTtlSeconds"],
    [{ name: "x", urlTtlSeconds: "900" }, "urlTtlSeconds"],
    [{ name: "x", sessionDurationSeconds: 899 }, "sessionDurationSeconds"],
    [{ name: "x", sessionDurationSeconds: 43201 }, "sessionDurationSeconds"],
    [{ name: "x", provider: "ftp" }, "provider"],
    [{ name: "x", colour: "blue" }, "colour"],
    [{ name: "x", roleArn: "arn:aws-cn:iam::123456789012:role/x", region: "us-east-1" }, "roleArn"],
    [{ name: "x", endpoint: "http://169.254.169.254/" }, "endpoint"],
    [{ name: "x", endpoint: "https://user:pw@minio.example.com" }, "endpoint"],
    [{ name: "x", endpoint: "http://10.0.0.1/" }, "endpoint"],
    [{ name: "n\uD800" }, "name"],
    [{ name: "x", scopes: ["media-bucket/a\uDC00/"] }, "scopes.0"],
  ])("refuses %j with a 400 naming %s", async (body, field) => {
    const { res, json } = await create(body);
    expect(res.status).toBe(400);
    expect(json.error.code).toBe("invalid_request");
    expect(json.error.message).toContain(field);
    expect(json.error.requestId).toBe(res.headers.get("x-request-id"));
  });

  it("refuses bodies that are not JSON objects", async () => {
    for (const body of ["not json", "[]", "null", "42"]) {
      const res = await w.call("/admin/api/integrations", {
        method: "POST",
        headers: { authorization: `Bearer ${testEnv.ADMIN_TOKEN}`, "content-type": "application/json" },
        body,
      });
      expect(res.status).toBe(400);
    }
  });

  it("writes every state change to the audit log, without secrets", async () => {
    const { json } = await create({ name: "audited" });
    await w.admin("PATCH", `/admin/api/integrations/${json.id}`, { name: "renamed" });
    await w.admin("POST", `/admin/api/integrations/${json.id}/rotate-external-id`);
    await w.admin("POST", `/admin/api/integrations/${json.id}/default`);
    await w.admin("DELETE", `/admin/api/integrations/${json.id}`);
    const rows = await env.DB.prepare("select actor, action, target_id, detail, request_id from audit_log order by id").all();
    expect(rows.results.map((r: any) => r.action)).toEqual([
      "integration.create",
      "integration.update",
      "integration.rotate_external_id",
      "integration.set_default",
      "integration.delete",
    ]);
    for (const r of rows.results as any[]) {
      expect(r.actor).toBe("admin-token");
      expect(r.target_id).toBe(json.id);
      expect(r.request_id).toMatch(/^req_/);
      expect(r.detail).not.toContain(testEnv.ADMIN_TOKEN);
    }
  });

  it("GET /admin/api/principal returns signpost's own ARN from STS, cached", async () => {
    const a = (await (await w.admin("GET", "/admin/api/principal")).json()) as any;
    expect(a).toEqual({ arn: PRINCIPAL_ARN, accountId: "111122223333" });
    await w.admin("GET", "/admin/api/principal");
    expect(w.fake.count("GetCallerIdentity")).toBe(1);
  });
});
