/**
 * Beyond roles: static access keys, S3-compatible endpoints, AWS partitions — each followed
 * to the bytes through the fake (signatures verified independently).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRoleIntegration, errorOf, follow, newWorld, OWNER_ACCOUNT, PRINCIPAL_ARN, readPolicy, testEnv, type World } from "../../support/harness";

let w: World;
const KEY_ID = "AKIALABELERUSER00001";
const SECRET = "labeler/secret+key=0000000000000000000000";
beforeEach(async () => {
  w = await newWorld({ ALLOW_HTTP_LOOPBACK_ENDPOINTS: "true" });
  w.fake.addBucket({
    name: "media-bucket",
    region: "us-east-1",
    cors: [{ AllowedOrigins: ["*"], AllowedMethods: ["GET", "HEAD"], AllowedHeaders: ["*"] }],
    objects: { "a b+c.txt": "ABC" },
  });
  w.fake.addPrincipal({
    arn: `arn:aws:iam::${OWNER_ACCOUNT}:user/labeler`,
    accessKeyId: KEY_ID,
    secretAccessKey: SECRET,
    policy: readPolicy(["arn:aws:s3:::media-bucket", "arn:aws:s3:::media-bucket/*"]),
  });
});
afterEach(() => w.close());

async function create(body: Record<string, unknown>) {
  const res = await w.admin("POST", "/admin/api/integrations", body);
  const json = (await res.json()) as Record<string, any>;
  if (res.status !== 201) throw new Error(JSON.stringify(json));
  return json;
}

describe("aws_keys integrations", () => {
  it("signs with the static keys (no session token), never returning the secret", async () => {
    const integ = await create({ name: "keys", provider: "aws_keys", accessKeyId: KEY_ID, secretAccessKey: SECRET, scopes: ["media-bucket"] });
    expect(integ.accessKeyId).toBe(KEY_ID);
    expect(JSON.stringify(integ)).not.toContain(SECRET);
    const res = await w.call(`/v1/assets/${integ.id}/media-bucket/a%20b%2Bc.txt`);
    const loc = new URL(res.headers.get("location")!);
    expect(loc.searchParams.get("X-Amz-Credential")!.startsWith(KEY_ID + "/")).toBe(true);
    expect(loc.searchParams.get("X-Amz-Security-Token")).toBeNull();
    expect(await (await follow(res)).text()).toBe("ABC");
    expect(w.fake.count("AssumeRole")).toBe(0);
  });

  it("runs the same validation, skipping what does not apply, with a reason", async () => {
    const integ = await create({ name: "keys", provider: "aws_keys", accessKeyId: KEY_ID, secretAccessKey: SECRET, scopes: ["media-bucket"] });
    const r = (await (await w.admin("POST", `/admin/api/integrations/${integ.id}/validate`, {})).json()) as any;
    const by = Object.fromEntries(r.checks.map((c: any) => [c.name, c]));
    for (const n of ["role_arn_format", "assume_role", "external_id_enforced", "session_duration"]) {
      expect(by[n].status).toBe("skip");
      expect(by[n].message.length).toBeGreaterThan(10);
    }
    for (const n of ["bucket_region", "list_objects", "get_object"]) expect(by[n].status).toBe("pass");
    expect(r.ok).toBe(true);
  });

  it("test connection (dryRun) stores nothing and reports wrong keys", async () => {
    const good = await w.admin("POST", "/admin/api/integrations", {
      name: "t",
      provider: "aws_keys",
      accessKeyId: KEY_ID,
      secretAccessKey: SECRET,
      scopes: ["media-bucket"],
      dryRun: true,
    });
    expect(good.status).toBe(200);
    expect(((await good.json()) as any).ok).toBe(true);
    const bad = await w.admin("POST", "/admin/api/integrations", {
      name: "t",
      provider: "aws_keys",
      accessKeyId: KEY_ID,
      secretAccessKey: "wrong-secret-0000000000",
      scopes: ["media-bucket"],
      dryRun: true,
    });
    const r = (await bad.json()) as any;
    expect(r.ok).toBe(false);
    expect(r.checks.find((c: any) => c.name === "list_objects").status).toBe("fail");
    expect(r.checks.find((c: any) => c.name === "list_objects").hint).toContain("secret access key");
    const list = (await (await w.admin("GET", "/admin/api/integrations")).json()) as any;
    expect(list.integrations.length).toBe(0);
  });

  it("can assume a role with the static keys", async () => {
    const integ = await create({ name: "keys+role", provider: "aws_keys", accessKeyId: KEY_ID, secretAccessKey: SECRET, scopes: ["media-bucket"] });
    const roleArn = `arn:aws:iam::${OWNER_ACCOUNT}:role/reader`;
    w.fake.addRole({
      arn: roleArn,
      trustedPrincipals: [`arn:aws:iam::${OWNER_ACCOUNT}:user/labeler`],
      externalId: integ.externalId,
      policy: readPolicy(["*"]),
    });
    await w.admin("PATCH", `/admin/api/integrations/${integ.id}`, { roleArn });
    const res = await w.call(`/v1/assets/${integ.id}/media-bucket/a%20b%2Bc.txt`);
    expect(new URL(res.headers.get("location")!).searchParams.get("X-Amz-Security-Token")).toBeTruthy();
    expect(await (await follow(res)).text()).toBe("ABC");
    expect(w.fake.calls.find((c) => c.action === "AssumeRole")!.accessKeyId).toBe(KEY_ID);
  });

  it("needs both key fields", async () => {
    const res = await w.admin("POST", "/admin/api/integrations", { name: "k", provider: "aws_keys", accessKeyId: KEY_ID });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toContain("secretAccessKey");
  });
});

describe("S3-compatible endpoints", () => {
  it.each([
    ["Cloudflare R2", "https://0123456789abcdef.r2.cloudflarestorage.com", "auto"],
    ["MinIO", "https://minio.example.net", "us-east-1"],
    ["Wasabi", "https://s3.eu-central-1.wasabisys.com", "eu-central-1"],
    ["Backblaze B2", "https://s3.us-west-004.backblazeb2.com", "us-west-004"],
    ["GCS interoperability", "https://storage.googleapis.com", "auto"],
    ["a loopback emulator (dev flag)", "http://127.0.0.1:9000", "us-east-1"],
  ])("%s: path-style URLs on the endpoint, followed to bytes", async (_name, endpoint, region) => {
    w.fake.addEndpoint(endpoint);
    w.fake.addBucket({
      name: "compat-bucket",
      region,
      cors: [{ AllowedOrigins: ["*"], AllowedMethods: ["GET", "HEAD"], AllowedHeaders: ["*"] }],
      objects: { "dir/x y.bin": "compat" },
    });
    w.fake.addPrincipal({
      arn: `arn:aws:iam::${OWNER_ACCOUNT}:user/compat`,
      accessKeyId: "AKIACOMPATUSER000001",
      secretAccessKey: SECRET,
      policy: readPolicy(["*"]),
    });
    const integ = await create({
      name: "compat",
      provider: "aws_keys",
      accessKeyId: "AKIACOMPATUSER000001",
      secretAccessKey: SECRET,
      endpoint,
      region,
      scopes: ["compat-bucket"],
    });
    const res = await w.call(`/v1/assets/${integ.id}/compat-bucket/dir/x%20y.bin`);
    const loc = new URL(res.headers.get("location")!);
    expect(loc.origin).toBe(new URL(endpoint).origin);
    expect(loc.pathname).toBe("/compat-bucket/dir/x%20y.bin");
    expect(await (await follow(res)).text()).toBe("compat");
    const redirect = await w.call(`/v1/redirect?url=${encodeURIComponent(`${endpoint}/compat-bucket/dir/x%20y.bin`)}&integration=${integ.id}`);
    expect(redirect.status).toBe(302);
    const v = (await (await w.admin("POST", `/admin/api/integrations/${integ.id}/validate`, {})).json()) as any;
    expect(v.checks.find((c: any) => c.name === "get_object").status).toBe("pass");
  });

  it.each([
    "http://169.254.169.254/",
    "http://10.0.0.1/",
    "https://user:pw@host.example.com/",
    "http://minio.example.net",
    "https://[fd00::1]/",
    "https://metadata.google.internal/",
    "https://s3.example.com/?x=1",
  ])("refuses endpoint %s", async (endpoint) => {
    const res = await w.admin("POST", "/admin/api/integrations", { name: "e", provider: "aws_keys", accessKeyId: KEY_ID, secretAccessKey: SECRET, endpoint });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toContain("endpoint");
  });

  it("plain http on loopback needs ALLOW_HTTP_LOOPBACK_ENDPOINTS", async () => {
    const strict = await newWorld();
    const res = await strict.admin("POST", "/admin/api/integrations", {
      name: "e",
      provider: "aws_keys",
      accessKeyId: KEY_ID,
      secretAccessKey: SECRET,
      endpoint: "http://127.0.0.1:9000",
    });
    expect(res.status).toBe(400);
    strict.close();
  });

  it("AWS_ENDPOINT_URL_S3 makes generated URLs path-style on that endpoint", async () => {
    const local = await newWorld({ AWS_ENDPOINT_URL_S3: "http://127.0.0.1:4599" });
    local.fake.addEndpoint("http://127.0.0.1:4599");
    local.fake.addBucket({ name: "media-bucket", region: "us-east-1", objects: { "k.txt": "K" } });
    const { id } = await createRoleIntegration(local);
    const res = await local.call(`/v1/assets/${id}/media-bucket/k.txt`);
    expect(res.headers.get("location")!.startsWith("http://127.0.0.1:4599/media-bucket/k.txt?")).toBe(true);
    expect(await (await follow(res)).text()).toBe("K");
    local.close();
  });
});

describe("AWS partitions", () => {
  it.each([
    ["cn-north-1", "aws-cn", "media-cn.s3.cn-north-1.amazonaws.com.cn", "sts.cn-north-1.amazonaws.com.cn"],
    ["us-gov-west-1", "aws-us-gov", "media-gov.s3.us-gov-west-1.amazonaws.com", "sts.us-gov-west-1.amazonaws.com"],
  ])("%s: STS endpoint, signing region and S3 host of the %s partition", async (region, partition, host, stsHost) => {
    const bucket = host.split(".")[0]!;
    w.fake.addBucket({ name: bucket, region, objects: { "k.txt": region } });
    const { id } = await createRoleIntegration(w, { bucket, region, scopes: [bucket] });
    const res = await w.call(`/v1/assets/${id}/${bucket}/k.txt`);
    const loc = new URL(res.headers.get("location")!);
    expect(loc.host).toBe(host);
    expect(loc.searchParams.get("X-Amz-Credential")).toContain(`/${region}/s3/aws4_request`);
    expect(w.fake.calls.find((c) => c.action === "AssumeRole")!.host).toBe(stsHost);
    expect(await (await follow(res)).text()).toBe(region);
    const policy = w.fake.issued.get(loc.searchParams.get("X-Amz-Credential")!.split("/")[0]!)!.sessionPolicy;
    expect(JSON.stringify(policy)).toContain(`arn:${partition}:s3:::${bucket}`);
    // url= accepts the partition's hosts too
    const viaUrl = await w.call(`/v1/redirect?url=${encodeURIComponent(`https://${host}/k.txt`)}`);
    expect(viaUrl.status).toBe(302);
  });

  it("refuses a role ARN whose partition does not match the region", async () => {
    const res = await w.admin("POST", "/admin/api/integrations", { name: "x", region: "cn-north-1", roleArn: "arn:aws:iam::123456789012:role/r" });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("invalid_request");
  });

  it("trust policies name signpost's principal", async () => {
    const got = (await (await w.admin("POST", "/admin/api/integrations", { name: "x" })).json()) as any;
    expect(got.trustPolicy.Statement[0].Principal.AWS).toBe(PRINCIPAL_ARN);
    void testEnv;
  });
});
