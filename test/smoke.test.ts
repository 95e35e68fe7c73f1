import { SELF, env } from "cloudflare:test";
import { expect, it } from "vitest";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";

it("boots", async () => {
  const r = await SELF.fetch("https://signpost.test/");
  expect(await r.text()).toBe("signpost");
  const s = new SignatureV4({ service: "s3", region: "us-east-1", sha256: Sha256, credentials: { accessKeyId: "a", secretAccessKey: "b" }, uriEscapePath: false });
  const req = await s.presign({ method: "GET", protocol: "https:", hostname: "b.s3.amazonaws.com", path: "/k", headers: { host: "b.s3.amazonaws.com" }, query: {} } as any, { expiresIn: 60 });
  expect(req.query!["X-Amz-Signature"]).toMatch(/^[0-9a-f]{64}$/);
  expect(env.DB).toBeDefined();
});
