/** POST /admin/api/integrations/{id}/diagnose: each cause, found against the fake AWS with the integration's own credentials. */
import { afterEach, beforeEach, expect, it } from "vitest";
import { diagnoseResponse } from "../../../worker/schemas/operations";
import { createRoleIntegration, errorOf, newWorld, PRINCIPAL_ARN, type World } from "../../support/harness";

// The rules signpost generates: the frontend and `null` (what browsers send after the redirect).
const CORS = [{ AllowedOrigins: ["https://label.example.com", "null"], AllowedMethods: ["GET", "HEAD"], AllowedHeaders: ["*"] }];
const KMS_KEY = "arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab";

let w: World;
beforeEach(async () => {
  w = await newWorld();
  w.fake.addBucket({
    name: "media-bucket",
    region: "us-east-1",
    cors: CORS,
    objects: { "images/cat.jpg": "meow", "secure/scan.dcm": { body: "DICM", kmsKeyArn: KMS_KEY } },
  });
  w.fake.addBucket({ name: "nocors-bucket", region: "us-east-1", objects: { "a.txt": "a" } });
  w.fake.addBucket({ name: "eu-bucket", region: "eu-west-1", cors: CORS, objects: { "a.txt": "a" } });
});
afterEach(() => w.close());

async function diagnose(id: string, key: unknown) {
  const res = await w.admin("POST", `/admin/api/integrations/${id}/diagnose`, { key });
  expect(res.status).toBe(200);
  const body = diagnoseResponse.parse(await res.json());
  expect(body.key).toBe(key);
  expect(body.ok).toBe(body.cause === "ok");
  if (!body.ok) expect(body.hint).toBeTruthy();
  return body;
}

const readAndKms = (actions: string[] = []) => ({
  Version: "2012-10-17" as const,
  Statement: [
    {
      Effect: "Allow" as const,
      Action: ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketCORS"],
      Resource: ["arn:aws:s3:::media-bucket", "arn:aws:s3:::media-bucket/*"],
    },
    ...(actions.length ? [{ Effect: "Allow" as const, Action: actions, Resource: [KMS_KEY] }] : []),
  ],
});

it("ok: signed, read and allowed from CORS_ORIGINS; a bare key or an object URL", async () => {
  const { id } = await createRoleIntegration(w);
  const r = await diagnose(id, "images/cat.jpg");
  expect(r).toMatchObject({ ok: true, cause: "ok", hint: null });
  expect(r.message).toContain("s3://media-bucket/images/cat.jpg");
  expect((await diagnose(id, "s3://media-bucket/images/cat.jpg")).cause).toBe("ok");
});

it("not_found: NoSuchKey, or AccessDenied where a listing shows the key is missing", async () => {
  const { id } = await createRoleIntegration(w);
  expect(await diagnose(id, "images/missing.jpg")).toMatchObject({ cause: "not_found", message: expect.stringContaining("NoSuchKey") });
});

it("not_found and scope on a prefix-scoped integration", async () => {
  const { id } = await createRoleIntegration(w, { scopes: ["media-bucket/images/"] });
  expect(await diagnose(id, "images/missing.jpg")).toMatchObject({ cause: "not_found", message: expect.stringContaining("does not exist") });
  const scope = await diagnose(id, "docs/readme.txt");
  expect(scope.cause).toBe("scope");
  expect(scope.message).toContain("media-bucket/images/");
  expect((await diagnose(id, "s3://other-bucket/images/x.jpg")).cause).toBe("scope");
});

it("access_denied names s3:GetObject on the bucket", async () => {
  const { id } = await createRoleIntegration(w, {
    policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:ListBucket"], Resource: ["arn:aws:s3:::media-bucket"] }] },
  });
  const r = await diagnose(id, "images/cat.jpg");
  expect(r.cause).toBe("access_denied");
  expect(r.hint).toContain("s3:GetObject on arn:aws:s3:::media-bucket/*");
  expect(r.hint).toMatch(/bucket policy/);
});

