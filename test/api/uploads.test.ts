/** POST /v1/uploads: presigned PUTs under writeScopes, content type signed; a write round-trip. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { apiToken, bearer, createRoleIntegration, errorOf, newWorld, readPolicy, type World } from "../support/harness";

let w: World;
beforeEach(async () => {
  w = await newWorld();
  w.fake.addBucket({ name: "media-bucket", region: "us-east-1", objects: { "a.txt": "A" } });
});
afterEach(() => w.close());

const WRITE_POLICY = readPolicy(
  ["arn:aws:s3:::media-bucket", "arn:aws:s3:::media-bucket/*"],
  ["s3:GetObject", "s3:ListBucket", "s3:PutObject", "s3:DeleteObject", "s3:GetBucketCORS"],
);

async function upload(token: string, body: unknown) {
  return w.call("/v1/uploads", { method: "POST", headers: bearer(token, { "content-type": "application/json" }), body: JSON.stringify(body) });
}

describe("POST /v1/uploads", () => {
  it("round-trips an export: presigned PUT with the signed content type, then read back", async () => {
    const { id } = await createRoleIntegration(w, { policy: WRITE_POLICY, fields: { writeScopes: ["media-bucket/exports/"] } });
    const token = await apiToken(w);
    const res = await upload(token, { integration: id, key: "exports/run 1/labels+v2.json", contentType: "application/json" });
    expect(res.status).toBe(200);
    const u = (await res.json()) as { url: string; method: string; headers: Record<string, string>; expiresAt: string };
    expect(u.method).toBe("PUT");
    expect(u.headers).toEqual({ "content-type": "application/json" });
    expect(new URL(u.url).searchParams.get("X-Amz-SignedHeaders")).toBe("content-type;host");
    const put = await fetch(u.url, { method: "PUT", headers: u.headers, body: '{"labels":[]}' });
    expect(put.status).toBe(200);
    expect(new TextDecoder().decode(w.fake.getObject("media-bucket", "exports/run 1/labels+v2.json")!.body)).toBe('{"labels":[]}');
    // A different content type breaks the signature.
    const wrong = await fetch(u.url, { method: "PUT", headers: { "content-type": "text/html" }, body: "<x>" });
    expect(wrong.status).toBe(403);
  });

  it("refuses keys outside writeScopes, and integrations without writes", async () => {
    const { id } = await createRoleIntegration(w, { policy: WRITE_POLICY, fields: { writeScopes: ["media-bucket/exports/"] } });
    const token = await apiToken(w);
    const outside = await upload(token, { integration: id, key: "images/x.png", contentType: "image/png" });
    expect(outside.status).toBe(403);
    expect((await errorOf(outside)).code).toBe("scope_not_allowed");
    const { id: readOnly } = await createRoleIntegration(w, { name: "ro" });
    const disabled = await upload(token, { integration: readOnly, key: "exports/x.png", contentType: "image/png" });
    expect((await errorOf(disabled)).code).toBe("scope_not_allowed");
  });

  it("validates the body", async () => {
    const { id } = await createRoleIntegration(w, { policy: WRITE_POLICY, fields: { writeScopes: ["media-bucket/exports/"] } });
    const token = await apiToken(w);
    for (const body of [
      {},
      { integration: id, key: "exports/a" },
      { integration: id, key: "exports/a", contentType: "not a type" },
      { integration: id, key: 5, contentType: "text/plain" },
      { integration: id, key: "exports/../a", contentType: "text/plain" },
    ]) {
      const res = await upload(token, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });

  it("the put_object check writes and deletes a marker, and permissionsPolicy grants PutObject only with writes", async () => {
    const { id } = await createRoleIntegration(w, { policy: WRITE_POLICY, fields: { writeScopes: ["media-bucket/exports/"] } });
    const report = (await (await w.admin("POST", `/admin/api/integrations/${id}/validate`, { sampleKey: "a.txt" })).json()) as {
      checks: Array<{ name: string; status: string }>;
    };
    expect(report.checks.find((c) => c.name === "put_object")?.status).toBe("pass");
    expect(w.fake.count("PutObject")).toBe(1);
    expect(w.fake.count("DeleteObject")).toBe(1);
    const got = (await (await w.admin("GET", `/admin/api/integrations/${id}`)).json()) as { permissionsPolicy: unknown };
    expect(JSON.stringify(got.permissionsPolicy)).toContain("s3:PutObject");
    const { id: ro } = await createRoleIntegration(w, { name: "ro" });
    const roGot = (await (await w.admin("GET", `/admin/api/integrations/${ro}`)).json()) as { permissionsPolicy: unknown };
    expect(JSON.stringify(roGot.permissionsPolicy)).not.toContain("s3:PutObject");
    const roReport = (await (await w.admin("POST", `/admin/api/integrations/${ro}/validate`, {})).json()) as {
      checks: Array<{ name: string; status: string }>;
    };
    expect(roReport.checks.find((c) => c.name === "put_object")?.status).toBe("skip");
  });
});
