/**
 * Our user delegation SAS against Microsoft's own implementation: for a fixed user
 * delegation key, times and blob, worker/azure/sas.ts must produce exactly the query string
 * (signature included) that @azure/storage-blob's generateBlobSASQueryParameters produces.
 */
import { BlobSASPermissions, SASProtocol, generateBlobSASQueryParameters, type UserDelegationKey as SdkUserDelegationKey } from "@azure/storage-blob";
import { describe, expect, it } from "vitest";
import { SAS_START_BACKDATE_MS, SAS_VERSION, blobSasQuery, blobSasStringToSign, signBlobSasUrl, type UserDelegationKey } from "../../worker/azure/sas";

const ACCOUNT = "ownermedia";
const KEY: UserDelegationKey = {
  signedOid: "6e1f3c2a-8b4d-4e5f-9a0b-1c2d3e4f5a6b",
  signedTid: "3b8e51c4-92d0-4f6e-a1b7-6c5d4e3f2a10",
  signedStart: "2026-11-20T11:55:00Z",
  signedExpiry: "2026-11-21T12:15:00Z",
  signedService: "b",
  signedVersion: "2022-11-02",
  value: "3q2+7w8AAAD/////AAECAwQFBgcICQoLDA0ODxAREhMUFRY=",
};
const SDK_KEY: SdkUserDelegationKey = {
  signedObjectId: KEY.signedOid,
  signedTenantId: KEY.signedTid,
  signedStartsOn: new Date(KEY.signedStart),
  signedExpiresOn: new Date(KEY.signedExpiry),
  signedService: KEY.signedService,
  signedVersion: KEY.signedVersion,
  value: KEY.value,
};

function sdkSas(p: { container: string; blob: string; startsOn: number; expiresOn: number; contentType?: string; contentDisposition?: string }) {
  return generateBlobSASQueryParameters(
    {
      containerName: p.container,
      blobName: p.blob,
      permissions: BlobSASPermissions.parse("r"),
      startsOn: new Date(p.startsOn),
      expiresOn: new Date(p.expiresOn),
      protocol: SASProtocol.Https,
      version: SAS_VERSION,
      contentType: p.contentType,
      contentDisposition: p.contentDisposition,
    },
    SDK_KEY,
    ACCOUNT,
  );
}

const CASES = [
  { container: "images", blob: "plain.jpg" },
  { container: "images", blob: "with space/a+b=c&d.png" },
  { container: "images", blob: "ünïcødé/日本語/😀.bin" },
  { container: "images", blob: "marks/!'()*#?%20.txt" },
  { container: "images", blob: "double//slash/x" },
  { container: "$root", blob: "root-blob" },
  { container: "images", blob: "doc.pdf", contentType: "application/pdf", contentDisposition: `attachment; filename="r\u00e9sum\u00e9 (1).pdf"` },
  { container: "images", blob: "only-type", contentType: "image/png; charset=binary" },
];

describe("user delegation SAS equals @azure/storage-blob's", () => {
  const startsOn = Date.UTC(2026, 10, 20, 11, 55, 30);
  const expiresOn = Date.UTC(2026, 10, 20, 12, 15, 30);

  for (const c of CASES) {
    it(`${c.container}/${c.blob}`, async () => {
      const sdk = sdkSas({ ...c, startsOn, expiresOn });
      const ours = await blobSasQuery(KEY, { account: ACCOUNT, ...c, startsOn, expiresOn });
      expect(new URLSearchParams(ours).get("sig")).toBe(sdk.signature);
      expect(ours).toBe(sdk.toString());
    });
  }

  it("the string-to-sign is the 24-line 2020-12-06 layout", () => {
    const lines = blobSasStringToSign(KEY, { account: ACCOUNT, container: "images", blob: "a b", startsOn, expiresOn, contentType: "text/plain" }).split("\n");
    expect(lines).toHaveLength(24);
    expect(lines.slice(0, 4)).toEqual(["r", "2026-11-20T11:55:30Z", "2026-11-20T12:15:30Z", "/blob/ownermedia/images/a b"]);
    expect(lines.slice(14, 17)).toEqual(["https", "2022-11-02", "b"]);
    expect(lines[23]).toBe("text/plain");
  });

  it("signBlobSasUrl: st backdated, se = signing time + TTL, same query as the SDK", async () => {
    const signingTime = Date.UTC(2026, 10, 20, 12, 0, 0);
    const signed = await signBlobSasUrl(KEY, { account: ACCOUNT, container: "images", blob: "with space.jpg", signingTime, expiresSeconds: 900 });
    const sdk = sdkSas({ container: "images", blob: "with space.jpg", startsOn: signingTime - SAS_START_BACKDATE_MS, expiresOn: signingTime + 900_000 });
    expect(signed.url).toBe(`https://${ACCOUNT}.blob.core.windows.net/images/with%20space.jpg?${sdk.toString()}`);
    expect(signed.expiresAt).toBe(signingTime + 900_000);
    expect(signed.shortened).toBe(false);
  });

  it("signBlobSasUrl: never past the key's expiry, never before its start", async () => {
    const keyExpiry = Date.parse(KEY.signedExpiry);
    const signingTime = keyExpiry - 600_000;
    const signed = await signBlobSasUrl(KEY, { account: ACCOUNT, container: "images", blob: "k", signingTime, expiresSeconds: 3600 });
    expect(signed.expiresAt).toBe(keyExpiry);
    expect(signed.shortened).toBe(true);
    expect(new URL(signed.url).searchParams.get("se")).toBe(KEY.signedExpiry);

    const early = await signBlobSasUrl(KEY, {
      account: ACCOUNT,
      container: "images",
      blob: "k",
      signingTime: Date.parse(KEY.signedStart) + 1000,
      expiresSeconds: 60,
    });
    expect(new URL(early.url).searchParams.get("st")).toBe(KEY.signedStart);
  });
});
