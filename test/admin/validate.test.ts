/** POST /admin/api/integrations/{id}/validate: every check passing, and failing as the SPEC words it. */
import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRoleIntegration, errorOf, newWorld, PRINCIPAL_ARN, readPolicy, type World } from "../support/harness";

const CHECKS = ["role_arn_format", "assume_role", "external_id_enforced", "session_duration", "bucket_region", "list_objects", "get_object", "cors"];
// After the SPEC's eight: put_object, skipped unless the integration has writeScopes.
const ALL = [...CHECKS, "put_object"];
const CORS = [{ AllowedOrigins: ["https://label.example.com"], AllowedMethods: ["GET", "HEAD"], AllowedHeaders: ["*"] }];

let w: World;
beforeEach(async () => {
  w = await newWorld();
  w.fake.addBucket({ name: "media-bucket", region: "us-east-1", cors: CORS, objects: { "images/cat.jpg": "meow", "images/dog.jpg": "woof" } });
});
afterEach(() => w.close());

type Report = { ok: boolean; checkedAt: string; checks: Array<{ name: string; status: string; message: string; hint?: string }> };

async function validate(id: string, body: unknown = {}): Promise<Report> {
  const res = await w.admin("POST", `/admin/api/integrations/${id}/validate`, body);
  expect(res.status).toBe(200);
  return (await res.json()) as Report;
}

const check = (r: Report, name: string) => r.checks.find((c) => c.name === name)!;

