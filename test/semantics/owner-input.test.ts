/**
 * What bucket owners and operators type in, as they would: access key ids of S3-compatible
 * services, an STS without GetCallerIdentity, the admin page's labels.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { errorOf, follow, newWorld, OWNER_ACCOUNT, readPolicy, testEnv, type World } from "../support/harness";
import { installFakeFetch } from "../support/fake-fetch";

let w: World;
beforeEach(async () => {
  w = await newWorld({ ALLOW_HTTP_LOOPBACK_ENDPOINTS: "true" });
  w.fake.addEndpoint("http://127.0.0.1:9000");
  w.fake.addBucket({ name: "media-bucket", region: "us-east-1", objects: { "a.txt": "A" } });
});
afterEach(() => w.close());

const SECRET = "minio-secret-0000000000000000000000000";

describe("aws_keys accessKeyId", () => {
  it.each(["abc", "minio", "CEPHUSER1", "a-b_c.d+e=f", "AKIAIOSFODNN7EXAMPLE"])("accepts %s and signs with it", async (keyId) => {
    w.fake.addPrincipal({
      arn: `arn:aws:iam::${OWNER_ACCOUNT}:user/${keyId.replace(/[^A-Za-z0-9]/g, "")}`,
      accessKeyId: keyId,
      secretAccessKey: SECRET,
      policy: readPolicy(["*"]),
    });
    const res = await w.admin("POST", "/admin/api/integrations", {
      name: "k",
      provider: "aws_keys",
      accessKeyId: keyId,
      secretAccessKey: SECRET,
      endpoint: "http://127.0.0.1:9000",
      scopes: ["media-bucket"],
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const { id, accessKeyId } = (await res.json()) as { id: string; accessKeyId: string };
    expect(accessKeyId).toBe(keyId);
    const redirect = await w.call(`/v1/assets/${id}/media-bucket/a.txt`);
    expect(new URL(redirect.headers.get("location")!).searchParams.get("X-Amz-Credential")!.startsWith(`${keyId}/`)).toBe(true);
    expect(await (await follow(redirect)).text()).toBe("A");
  });

  it.each([
    ["", "empty"],
    ["   ", "whitespace only"],
    ["ab cd", "a space"],
    ["ab\tcd", "a tab"],
    ["ab\u0000cd", "a NUL"],
    ["ab\ncd", "a newline"],
    ["x".repeat(129), "too long"],
  ])("refuses %j (%s) with a 400 naming accessKeyId", async (keyId) => {
    const res = await w.admin("POST", "/admin/api/integrations", {
      name: "k",
      provider: "aws_keys",
      accessKeyId: keyId,
      secretAccessKey: SECRET,
      scopes: ["media-bucket"],
    });
    expect(res.status).toBe(400);
    const err = await errorOf(res);
    expect(err.code).toBe("invalid_request");
    expect(err.message).toContain("accessKeyId");
  });
});

describe("an STS without GetCallerIdentity", () => {
  it("is reported as what it is, not as a role that cannot be assumed", async () => {
    const sts = await newWorld({ AWS_ENDPOINT_URL_STS: "https://sts.rgw.example" });
    const rgw = { matches: (url: URL) => url.host === "sts.rgw.example", handle: () => new Response("<html>Method Not Allowed</html>", { status: 405 }) };
    const layer = installFakeFetch({ routes: [rgw], passthrough: () => true });
    try {
      const res = await sts.admin("GET", "/admin/api/principal");
      expect(res.status).toBe(502);
      const err = await errorOf(res);
      expect(err.code).toBe("upstream_error");
      expect(err.message).toContain("GetCallerIdentity");
      expect(err.message).not.toMatch(/role cannot be assumed/i);
      expect(err.hint).not.toMatch(/trust policy/i);
      expect(err.hint).toContain("aws_keys");
    } finally {
      layer.restore();
      sts.close();
    }
  });

  it("keys STS refuses are reported as signpost's keys, with a keys hint", async () => {
    const sts = await newWorld({ AWS_SECRET_ACCESS_KEY: "not-the-right-secret-0000000000000000000" });
    try {
      const res = await sts.admin("GET", "/admin/api/principal");
      expect(res.status).toBe(502);
      const err = await errorOf(res);
      expect(err.message).toContain("signpost's own access keys");
      expect(err.hint).toContain("AWS_SECRET_ACCESS_KEY");
      expect(err.hint).not.toMatch(/trust policy/i);
      expect(JSON.stringify(err)).not.toContain("not-the-right-secret");
    } finally {
      sts.close();
    }
  });
});

describe("admin page labels", () => {
  it("says (optional) once for the access keys' role ARN", async () => {
    const html = await (await w.call("/admin", { headers: { authorization: `Bearer ${testEnv.ADMIN_TOKEN}` } })).text();
    expect(html).not.toMatch(/\(optional\)\s*(<[^>]*>\s*)*\(optional\)/);
    const fieldset = /<fieldset data-provider="aws_keys"[\s\S]*?<\/fieldset>/.exec(html)?.[0] ?? "";
    expect(fieldset).toMatch(/Role ARN\s*<span class="muted"> \(optional\)<\/span>/);
  });
});
