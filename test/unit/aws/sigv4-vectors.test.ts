/**
 * Public AWS test data (../shared/vectors): the SigV4 test suite and the S3 documentation's
 * signing examples must reproduce exactly, through the code signpost signs with.
 */
import { AwsV4Signer } from "aws4fetch";
import { describe, expect, it } from "vitest";
import { presignUrl, signedRequest } from "../../../worker/aws/s3-signer";
import { credentialScope, signString, signingKey, stringToSign } from "../../../worker/aws/sigv4";
import { parseAssumeRoleResponse } from "../../../worker/aws/sts";
import { xmlText } from "../../../worker/aws/xml";

const files = import.meta.glob("../../../../shared/vectors/aws-sig-v4-test-suite/**/*.{req,creq,sts,authz}", {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;
const s3Examples = (await import("../../../../shared/vectors/s3_doc_examples.json")).default as unknown as Array<Record<string, string>>;
const stsSamples = Object.values(
  import.meta.glob("../../../../shared/vectors/sts_xml_samples.xml", { query: "?raw", import: "default", eager: true }) as Record<string, string>,
)[0]!;

const SUITE_CREDS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
interface Vector {
  name: string;
  req: string;
  creq: string;
  sts: string;
  authz: string;
}

const vectors: Vector[] = [];
for (const [path, req] of Object.entries(files)) {
  if (!path.endsWith(".req")) continue;
  const base = path.slice(0, -4);
  vectors.push({
    name: base.split("/aws-sig-v4-test-suite/")[1]!,
    req,
    creq: files[base + ".creq"]!,
    sts: files[base + ".sts"]!,
    authz: files[base + ".authz"]!,
  });
}

describe("SigV4 test suite", () => {
  it("is present", () => {
    expect(vectors.length).toBeGreaterThanOrEqual(25);
  });

  // signpost's own core (used by the S3 presigner): string to sign and signature from the
  // canonical request, for every vector.
  it.each(vectors.map((v) => [v.name, v] as const))("core reproduces %s", async (_name, v) => {
    const date = "20150830T123600Z";
    const scope = credentialScope(date, "us-east-1", "service");
    const sts = await stringToSign(date, scope, v.creq);
    expect(sts).toBe(v.sts);
    const sig = await signString(await signingKey(SUITE_CREDS, date, "us-east-1", "service"), sts);
    expect(v.authz).toContain(`Signature=${sig}`);
  });

  // The STS signer (aws4fetch, configured as signpost configures it) from the raw request.
  // Requests a fetch Headers object cannot represent are listed with the reason.
  const unrepresentable: Record<string, string> = {
    "get-header-key-duplicate/get-header-key-duplicate": "Headers joins duplicates with ', '",
    "get-header-value-multiline/get-header-value-multiline": "HTTP/1.1 obsolete line folding",
    "get-header-value-order/get-header-value-order": "Headers joins duplicates with ', '",
    "post-sts-token/post-sts-header-after/post-sts-header-after": "token appended after signing: not how STS is called",
  };
  it.each(vectors.filter((v) => !unrepresentable[v.name]).map((v) => [v.name, v] as const))("aws4fetch reproduces %s", async (_name, v) => {
    const [head, body = ""] = v.req.split(/\n\n/);
    const lines = head!.split("\n");
    const [method, target] = lines[0]!.split(" ", 2) as [string, string];
    const pathAndQuery = lines[0]!.slice(method.length + 1, lines[0]!.lastIndexOf(" HTTP/1.1"));
    const headers = new Headers();
    let host = "";
    let datetime = "";
    let token: string | undefined;
    for (const line of lines.slice(1)) {
      const i = line.indexOf(":");
      const name = line.slice(0, i);
      const value = line.slice(i + 1);
      if (name.toLowerCase() === "host") host = value;
      else if (name.toLowerCase() === "x-amz-date") datetime = value;
      else if (name.toLowerCase() === "x-amz-security-token") token = value;
      else headers.append(name, value);
    }
    void target;
    const signer = new AwsV4Signer({
      url: `https://${host}${pathAndQuery}`,
      method,
      headers,
      body: body || undefined,
      ...SUITE_CREDS,
      sessionToken: token,
      service: "service",
      region: "us-east-1",
      datetime,
      allHeaders: true,
      // The request line holds raw bytes that URL parsing encodes once already.
      singleEncode: true,
    });
    expect(await signer.canonicalString()).toBe(v.creq);
    const signed = await signer.sign();
    expect(signed.headers.get("authorization")).toBe(v.authz.trim());
  });
});

describe("S3 documentation examples", () => {
  it("has the documented examples", () => {
    expect(s3Examples.length).toBeGreaterThanOrEqual(5);
  });

  it("presigned GET examplebucket/test.txt → aeeed9bb…f604d404", async () => {
    const ex = s3Examples.find((e) => e.name === "s3-presign-get-test.txt")!;
    const url = await presignUrl(
      {
        creds: { accessKeyId: ex.accessKeyId!, secretAccessKey: ex.secretAccessKey! },
        region: ex.region!,
        method: "GET",
        origin: "https://examplebucket.s3.amazonaws.com",
        host: "examplebucket.s3.amazonaws.com",
        path: "/test.txt",
        signingTime: Date.UTC(2013, 4, 24),
      },
      86400,
    );
    expect(url).toBe(ex.url);
    expect(url).toContain("X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
  });

  it.each(s3Examples.filter((e) => !e.url).map((e) => [e.name!, e] as const))("header-signed %s", async (_n, ex) => {
    const lines = ex.canonicalRequest!.split("\n");
    const [method, path, query] = lines as [string, string, string];
    const headerLines = lines.slice(3, lines.indexOf("", 3));
    const headers: Record<string, string> = {};
    for (const l of headerLines) {
      const [k, ...rest] = l.split(":");
      if (k !== "host" && k !== "x-amz-date" && k !== "x-amz-content-sha256") headers[k!] = rest.join(":");
    }
    const payloadHash = lines[lines.length - 1]!;
    const req = await signedRequest(
      {
        creds: { accessKeyId: ex.accessKeyId!, secretAccessKey: ex.secretAccessKey! },
        region: ex.region!,
        method,
        origin: "https://examplebucket.s3.amazonaws.com",
        host: "examplebucket.s3.amazonaws.com",
        path,
        signingTime: Date.UTC(2013, 4, 24),
        headers,
        query: query ? query.split("&").map((p) => p.split("=").map(decodeURIComponent) as [string, string]) : [],
      },
      ex.body,
      payloadHash,
    );
    expect(req.headers.get("authorization")).toContain(`Signature=${ex.expectedSignature}`);
    const scope = credentialScope(ex.amzDate!, ex.region!, "s3");
    expect(await stringToSign(ex.amzDate!, scope, ex.canonicalRequest!)).toBe(ex.stringToSign);
  });
});

describe("STS XML samples", () => {
  it("parses the documented AssumeRole response (wrapped token, trimmed)", () => {
    const c = parseAssumeRoleResponse(stsSamples);
    expect(c.accessKeyId).toBe("ASIAIOSFODNN7EXAMPLE");
    expect(c.secretAccessKey).toBe("wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
    expect(c.sessionToken).toMatch(/^AQoDYXdzEPT\/\/\/\/\/\/\/\/\/\/wEXAMPLE\S+==$/);
    expect(c.sessionToken).not.toMatch(/\s/);
    expect(c.expiration).toBe(Date.UTC(2019, 10, 9, 13, 34, 41));
  });

  it("accepts fractional-second expirations", () => {
    const c = parseAssumeRoleResponse(stsSamples.replace("2019-11-09T13:34:41Z", "2019-11-09T13:34:41.500Z"));
    expect(c.expiration).toBe(Date.UTC(2019, 10, 9, 13, 34, 41, 500));
  });

  it("reads error codes from both documented error shapes", () => {
    const errors = stsSamples
      .split("<ErrorResponse")
      .slice(1)
      .map((x) => "<ErrorResponse" + x);
    expect(errors.length).toBeGreaterThanOrEqual(2);
    for (const e of errors) expect(xmlText(e, "Code")).toBe("AccessDenied");
  });
});