it("kms: a KMS-encrypted object the role cannot decrypt; fixed by kms:Decrypt on the role (the session policy passes it through)", async () => {
  const { id, roleArn, externalId } = await createRoleIntegration(w, { policy: readAndKms() });
  const r = await diagnose(id, "secure/scan.dcm");
  expect(r.cause).toBe("kms");
  expect(r.hint).toContain(`kms:Decrypt on ${KMS_KEY}`);
  // The owner adds kms:Decrypt to the role: the same object now loads.
  w.fake.addRole({ arn: roleArn, trustedPrincipals: [PRINCIPAL_ARN], externalId, policy: readAndKms(["kms:Decrypt"]) });
  await w.admin("PATCH", `/admin/api/integrations/${id}`, { name: "Acme (kms)" }); // new credentials for the new role policy
  expect((await diagnose(id, "secure/scan.dcm")).cause).toBe("ok");
  const redirect = await w.call(`/v1/assets/${id}/media-bucket/secure/scan.dcm`);
  expect(await (await fetch(redirect.headers.get("location")!)).text()).toBe("DICM");
});

it("region: the bucket is in another region than the integration", async () => {
  const { id } = await createRoleIntegration(w, { bucket: "eu-bucket", scopes: ["eu-bucket"], region: "us-east-1" });
  const r = await diagnose(id, "a.txt");
  expect(r.cause).toBe("region");
  expect(r.hint).toContain("eu-west-1");
});

it("cors: readable, but not from the labeling frontend's origin", async () => {
  const { id } = await createRoleIntegration(w, { bucket: "nocors-bucket", scopes: ["nocors-bucket"] });
  const r = await diagnose(id, "a.txt");
  expect(r.cause).toBe("cors");
  expect(r.message).toContain("https://label.example.com");
  expect(r.hint).toContain("AllowedOrigins");
});

it("cors: the page's origin allowed but not null, as the old rules did: a redirected browser would fail", async () => {
  w.fake.addBucket({
    name: "old-cors-bucket",
    region: "us-east-1",
    cors: [{ AllowedOrigins: ["https://label.example.com"], AllowedMethods: ["GET", "HEAD"], AllowedHeaders: ["*"] }],
    objects: { "a.txt": "a" },
  });
  const { id } = await createRoleIntegration(w, { bucket: "old-cors-bucket", scopes: ["old-cors-bucket"] });
  const r = await diagnose(id, "a.txt");
  expect(r.cause).toBe("cors");
  expect(r.message).toContain("from Origin: null answered");
  expect(r.message).not.toContain("from Origin: https://label.example.com answered");
  expect(r.hint).toContain('"null"');
});

it("credentials: the role can no longer be assumed", async () => {
  const { id, roleArn } = await createRoleIntegration(w);
  w.fake.addRole({ arn: roleArn, trustedPrincipals: [PRINCIPAL_ARN], externalId: "not-signposts-external-id-00000000", policy: readAndKms() });
  const r = await diagnose(id, "images/cat.jpg");
  expect(r.cause).toBe("credentials");
  expect(r.message).toMatch(/Role cannot be assumed/);
});

it("refuses bad input with clear errors", async () => {
  const { id } = await createRoleIntegration(w);
  for (const body of [{}, { key: "" }, { key: 5 }, { key: "a", extra: 1 }]) {
    const res = await w.admin("POST", `/admin/api/integrations/${id}/diagnose`, body);
    expect(res.status, JSON.stringify(body)).toBe(400);
    expect((await errorOf(res)).code).toBe("invalid_request");
  }
  const missing = await w.admin("POST", "/admin/api/integrations/int_nope/diagnose", { key: "a" });
  expect(missing.status).toBe(404);
  expect((await errorOf(missing)).code).toBe("integration_not_found");
  expect((await w.call(`/admin/api/integrations/${id}/diagnose`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } })).status).toBe(
    401,
  );
  const unscoped = await createRoleIntegration(w, { name: "No scopes", roleName: "noscope", scopes: [] });
  const bare = await w.admin("POST", `/admin/api/integrations/${unscoped.id}/diagnose`, { key: "images/cat.jpg" });
  expect(bare.status).toBe(400);
  expect((await errorOf(bare)).hint).toContain("s3://");
});
