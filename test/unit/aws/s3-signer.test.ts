/** The S3 presigner against the official AWS signer (@smithy/signature-v4), byte for byte. */
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { describe, expect, it } from "vitest";
import { presignUrl } from "../../../worker/aws/s3-signer";
import { encodeS3Key } from "../../../worker/lib/object-key";

const creds = { accessKeyId: "ASIAEXAMPLEEXAMPLE01", secretAccessKey: "secret/with+chars=", sessionToken: "FwoGZXIvYXdzE+/token==with/every+char" };

async function official(key: string, query: Record<string, string>, signingTime: number, expiresIn: number, headers: Record<string, string> = {}) {
  const signer = new SignatureV4({ service: "s3", region: "eu-west-1", sha256: Sha256, credentials: creds, uriEscapePath: false, applyChecksum: false });
  const host = "media-bucket.s3.eu-west-1.amazonaws.com";
  // As the AWS SDK's S3 presigner does: the payload is UNSIGNED-PAYLOAD, not a hash of the body.
  const req = new HttpRequest({
    method: headers["content-type"] ? "PUT" : "GET",
    protocol: "https:",
    hostname: host,
    path: "/" + encodeS3Key(key),
    query,
    headers: { host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD", ...headers },
  });
  const signed = await signer.presign(req, {
    signingDate: new Date(signingTime),
    expiresIn,
    unhoistableHeaders: new Set([...Object.keys(headers), "x-amz-content-sha256"]),
    unsignableHeaders: new Set(["x-amz-content-sha256"]),
  });
  return signed.query!["X-Amz-Signature"];
}

describe("presignUrl", () => {
  const t = Date.UTC(2026, 10, 22, 12, 34, 0);
  it.each([
    ["plain", "a.jpg", {}],
    [
      "response overrides (fast path after the X-Amz part)",
      "dir/a b+c.jpg",
      { "response-content-type": "image/png", "response-content-disposition": 'attachment; filename="ü.png"' },
    ],
    ["an upper-case extra key (general sort)", "k", { "X-Custom": "1", "response-content-type": "text/plain" }],
    ["unicode and sub-delims", "ü/日本/!'()*~.bin", {}],
  ])("%s matches the official signer", async (_n, key, query) => {
    for (let i = 0; i < 2; i++) {
      // twice: the second call reuses the cached X-Amz part of the query
      const url = await presignUrl(
        {
          creds,
          region: "eu-west-1",
          method: "GET",
          origin: "https://media-bucket.s3.eu-west-1.amazonaws.com",
          host: "media-bucket.s3.eu-west-1.amazonaws.com",
          path: "/" + encodeS3Key(key),
          signingTime: t,
          query: Object.entries(query),
        },
        960,
      );
      expect(new URL(url).searchParams.get("X-Amz-Signature")).toBe(await official(key, query as Record<string, string>, t, 960));
    }
  });

  it("signs a PUT with the content type as a signed header", async () => {
    const url = await presignUrl(
      {
        creds,
        region: "eu-west-1",
        method: "PUT",
        origin: "https://media-bucket.s3.eu-west-1.amazonaws.com",
        host: "media-bucket.s3.eu-west-1.amazonaws.com",
        path: "/exports/x.json",
        signingTime: t,
        headers: { "content-type": "application/json" },
      },
      300,
    );
    expect(new URL(url).searchParams.get("X-Amz-SignedHeaders")).toBe("content-type;host");
    expect(new URL(url).searchParams.get("X-Amz-Signature")).toBe(await official("exports/x.json", {}, t, 300, { "content-type": "application/json" }));
  });

  it("refuses expiries outside 1..604800 seconds", async () => {
    for (const e of [0, 604801, 1.5]) {
      await expect(presignUrl({ creds, region: "eu-west-1", method: "GET", origin: "https://x", host: "x", path: "/k", signingTime: t }, e)).rejects.toThrow(
        RangeError,
      );
    }
  });
});