describe("validation", () => {
  it("passes every check for a correctly set-up role, in the SPEC's order, and records the run", async () => {
    const { id } = await createRoleIntegration(w, { scopes: ["media-bucket/images/"] });
    const r = await validate(id);
    expect(r.checks.map((c) => c.name)).toEqual(ALL);
    expect(r.checks.map((c) => `${c.name}:${c.status}`)).toEqual([...CHECKS.map((n) => `${n}:pass`), "put_object:skip"]);
    expect(r.ok).toBe(true);
    const stored = (await (await w.admin("GET", `/admin/api/integrations/${id}`)).json()) as any;
    expect(stored.status).toBe("valid");
    expect(stored.lastCheckedAt).toBe(r.checkedAt);
    const runs = await env.DB.prepare("select ok, checks from validation_runs where integration_id = ?").bind(id).all();
    expect(runs.results.length).toBe(1);
    // get_object proved signing end to end through the fake S3's independent verifier
    expect(w.fake.calls.some((c) => c.action === "GetObject" && (c.status === 206 || c.status === 200))).toBe(true);
  });

  it("role_arn_format: no role ARN yet → fail with the SPEC's wording and a hint", async () => {
    const created = (await (await w.admin("POST", "/admin/api/integrations", { name: "x", scopes: ["media-bucket"] })).json()) as any;
    const r = await validate(created.id);
    expect(check(r, "role_arn_format").status).toBe("fail");
    expect(check(r, "role_arn_format").message).toContain("Role ARN is malformed");
    expect(check(r, "role_arn_format").hint).toContain("arn:aws:iam::");
    expect(check(r, "assume_role").status).toBe("skip");
    expect(r.ok).toBe(false);
  });

  it("assume_role: a role that does not trust signpost → fail with a trust-policy hint", async () => {
    const { id, roleArn, externalId } = await createRoleIntegration(w);
    w.fake.addRole({ arn: roleArn, trustedPrincipals: ["arn:aws:iam::999999999999:user/someone"], externalId, policy: readPolicy(["*"]) });
    const r = await validate(id);
    expect(check(r, "assume_role").status).toBe("fail");
    expect(check(r, "assume_role").message).toContain("Role cannot be assumed");
    expect(check(r, "assume_role").hint).toContain(PRINCIPAL_ARN);
    expect(check(r, "assume_role").hint).toContain(externalId);
    expect(r.ok).toBe(false);
  });

  it("external_id_enforced: a trust policy without the External ID condition → fail, invalid, signs nothing", async () => {
    const { id, externalId } = await createRoleIntegration(w, { requireExternalId: false });
    const r = await validate(id);
    expect(check(r, "assume_role").status).toBe("pass");
    const c = check(r, "external_id_enforced");
    expect(c.status).toBe("fail");
    expect(c.message).toContain("External ID configured insecurely");
    expect(c.hint).toContain("sts:ExternalId");
    expect(c.hint).toContain(externalId);
    expect(r.ok).toBe(false);
    const res = await w.call(`/v1/assets/${id}/media-bucket/images/cat.jpg`);
    expect(res.status).toBe(502);
    expect((await errorOf(res)).code).toBe("role_cannot_be_assumed");
    // Fixing the trust policy and validating again restores signing.
    w.fake.addRole({ arn: (await (await w.admin("GET", `/admin/api/integrations/${id}`)).json() as any).roleArn, trustedPrincipals: [PRINCIPAL_ARN], externalId, policy: readPolicy(["*"]) });
    expect((await validate(id)).ok).toBe(true);
    expect((await w.call(`/v1/assets/${id}/media-bucket/images/cat.jpg`)).status).toBe(302);
  });

  it("an integration found insecure stops signing at once, even with credentials already cached", async () => {
    const { id, roleArn } = await createRoleIntegration(w);
    expect((await w.call(`/v1/assets/${id}/media-bucket/images/cat.jpg`)).status).toBe(302); // credentials cached
    // The owner loosens the trust policy; the next validation run finds it.
    w.fake.addRole({ arn: roleArn, trustedPrincipals: [PRINCIPAL_ARN], policy: readPolicy(["*"]) });
    expect(check(await validate(id), "external_id_enforced").status).toBe("fail");
    const res = await w.call(`/v1/assets/${id}/media-bucket/images/cat.jpg`);
    expect(res.status).toBe(502);
    expect((await errorOf(res)).code).toBe("role_cannot_be_assumed");
  });

  it("session_duration: longer than the role's MaxSessionDuration → fail naming MaxSessionDuration; assume_role still passes", async () => {
    const { id } = await createRoleIntegration(w, { maxSessionDuration: 3600, fields: { sessionDurationSeconds: 7200 } });
    const r = await validate(id);
    expect(check(r, "assume_role").status).toBe("pass");
    expect(check(r, "session_duration").status).toBe("fail");
    expect(check(r, "session_duration").hint).toContain("MaxSessionDuration");
  });

  it("bucket_region: the hint gives the bucket's real region", async () => {
    w.fake.addBucket({ name: "eu-bucket", region: "eu-west-1", cors: CORS, objects: { "a.txt": "a" } });
    const { id } = await createRoleIntegration(w, { bucket: "eu-bucket", scopes: ["eu-bucket"] });
    const r = await validate(id);
    expect(check(r, "bucket_region").status).toBe("fail");
    expect(check(r, "bucket_region").hint).toContain("eu-west-1");
  });

  it("list_objects: a role without s3:ListBucket only warns; get_object uses sampleKey", async () => {
    const { id } = await createRoleIntegration(w, { policy: readPolicy(["arn:aws:s3:::media-bucket", "arn:aws:s3:::media-bucket/*"], ["s3:GetObject", "s3:GetBucketCORS"]) });
    const r = await validate(id, { sampleKey: "images/cat.jpg" });
    expect(check(r, "list_objects").status).toBe("warn");
    expect(check(r, "list_objects").message).toContain("Cannot list bucket");
    expect(check(r, "list_objects").hint).toContain("s3:ListBucket");
    expect(check(r, "get_object").status).toBe("pass");
  });

  it("get_object: a role without s3:GetObject → fail 'Cannot read objects'", async () => {
    const { id } = await createRoleIntegration(w, { policy: readPolicy(["arn:aws:s3:::media-bucket", "arn:aws:s3:::media-bucket/*"], ["s3:ListBucket", "s3:GetBucketCORS"]) });
    const r = await validate(id);
    expect(check(r, "get_object").status).toBe("fail");
    expect(check(r, "get_object").message).toContain("Cannot read objects");
    expect(check(r, "get_object").hint).toContain("s3:GetObject");
  });

  it("cors: a bucket without CORS for CORS_ORIGINS → fail with the CORS JSON in the hint", async () => {
    w.fake.addBucket({ name: "nocors-bucket", region: "us-east-1", objects: { "a.txt": "a" } });
    const { id } = await createRoleIntegration(w, { bucket: "nocors-bucket", scopes: ["nocors-bucket"] });
    const r = await validate(id);
    expect(check(r, "cors").status).toBe("fail");
    expect(check(r, "cors").hint).toContain("https://label.example.com");
    expect(check(r, "cors").hint).toContain("AllowedMethods");
  });

  it("every failed check carries a hint", async () => {
    const { id } = await createRoleIntegration(w, { requireExternalId: false, maxSessionDuration: 3600, fields: { sessionDurationSeconds: 7200 } });
    const r = await validate(id);
    for (const c of r.checks.filter((x) => x.status === "fail")) expect(c.hint, c.name).toBeTruthy();
  });

  it("dry run: runs the checks on posted fields and stores nothing", async () => {
    const before = await env.DB.prepare("select count(*) as n from integrations").first<{ n: number }>();
    const res = await w.admin("POST", "/admin/api/integrations", { name: "probe", dryRun: true, roleArn: "arn:aws:iam::444455556666:role/none", scopes: ["media-bucket"] });
    expect(res.status).toBe(200);
    const r = (await res.json()) as Report;
    expect(r.ok).toBe(false);
    expect(check(r, "assume_role").status).toBe("fail");
    const after = await env.DB.prepare("select count(*) as n from integrations").first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
  });
});
