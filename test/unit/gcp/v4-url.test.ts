/**
 * The pure V4 part, checked without trusting worker/gcp/v4-url.ts: a signature over our
 * string-to-sign verifies with crypto.subtle.verify against a string-to-sign recomputed
 * here, from the final URL, by the V4 specification.
 */
import { describe, expect, it } from "vitest";
import { ApiError } from "../../../worker/http/errors";
import { completeV4SignedUrl, draftV4SignedUrl, V4_MAX_EXPIRES_SECONDS } from "../../../worker/gcp/v4-url";

// ---------------------------------------------------------------------------------------
// Independent recomputation, from the URL alone, by "Canonical requests" and "Signatures".

function encode3986(s: string): string {
  return Array.from(new TextEncoder().encode(s), (b) => {
    const c = String.fromCharCode(b);
    return /[A-Za-z0-9\-._~]/.test(c) ? c : "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }).join("");
}

async function stringToSignFromUrl(signedUrl: string, method = "GET"): Promise<{ stringToSign: string; signature: Uint8Array }> {
  const [, host, path, query] = /^https:\/\/([^/]+)([^?]*)\?(.*)$/.exec(signedUrl)!;
  const params = query!.split("&").map((p) => p.split("=").map((x) => decodeURIComponent(x!)) as [string, string]);
  const signatureHex = params.find(([k]) => k === "X-Goog-Signature")![1];
  const canonicalQuery = params
    .filter(([k]) => k !== "X-Goog-Signature")
    .map(([k, v]) => `${encode3986(k)}=${encode3986(v)}`)
    .sort()
    .join("&");
  const canonicalPath = path!
    .split("/")
    .map((s) => encode3986(decodeURIComponent(s)))
    .join("/");
  const canonicalRequest = [method, canonicalPath, canonicalQuery, `host:${host}`, "", "host", "UNSIGNED-PAYLOAD"].join("\n");
  const hash = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonicalRequest))), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");
  const date = params.find(([k]) => k === "X-Goog-Date")![1];
  const stringToSign = `GOOG4-RSA-SHA256\n${date}\n${date.slice(0, 8)}/auto/storage/goog4_request\n${hash}`;
  return { stringToSign, signature: Uint8Array.from(signatureHex.match(/../g)!, (h) => parseInt(h, 16)) };
}

const RSA = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;

describe("signature over the string-to-sign", () => {
  it("verifies with the public key against an independently recomputed string-to-sign", async () => {
    const keys = (await crypto.subtle.generateKey({ ...RSA, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }, false, [
      "sign",
      "verify",
    ])) as CryptoKeyPair;
    const names = ["plain.txt", "with space/a+b.png", "ünï/日本/😀", "!'()*[]@$,;=:#?&", "double//slash", "%2F literal percent", "tab\tx"];
    for (const name of names) {
      for (const style of ["path", "virtual"] as const) {
        const draft = await draftV4SignedUrl({
          bucket: "owner-media",
          key: name,
          serviceAccountEmail: "reader@owner.iam.gserviceaccount.com",
          signingTime: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
          expiresSeconds: 3600,
          style,
          responseContentType: "image/png; charset=utf-8",
          responseContentDisposition: `inline; filename="a b (1).png"`,
        });
        const signature = new Uint8Array(await crypto.subtle.sign(RSA, keys.privateKey, new TextEncoder().encode(draft.stringToSign)));
        const url = completeV4SignedUrl(draft, signature);
        const recomputed = await stringToSignFromUrl(url);
        expect(recomputed.stringToSign, name).toBe(draft.stringToSign);
        expect(await crypto.subtle.verify(RSA, keys.publicKey, recomputed.signature, new TextEncoder().encode(recomputed.stringToSign)), name).toBe(true);
      }
    }
  });

  it("uses whole seconds of the signing time for X-Goog-Date and the expiry", async () => {
    const draft = await draftV4SignedUrl({
      bucket: "b-1",
      key: "k",
      serviceAccountEmail: "a@b.iam.gserviceaccount.com",
      signingTime: Date.UTC(2026, 0, 2, 3, 4, 5, 999),
      expiresSeconds: 60,
    });
    expect(draft.unsignedUrl).toContain("X-Goog-Date=20260102T030405Z");
    expect(draft.expiresAt).toBe(Date.UTC(2026, 0, 2, 3, 5, 5));
    expect(draft.canonicalRequest.split("\n")).toEqual([
      "GET",
      "/b-1/k",
      "X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=a%40b.iam.gserviceaccount.com%2F20260102%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20260102T030405Z&X-Goog-Expires=60&X-Goog-SignedHeaders=host",
      "host:storage.googleapis.com",
      "",
      "host",
      "UNSIGNED-PAYLOAD",
    ]);
  });

  it("refuses expirations outside 1..604800 seconds, and unsafe names", async () => {
    const base = { bucket: "b-1", key: "k", serviceAccountEmail: "a@b.iam.gserviceaccount.com", signingTime: 0 };
    for (const expiresSeconds of [0, -1, 1.5, V4_MAX_EXPIRES_SECONDS + 1]) {
      await expect(draftV4SignedUrl({ ...base, expiresSeconds })).rejects.toMatchObject({ code: "invalid_request" });
    }
    await expect(draftV4SignedUrl({ ...base, expiresSeconds: V4_MAX_EXPIRES_SECONDS })).resolves.toBeDefined();
    await expect(draftV4SignedUrl({ ...base, key: "a/../b", expiresSeconds: 60 })).rejects.toBeInstanceOf(ApiError);
    await expect(draftV4SignedUrl({ ...base, bucket: "Bad_Bucket", expiresSeconds: 60 })).rejects.toMatchObject({ code: "invalid_request" });
  });

  it("falls back to path style for dotted buckets, and signs for an endpoint override's host", async () => {
    const base = { key: "k", serviceAccountEmail: "a@b.iam.gserviceaccount.com", signingTime: 0, expiresSeconds: 60 };
    const dotted = await draftV4SignedUrl({ ...base, bucket: "media.example.com", style: "virtual" });
    expect(dotted.unsignedUrl.startsWith("https://storage.googleapis.com/media.example.com/k?")).toBe(true);
    const local = await draftV4SignedUrl({ ...base, bucket: "b-1", endpoint: "http://127.0.0.1:4443/storage/" });
    expect(local.unsignedUrl.startsWith("http://127.0.0.1:4443/storage/b-1/k?")).toBe(true);
    expect(local.canonicalRequest).toContain("\nhost:127.0.0.1:4443\n");
  });
});
