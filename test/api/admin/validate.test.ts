/** POST /admin/api/integrations/{id}/validate: every check passing, and failing as the SPEC words it. */
import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRoleIntegration, errorOf, newWorld, PRINCIPAL_ARN, readPolicy, type World } from "../../support/harness";

const CHECKS = ["role_arn_format", "assume_role", "external_id_enforced", "session_duration", "bucket_region", "list_objects", "get_object", "cors"];
// After the SPEC's eight: put_object, skipped unless the integration has writeScopes.
const ALL = [...CHECKS, "put_object"];
// What signpost generates: the frontend's origin and `null` (sent by browsers after the redirect).
const CORS = [{ AllowedOrigins: ["https://label.example.com", "null"], AllowedMethods: ["GET", "HEAD"], AllowedHeaders: ["Range"] }];
// What signpost generated before: only the frontend's origin, which a redirected browser never sends.
const OLD_CORS = [
  {
    AllowedOrigins: ["https://label.example.com"],
    AllowedMethods: ["GET", "HEAD"],
    AllowedHeaders: ["*"],
    ExposeHeaders: ["ETag", "Content-Length", "Content-Type", "Content-Range", "Accept-Ranges"],
    MaxAgeSeconds: 3600,
  },
];

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
    w.fake.addRole({
      arn: ((await (await w.admin("GET", `/admin/api/integrations/${id}`)).json()) as any).roleArn,
      trustedPrincipals: [PRINCIPAL_ARN],
      externalId,
      policy: readPolicy(["*"]),
    });
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
    const { id } = await createRoleIntegration(w, {
      policy: readPolicy(["arn:aws:s3:::media-bucket", "arn:aws:s3:::media-bucket/*"], ["s3:GetObject", "s3:GetBucketCORS"]),
    });
    const r = await validate(id, { sampleKey: "images/cat.jpg" });
    expect(check(r, "list_objects").status).toBe("warn");
    expect(check(r, "list_objects").message).toContain("Cannot list bucket");
    expect(check(r, "list_objects").hint).toContain("s3:ListBucket");
    expect(check(r, "get_object").status).toBe("pass");
  });

  it("get_object: a role without s3:GetObject → fail 'Cannot read objects'", async () => {
    const { id } = await createRoleIntegration(w, {
      policy: readPolicy(["arn:aws:s3:::media-bucket", "arn:aws:s3:::media-bucket/*"], ["s3:ListBucket", "s3:GetBucketCORS"]),
    });
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

  it("cors: fails on the old rules (page origin only) with what the browser saw, passes once the generated rules are applied", async () => {
    w.fake.addBucket({ name: "old-cors-bucket", region: "us-east-1", cors: OLD_CORS, objects: { "a.jpg": "a" } });
    const created = await createRoleIntegration(w, { bucket: "old-cors-bucket", scopes: ["old-cors-bucket"] });
    const before = check(await validate(created.id), "cors");
    expect(before.status).toBe("fail");
    // The page's own origin passes both probes; Origin: null fails the preflight and the GET.
    expect(before.message).not.toContain("Origin: https://label.example.com answered");
    expect(before.message).toContain("a preflight (GET with a Range header) from Origin: null answered HTTP 403, no Access-Control-Allow-Origin");
    expect(before.message).toContain(
      "a GET (as <img crossorigin>, <video> or the fetch API send it) from Origin: null answered HTTP 206, no Access-Control-Allow-Origin",
    );
    // The exact fix: the generated JSON, as a CLI command and in the console's shape.
    const doc = (await (await w.admin("GET", `/admin/api/integrations/${created.id}`)).json()) as any;
    expect(doc.corsConfiguration.CORSRules[0].AllowedOrigins).toEqual(["https://label.example.com", "null"]);
    expect(doc.corsConfigurationConsole).toEqual(doc.corsConfiguration.CORSRules);
    expect(before.hint).toContain(`aws s3api put-bucket-cors --bucket old-cors-bucket --cors-configuration '${JSON.stringify(doc.corsConfiguration)}'`);
    expect(before.hint).toContain(JSON.stringify(doc.corsConfigurationConsole));
    // The probes are what browsers send: preflights and GETs, from the page's origin and null.
    const probes = w.fake.calls.filter((c) => c.host.startsWith("old-cors-bucket.") && (c.action === "PreflightRequest" || c.action === "GetObject"));
    expect(probes.filter((c) => c.action === "PreflightRequest").length).toBe(2);

    w.fake.setBucketCors("old-cors-bucket", doc.corsConfiguration.CORSRules);
    const after = check(await validate(created.id), "cors");
    expect(after.status, after.message).toBe("pass");
    expect(after.message).toContain("null");
  });

  it("cors: rules that allow null but not the Range header fail on the preflight", async () => {
    w.fake.addBucket({
      name: "norange-bucket",
      region: "us-east-1",
      cors: [{ AllowedOrigins: ["https://label.example.com", "null"], AllowedMethods: ["GET", "HEAD"] }],
      objects: { "a.jpg": "a" },
    });
    const { id } = await createRoleIntegration(w, { bucket: "norange-bucket", scopes: ["norange-bucket"] });
    const c = check(await validate(id), "cors");
    expect(c.status).toBe("fail");
    expect(c.message).toContain("a preflight (GET with a Range header) from Origin: https://label.example.com answered HTTP 403");
    expect(c.message).not.toContain("a GET (as");
  });

  it("cors: a wildcard origin rule passes (null matches *)", async () => {
    w.fake.addBucket({
      name: "star-bucket",
      region: "us-east-1",
      cors: [{ AllowedOrigins: ["*"], AllowedMethods: ["GET"], AllowedHeaders: ["*"] }],
      objects: { "a.jpg": "a" },
    });
    const { id } = await createRoleIntegration(w, { bucket: "star-bucket", scopes: ["star-bucket"] });
    expect(check(await validate(id), "cors").status).toBe("pass");
  });

  it("every failed check carries a hint", async () => {
    const { id } = await createRoleIntegration(w, { requireExternalId: false, maxSessionDuration: 3600, fields: { sessionDurationSeconds: 7200 } });
    const r = await validate(id);
    for (const c of r.checks.filter((x) => x.status === "fail")) expect(c.hint, c.name).toBeTruthy();
  });

  it("dry run: runs the checks on posted fields and stores nothing", async () => {
    const before = await env.DB.prepare("select count(*) as n from integrations").first<{ n: number }>();
    const res = await w.admin("POST", "/admin/api/integrations", {
      name: "probe",
      dryRun: true,
      roleArn: "arn:aws:iam::444455556666:role/none",
      scopes: ["media-bucket"],
    });
    expect(res.status).toBe(200);
    const r = (await res.json()) as Report;
    expect(r.ok).toBe(false);
    expect(check(r, "assume_role").status).toBe("fail");
    const after = await env.DB.prepare("select count(*) as n from integrations").first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
  });
});
