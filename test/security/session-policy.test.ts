/**
 * AssumeRole on the signing path carries a session policy whenever the integration has any
 * scope: with writes but no read scopes, reads stay open (scopes [] = anything) and writes are
 * limited by AWS itself to the write scopes, not only by signpost's own check.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { apiToken, bearer, createRoleIntegration, newWorld, readPolicy, type World } from "../support/harness";
import { presignUrl } from "../../worker/aws/s3-signer";
import { objectLocation } from "../../worker/aws/s3-location";
import { sessionPolicy } from "../../worker/aws/session-policy";

let w: World;
beforeEach(async () => {
  w = await newWorld();
  w.fake.addBucket({ name: "media-bucket", region: "us-east-1", objects: { "images/a.txt": "A" } });
});
afterEach(() => w.close());

const ROLE_POLICY = readPolicy(["arn:aws:s3:::media-bucket", "arn:aws:s3:::media-bucket/*"], ["s3:GetObject", "s3:ListBucket", "s3:PutObject"]);

describe("session policy", () => {
  it("is null only when there are neither read nor write scopes", () => {
    expect(sessionPolicy("aws", [], [])).toBeNull();
    expect(sessionPolicy("aws", [], [{ bucket: "b", prefix: "exports/" }])).not.toBeNull();
    expect(sessionPolicy("aws", [{ bucket: "b", prefix: "" }], [])).not.toBeNull();
  });

  it("write scopes without read scopes: AWS refuses writes outside them with the signing credentials", async () => {
    const { id } = await createRoleIntegration(w, { scopes: [], policy: ROLE_POLICY, fields: { writeScopes: ["media-bucket/exports/"] } });
    const token = await apiToken(w);
    const res = await w.call("/v1/uploads", {
      method: "POST",
      headers: bearer(token, { "content-type": "application/json" }),
      body: JSON.stringify({ integration: id, key: "exports/x.json", contentType: "application/json" }),
    });
    expect(res.status).toBe(200);
    const url = new URL(((await res.json()) as { url: string }).url);
    const keyId = url.searchParams.get("X-Amz-Credential")!.split("/")[0]!;
    const issued = w.fake.issued.get(keyId)!;
    expect(issued.sessionPolicy).toBeDefined();

    // The same credentials, used directly: reads anywhere the role allows, writes only under exports/.
    const creds = { accessKeyId: issued.accessKeyId, secretAccessKey: issued.secretAccessKey, sessionToken: issued.sessionToken };
    const presign = async (method: string, key: string) => {
      const loc = objectLocation({ bucket: "media-bucket", key, region: "us-east-1", endpoint: null });
      return presignUrl({ creds, region: "us-east-1", method, origin: loc.origin, host: loc.host, path: loc.path, signingTime: Date.now() }, 300);
    };
    expect((await fetch(await presign("PUT", "images/overwrite.txt"), { method: "PUT", body: "x" })).status).toBe(403);
    expect((await fetch(await presign("PUT", "exports/ok.txt"), { method: "PUT", body: "x" })).status).toBe(200);
    expect((await fetch(await presign("GET", "images/a.txt"))).status).toBe(200);

    // Reads through signpost still work with no read scopes.
    expect((await w.call(`/v1/assets/${id}/media-bucket/images/a.txt`)).status).toBe(302);
  });
});
