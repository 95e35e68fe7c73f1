/**
 * The fake AWS must accept exactly what real AWS accepts. Requests here are signed with
 * smithy's SigV4 (the independent signer) or taken verbatim from the AWS documentation, and
 * each test pins one behaviour signpost's own tests rely on.
 */
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeAws, rfc3986, type IamPolicy } from "../../scripts/fakes/aws";
import { PolicyError, authorize, parsePolicy } from "../../scripts/fakes/aws/iam";
import { installFakeAws } from "./install";

const T0 = Date.parse("2026-03-01T12:00:00Z");
const SIGNPOST = {
  arn: "arn:aws:iam::111111111111:user/signpost",
  accessKeyId: "AKIASIGNPOSTTEST0001",
  secretAccessKey: "signpost/test/secret/key/0000000000000000",
};
const OTHER_USER = {
  arn: "arn:aws:iam::111111111111:user/intruder",
  accessKeyId: "AKIAINTRUDER00000001",
  secretAccessKey: "intruder/secret/key/000000000000000000000",
};
const ROLE = "arn:aws:iam::222222222222:role/labeling-read";
const OPEN_ROLE = "arn:aws:iam::222222222222:role/no-external-id";
const EXTERNAL_ID = "signpost-ext-0123456789abcdef0123456789";
const BUCKET = "label-data";
const EU_BUCKET = "label-data-eu";
const VHOST = `${BUCKET}.s3.us-east-1.amazonaws.com`;

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

function s3Policy(...buckets: string[]): IamPolicy {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetBucketCORS", "s3:GetBucketLocation"],
        Resource: buckets.flatMap((b) => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`]),
      },
    ],
  };
}

let fake: FakeAws;
let now: number;

beforeEach(() => {
  now = T0;
  fake = new FakeAws();
  fake.now = () => now;
  fake.addPrincipal({ ...SIGNPOST, policy: s3Policy(BUCKET, EU_BUCKET) });
  fake.addPrincipal(OTHER_USER);
  fake.addRole({ arn: ROLE, trustedPrincipals: [SIGNPOST.arn], externalId: EXTERNAL_ID, maxSessionDuration: 7200, policy: s3Policy(BUCKET) });
  fake.addRole({ arn: OPEN_ROLE, trustedPrincipals: [SIGNPOST.arn], policy: s3Policy(BUCKET) });
  fake.addBucket({
    name: BUCKET,
    region: "us-east-1",
    cors: [
      { AllowedOrigins: ["https://label.example.com"], AllowedMethods: ["GET", "HEAD"], AllowedHeaders: ["*"], ExposeHeaders: ["ETag"], MaxAgeSeconds: 600 },
    ],
  });
  fake.addBucket({ name: EU_BUCKET, region: "eu-west-1", objects: { "eu.txt": "bonjour" } });
});

// ---- signing helpers (smithy: independent of the fake and of signpost) --------------------

function encodePath(key: string): string {
  return "/" + key.split("/").map(rfc3986).join("/");
}

function queryString(q: Record<string, string | string[] | null>): string {
  return Object.entries(q)
    .flatMap(([k, v]) => (v === null ? [] : Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]]))
    .map(([k, v]) => `${rfc3986(k!)}=${rfc3986(v!)}`)
    .join("&");
}

interface PresignOptions {
  origin?: string;
  region?: string;
  method?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  expiresIn?: number;
  date?: number;
}

async function presign(creds: Creds, path: string, o: PresignOptions = {}): Promise<string> {
  const origin = new URL(o.origin ?? `https://${VHOST}`);
  const signer = new SignatureV4({
    service: "s3",
    region: o.region ?? "us-east-1",
    credentials: creds,
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const headers = { host: origin.host, ...o.headers };
  const request = new HttpRequest({
    method: o.method ?? "GET",
    protocol: origin.protocol,
    hostname: origin.hostname,
    path,
    query: { ...o.query },
    headers: { ...headers, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
  });
  const signed = await signer.presign(request, {
    signingDate: new Date(o.date ?? now),
    expiresIn: o.expiresIn ?? 900,
    unsignableHeaders: new Set(["x-amz-content-sha256"]),
    unhoistableHeaders: new Set(["x-amz-content-sha256", ...Object.keys(headers)]),
  });
  return `${origin.origin}${path}?${queryString(signed.query as Record<string, string>)}`;
}

interface SignOptions {
  service?: "s3" | "sts";
  region?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  date?: number;
}

/** A header-signed (Authorization) request for `url`, built by smithy. */
async function signed(creds: Creds, url: string, o: SignOptions = {}): Promise<Request> {
  const u = new URL(url);
  const service = o.service ?? "s3";
  const signer = new SignatureV4({ service, region: o.region ?? "us-east-1", credentials: creds, sha256: Sha256, uriEscapePath: service !== "s3" });
  const query = Object.fromEntries([...u.searchParams]);
  const request = new HttpRequest({
    method: o.method ?? "GET",
    protocol: u.protocol,
    hostname: u.hostname,
    path: u.pathname,
    query,
    headers: { host: u.host, ...o.headers },
    body: o.body,
  });
  const out = await signer.sign(request, { signingDate: new Date(o.date ?? now) });
  return new Request(url, { method: o.method ?? "GET", headers: out.headers as Record<string, string>, body: o.body });
}

async function sts(creds: Creds, params: Record<string, string | undefined>, o: { host?: string; region?: string; date?: number } = {}): Promise<Response> {
  const region = o.region ?? "us-east-1";
  const url = `https://${o.host ?? `sts.${region}.amazonaws.com`}/`;
  const form = new URLSearchParams({ Version: "2011-06-15" });
  for (const [k, v] of Object.entries(params)) if (v !== undefined) form.set(k, v);
  const req = await signed(creds, url, {
    service: "sts",
    region,
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body: form.toString(),
    date: o.date,
  });
  return fake.handle(req);
}

function xmlText(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  return m ? decodeXml(m[1]!) : undefined;
}

function xmlAll(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "g"))].map((m) => decodeXml(m[1]!));
}

function decodeXml(s: string): string {
  return s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" })[e]!);
}

/** UTF-8 body (Response.text() makes workerd warn about non-text content types). */
async function text(res: Response): Promise<string> {
  return new TextDecoder().decode(await res.arrayBuffer());
}

async function errorCode(res: Response): Promise<string | undefined> {
  return xmlText(await res.text(), "Code");
}

async function assume(params: Record<string, string | undefined> = {}): Promise<Creds & { expiration: string }> {
  const res = await sts(SIGNPOST, { Action: "AssumeRole", RoleArn: ROLE, RoleSessionName: "signpost-test", ExternalId: EXTERNAL_ID, ...params });
  const xml = await res.text();
  expect(res.status, xml).toBe(200);
  return {
    accessKeyId: xmlText(xml, "AccessKeyId")!,
    secretAccessKey: xmlText(xml, "SecretAccessKey")!,
    sessionToken: xmlText(xml, "SessionToken")!.trim(),
    expiration: xmlText(xml, "Expiration")!,
  };
}

// ---- S3 presigned GET ---------------------------------------------------------------------

describe("S3 presigned GET", () => {
  const keys = [
    "plain.txt",
    "with space.jpg",
    "a+b=c&d.png",
    "ünïcødé/文件.txt",
    "emoji 😀.txt",
    "special !'()*~$@,;:.bin",
    "double//slash",
    "trailing/",
    "/leading",
    "100%.txt",
    "a%20b",
  ];

  it("returns the bytes for every kind of key", async () => {
    keys.forEach((k, i) => fake.putObject(BUCKET, k, `body ${i}`, "text/plain"));
    for (const [i, key] of keys.entries()) {
      const res = await fake.handle(new Request(await presign(SIGNPOST, encodePath(key))));
      expect(res.status, `${key}: ${await text(res.clone())}`).toBe(200);
      expect(await text(res)).toBe(`body ${i}`);
      expect(res.headers.get("content-type")).toBe("text/plain");
    }
  });

  it("decodes each path segment exactly once", async () => {
    fake.putObject(BUCKET, "a b+c", "decoded");
    fake.putObject(BUCKET, "a%20b+c", "not decoded");
    const res = await fake.handle(new Request(await presign(SIGNPOST, "/a%20b%2Bc")));
    expect(await text(res)).toBe("decoded");
  });

  it("rejects one changed byte in the path, the query or the signature", async () => {
    fake.putObject(BUCKET, "a.txt", "a");
    fake.putObject(BUCKET, "b.txt", "b");
    const url = await presign(SIGNPOST, "/a.txt");
    const tampered = [
      url.replace("/a.txt", "/b.txt"),
      url.replace("X-Amz-Expires=900", "X-Amz-Expires=901"),
      url.replace(/X-Amz-Signature=([0-9a-f])/, (_, c: string) => `X-Amz-Signature=${c === "0" ? "1" : "0"}`),
      url + "&extra=1",
    ];
    for (const t of tampered) {
      const res = await fake.handle(new Request(t));
      const xml = await res.text();
      expect(res.status, t).toBe(403);
      expect(xmlText(xml, "Code")).toBe("SignatureDoesNotMatch");
      expect(xmlText(xml, "CanonicalRequest")).toContain("UNSIGNED-PAYLOAD");
    }
  });

  it("rejects a wrong secret", async () => {
    fake.putObject(BUCKET, "a.txt", "a");
    const res = await fake.handle(new Request(await presign({ ...SIGNPOST, secretAccessKey: "wrong" }, "/a.txt")));
    expect(await errorCode(res)).toBe("SignatureDoesNotMatch");
  });

  it("rejects non-canonical percent-encoding in path or query", async () => {
    fake.putObject(BUCKET, "a b", "x");
    fake.putObject(BUCKET, "it's", "x");
    const url = await presign(SIGNPOST, "/a%20b", { query: { "response-content-disposition": "inline; filename=x~y" } });
    expect(url).toContain("x~y");
    for (const bad of [url.replace("x~y", "x%7Ey"), url.replace("%3B%20", "%3b%20"), url.replace("%20filename", "+filename")]) {
      const res = await fake.handle(new Request(bad));
      expect(res.status, bad).toBe(400);
      expect(await errorCode(res)).toBe("InvalidRequest");
    }
    const rawQuote = await presign(SIGNPOST, "/it's");
    expect((await fake.handle(new Request(rawQuote))).status).toBe(400);
  });

  it("honours X-Amz-Expires, and refuses URLs from the future", async () => {
    fake.putObject(BUCKET, "a.txt", "a");
    const url = await presign(SIGNPOST, "/a.txt", { expiresIn: 60 });
    now = T0 + 60_000;
    expect((await fake.handle(new Request(url))).status).toBe(200);
    now = T0 + 61_000;
    const res = await fake.handle(new Request(url));
    const xml = await res.text();
    expect(res.status).toBe(403);
    expect(xmlText(xml, "Code")).toBe("AccessDenied");
    expect(xmlText(xml, "Message")).toBe("Request has expired");
    now = T0 - 16 * 60_000;
    expect((await fake.handle(new Request(url))).status).toBe(403);
  });

  it("limits X-Amz-Expires to a week", async () => {
    fake.putObject(BUCKET, "a.txt", "a");
    const url = (await presign(SIGNPOST, "/a.txt", { expiresIn: 604800 })).replace("X-Amz-Expires=604800", "X-Amz-Expires=604801");
    const res = await fake.handle(new Request(url));
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("AuthorizationQueryParametersError");
  });

  it("answers AuthorizationHeaderMalformed with the real region when signed for the wrong one", async () => {
    const url = await presign(SIGNPOST, "/eu.txt", { origin: `https://${EU_BUCKET}.s3.amazonaws.com`, region: "us-east-1" });
    const res = await fake.handle(new Request(url));
    const xml = await res.text();
    expect(res.status).toBe(400);
    expect(xmlText(xml, "Code")).toBe("AuthorizationHeaderMalformed");
    expect(xmlText(xml, "Region")).toBe("eu-west-1");
    const right = await presign(SIGNPOST, "/eu.txt", { origin: `https://${EU_BUCKET}.s3.eu-west-1.amazonaws.com`, region: "eu-west-1" });
    expect(await text(await fake.handle(new Request(right)))).toBe("bonjour");
  });

  it("refuses unknown keys and principals without permission", async () => {
    fake.putObject(BUCKET, "a.txt", "a");
    const unknown = await fake.handle(new Request(await presign({ accessKeyId: "AKIAUNKNOWN000000000", secretAccessKey: "x" }, "/a.txt")));
    expect(await errorCode(unknown)).toBe("InvalidAccessKeyId");
    const intruder = await fake.handle(new Request(await presign(OTHER_USER, "/a.txt")));
    expect(intruder.status).toBe(403);
    expect(xmlText(await intruder.text(), "Message")).toContain(`${OTHER_USER.arn} is not authorized to perform: s3:GetObject`);
  });

  it("missing key: NoSuchKey for callers who may list, AccessDenied otherwise", async () => {
    const listing = await fake.handle(new Request(await presign(SIGNPOST, "/nope.txt")));
    expect(listing.status).toBe(404);
    expect(await errorCode(listing)).toBe("NoSuchKey");
    fake.addPrincipal({
      arn: "arn:aws:iam::111111111111:user/reader",
      accessKeyId: "AKIAREADERONLY000001",
      secretAccessKey: "s",
      policy: { Version: "2012-10-17", Statement: { Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::${BUCKET}/*` } },
    });
    const blind = await fake.handle(new Request(await presign({ accessKeyId: "AKIAREADERONLY000001", secretAccessKey: "s" }, "/nope.txt")));
    expect(blind.status).toBe(403);
    expect(await errorCode(blind)).toBe("AccessDenied");
  });

  it("refuses x-amz-* request headers that the URL did not sign", async () => {
    fake.putObject(BUCKET, "a.txt", "a");
    const res = await fake.handle(new Request(await presign(SIGNPOST, "/a.txt"), { headers: { "x-amz-meta-note": "hi" } }));
    const xml = await res.text();
    expect(res.status).toBe(403);
    expect(xmlText(xml, "HeadersNotSigned")).toBe("x-amz-meta-note");
  });

  it("applies signed response-* overrides and Range", async () => {
    fake.putObject(BUCKET, "clip.bin", "0123456789", "application/octet-stream");
    const url = await presign(SIGNPOST, "/clip.bin", {
      query: { "response-content-type": "video/mp4", "response-content-disposition": 'attachment; filename="clip.mp4"' },
    });
    const res = await fake.handle(new Request(url, { headers: { range: "bytes=2-5" } }));
    expect(res.status).toBe(206);
    expect(await text(res)).toBe("2345");
    expect(res.headers.get("content-type")).toBe("video/mp4");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="clip.mp4"');
    expect(res.headers.get("content-range")).toBe("bytes 2-5/10");
  });

  it("adds CORS headers for an allowed origin and answers preflights", async () => {
    fake.putObject(BUCKET, "a.txt", "a");
    const res = await fake.handle(new Request(await presign(SIGNPOST, "/a.txt"), { headers: { origin: "https://label.example.com" } }));
    expect(res.headers.get("access-control-allow-origin")).toBe("https://label.example.com");
    const other = await fake.handle(new Request(await presign(SIGNPOST, "/a.txt"), { headers: { origin: "https://evil.example" } }));
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const pre = await fake.handle(
      new Request(`https://${VHOST}/a.txt`, {
        method: "OPTIONS",
        headers: { origin: "https://label.example.com", "access-control-request-method": "GET", "access-control-request-headers": "range" },
      }),
    );
    expect(pre.status).toBe(200);
    expect(pre.headers.get("access-control-allow-headers")).toBe("range");
    const denied = await fake.handle(
      new Request(`https://${VHOST}/a.txt`, { method: "OPTIONS", headers: { origin: "https://label.example.com", "access-control-request-method": "PUT" } }),
    );
    expect(denied.status).toBe(403);
  });

  it("accepts the AWS documentation's presigned URL and header-signed Range GET (known answers)", async () => {
    now = Date.parse("2013-05-24T00:00:00Z");
    fake.addPrincipal({
      arn: "arn:aws:iam::123456789012:user/example",
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      policy: s3Policy("examplebucket"),
    });
    fake.addBucket({ name: "examplebucket", region: "us-east-1", objects: { "test.txt": "Welcome to Amazon S3." } });
    const url =
      "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
    expect(await text(await fake.handle(new Request(url)))).toBe("Welcome to Amazon S3.");
    const ranged = await fake.handle(
      new Request("https://examplebucket.s3.amazonaws.com/test.txt", {
        headers: {
          range: "bytes=0-9",
          "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
          "x-amz-date": "20130524T000000Z",
          authorization:
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
        },
      }),
    );
    expect(ranged.status).toBe(206);
    expect(await text(ranged)).toBe("Welcome to");
  });

  it("serves China-partition buckets on .amazonaws.com.cn with aws-cn ARNs", async () => {
    const cn = { arn: "arn:aws-cn:iam::333333333333:user/cn", accessKeyId: "AKIACHINAUSER0000001", secretAccessKey: "cn-secret" };
    fake.addPrincipal({
      ...cn,
      policy: { Version: "2012-10-17", Statement: { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws-cn:s3:::cn-bucket/*" } },
    });
    fake.addBucket({ name: "cn-bucket", region: "cn-north-1", objects: { "k.txt": "ni hao" } });
    const url = await presign(cn, "/k.txt", { origin: "https://cn-bucket.s3.cn-north-1.amazonaws.com.cn", region: "cn-north-1" });
    expect(await text(await fake.handle(new Request(url)))).toBe("ni hao");
  });
});

// ---- STS --------------------------------------------------------------------------------------

describe("STS AssumeRole", () => {
  it("issues temporary credentials with the External ID", async () => {
    const res = await sts(SIGNPOST, { Action: "AssumeRole", RoleArn: ROLE, RoleSessionName: "signpost-a", ExternalId: EXTERNAL_ID, DurationSeconds: "1800" });
    const xml = await res.text();
    expect(res.status).toBe(200);
    expect(xml).toMatch(/^<AssumeRoleResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/">/);
    const key = xmlText(xml, "AccessKeyId")!;
    expect(key).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(xmlText(xml, "SessionToken")).toMatch(/^(?=.*\/)(?=.*\+)(?=.*=)[A-Za-z0-9+/=]{300,}$/);
    expect(xmlText(xml, "Expiration")).toBe("2026-03-01T12:30:00Z");
    expect(xmlText(xml, "Arn")).toBe("arn:aws:sts::222222222222:assumed-role/labeling-read/signpost-a");
    expect(xmlText(xml, "RequestId")).toBeTruthy();
    expect(fake.issued.get(key)).toMatchObject({ roleArn: ROLE, externalId: EXTERNAL_ID, expiration: T0 + 1800_000, callerArn: SIGNPOST.arn });
    expect(fake.count("AssumeRole")).toBe(1);
    expect(fake.calls[0]).toMatchObject({
      service: "sts",
      action: "AssumeRole",
      status: 200,
      accessKeyId: SIGNPOST.accessKeyId,
      host: "sts.us-east-1.amazonaws.com",
    });
  });

  it("denies a wrong or missing External ID with STS's real message", async () => {
    for (const externalId of ["wrong-external-id", undefined]) {
      const res = await sts(SIGNPOST, { Action: "AssumeRole", RoleArn: ROLE, RoleSessionName: "signpost-a", ExternalId: externalId });
      const xml = await res.text();
      expect(res.status).toBe(403);
      expect(xmlText(xml, "Type")).toBe("Sender");
      expect(xmlText(xml, "Code")).toBe("AccessDenied");
      expect(xmlText(xml, "Message")).toBe(`User: ${SIGNPOST.arn} is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`);
    }
  });

  it("lets a role without an External ID condition be assumed with any or none (the insecure setup)", async () => {
    for (const externalId of ["anything-at-all", undefined]) {
      const res = await sts(SIGNPOST, { Action: "AssumeRole", RoleArn: OPEN_ROLE, RoleSessionName: "probe", ExternalId: externalId });
      expect(res.status).toBe(200);
    }
  });

  it("denies untrusted callers and unknown roles", async () => {
    const untrusted = await sts(OTHER_USER, { Action: "AssumeRole", RoleArn: ROLE, RoleSessionName: "x-y", ExternalId: EXTERNAL_ID });
    expect(await errorCode(untrusted)).toBe("AccessDenied");
    const unknown = await sts(SIGNPOST, { Action: "AssumeRole", RoleArn: "arn:aws:iam::222222222222:role/missing", RoleSessionName: "x-y" });
    expect(unknown.status).toBe(403);
    expect(await errorCode(unknown)).toBe("AccessDenied");
  });

  it("validates DurationSeconds, RoleSessionName and session policies", async () => {
    const tooLong = await sts(SIGNPOST, { Action: "AssumeRole", RoleArn: ROLE, RoleSessionName: "s-1", ExternalId: EXTERNAL_ID, DurationSeconds: "7201" });
    const xml = await tooLong.text();
    expect(tooLong.status).toBe(400);
    expect(xmlText(xml, "Code")).toBe("ValidationError");
    expect(xmlText(xml, "Message")).toBe("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
    expect((await sts(SIGNPOST, { Action: "AssumeRole", RoleArn: ROLE, RoleSessionName: "s-1", ExternalId: EXTERNAL_ID, DurationSeconds: "899" })).status).toBe(
      400,
    );
    expect(await errorCode(await sts(SIGNPOST, { Action: "AssumeRole", RoleArn: ROLE, RoleSessionName: "bad name", ExternalId: EXTERNAL_ID }))).toBe(
      "ValidationError",
    );
    expect(
      await errorCode(await sts(SIGNPOST, { Action: "AssumeRole", RoleArn: ROLE, RoleSessionName: "s-1", ExternalId: EXTERNAL_ID, Policy: "{not json" })),
    ).toBe("MalformedPolicyDocument");
    const big = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::${BUCKET}/${"x".repeat(2100)}` }],
    });
    expect(await errorCode(await sts(SIGNPOST, { Action: "AssumeRole", RoleArn: ROLE, RoleSessionName: "s-1", ExternalId: EXTERNAL_ID, Policy: big }))).toBe(
      "PackedPolicyTooLarge",
    );
  });

  it("verifies the caller's signature, key, region and clock", async () => {
    const params = { Action: "GetCallerIdentity" };
    expect(await errorCode(await sts({ ...SIGNPOST, secretAccessKey: "wrong" }, params))).toBe("SignatureDoesNotMatch");
    expect(await errorCode(await sts({ accessKeyId: "AKIANOBODY0000000000", secretAccessKey: "x" }, params))).toBe("InvalidClientTokenId");
    const wrongRegion = await sts(SIGNPOST, params, { host: "sts.us-east-1.amazonaws.com", region: "eu-west-1" });
    expect(wrongRegion.status).toBe(403);
    expect(await errorCode(wrongRegion)).toBe("SignatureDoesNotMatch");
    const stale = await sts(SIGNPOST, params, { date: T0 - 16 * 60_000 });
    expect(xmlText(await stale.text(), "Message")).toMatch(/^Signature expired/);
    expect((await sts(SIGNPOST, params, { date: T0 - 14 * 60_000 })).status).toBe(200);
    expect((await sts(SIGNPOST, params, { host: "sts.amazonaws.com" })).status).toBe(200);
  });

  it("answers GetCallerIdentity for users and for assumed-role sessions", async () => {
    const user = await (await sts(SIGNPOST, { Action: "GetCallerIdentity" })).text();
    expect(xmlText(user, "Arn")).toBe(SIGNPOST.arn);
    expect(xmlText(user, "Account")).toBe("111111111111");
    const creds = await assume();
    const session = await (await sts(creds, { Action: "GetCallerIdentity" })).text();
    expect(xmlText(session, "Arn")).toBe("arn:aws:sts::222222222222:assumed-role/labeling-read/signpost-test");
    expect(xmlText(session, "UserId")).toMatch(/^AROA[A-Z2-7]{17}:signpost-test$/);
  });

  it("can format Expiration with milliseconds and wrap the token, as some STS responses do", async () => {
    fake.quirks = { fractionalExpiration: true, wrappedSessionToken: true };
    const res = await sts(SIGNPOST, { Action: "AssumeRole", RoleArn: ROLE, RoleSessionName: "s-1", ExternalId: EXTERNAL_ID });
    const xml = await res.text();
    expect(xmlText(xml, "Expiration")).toBe("2026-03-01T13:00:00.000Z");
    const raw = xmlText(xml, "SessionToken")!;
    expect(raw).toMatch(/^\n\s+\S+\n\s+\S+/);
    const key = xmlText(xml, "AccessKeyId")!;
    expect(raw.replace(/\s+/g, "")).toBe(fake.issued.get(key)!.sessionToken);
  });
});

// ---- temporary credentials on S3 ------------------------------------------------------------

describe("S3 with session credentials", () => {
  beforeEach(() => fake.putObject(BUCKET, "public/a.txt", "public a"));

  it("needs the matching session token", async () => {
    const creds = await assume();
    expect((await fake.handle(new Request(await presign(creds, "/public/a.txt")))).status).toBe(200);
    const withoutToken = await fake.handle(new Request(await presign({ ...creds, sessionToken: undefined }, "/public/a.txt")));
    expect(await errorCode(withoutToken)).toBe("InvalidToken");
    const wrongToken = await fake.handle(new Request(await presign({ ...creds, sessionToken: creds.sessionToken + "x" }, "/public/a.txt")));
    expect(wrongToken.status).toBe(403);
    expect(await errorCode(wrongToken)).toBe("InvalidToken");
  });

  it("answers ExpiredToken once the credentials expire, even for an unexpired URL", async () => {
    const creds = await assume({ DurationSeconds: "900" });
    now = T0 + 800_000;
    const url = await presign(creds, "/public/a.txt", { expiresIn: 600 });
    now = T0 + 900_000;
    expect((await fake.handle(new Request(url))).status).toBe(200);
    now = T0 + 901_000;
    const res = await fake.handle(new Request(url));
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("ExpiredToken");
  });

  it("intersects the session policy with the role's policy", async () => {
    fake.putObject(BUCKET, "private/b.txt", "secret");
    fake.putObject(BUCKET, "odd/lit*eral", "star");
    fake.putObject(BUCKET, "odd/litXeral", "not star");
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "s3:GetObject", Resource: [`arn:aws:s3:::${BUCKET}/public/*`, `arn:aws:s3:::${BUCKET}/odd/lit\${*}eral`] },
        // Broader than the role: the role's policy still caps it.
        { Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::${EU_BUCKET}/*` },
      ],
    });
    const creds = await assume({ Policy: policy });
    expect((await fake.handle(new Request(await presign(creds, "/public/a.txt")))).status).toBe(200);
    const outOfScope = await fake.handle(new Request(await presign(creds, "/private/b.txt")));
    expect(outOfScope.status).toBe(403);
    expect(xmlText(await outOfScope.text(), "Message")).toContain("because no session policy allows the s3:GetObject action");
    expect((await fake.handle(new Request(await presign(creds, "/odd/lit%2Aeral")))).status).toBe(200);
    expect((await fake.handle(new Request(await presign(creds, "/odd/litXeral")))).status).toBe(403);
    const roleCap = await presign(creds, "/eu.txt", { origin: `https://${EU_BUCKET}.s3.eu-west-1.amazonaws.com`, region: "eu-west-1" });
    expect(xmlText(await text(await fake.handle(new Request(roleCap))), "Message")).toContain("because no identity-based policy allows");
  });

  it("checks s3:prefix conditions on ListObjectsV2", async () => {
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:ListBucket", Resource: `arn:aws:s3:::${BUCKET}`, Condition: { StringLike: { "s3:prefix": ["public/*"] } } }],
    });
    const creds = await assume({ Policy: policy });
    const list = async (prefix?: string) =>
      fake.handle(
        await signed(creds, `https://${VHOST}/?${queryString({ "list-type": "2", prefix: prefix ?? null })}`, {
          headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
        }),
      );
    expect((await list("public/")).status).toBe(200);
    expect((await list("private/")).status).toBe(403);
    expect((await list()).status).toBe(403);
  });
});

// ---- header-signed S3 operations --------------------------------------------------------------

describe("S3 operations", () => {
  const hdr = { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" };
  const listUrl = (q: Record<string, string | null>) => `https://${VHOST}/?${queryString({ "list-type": "2", ...q })}`;

  it("paginates ListObjectsV2 with opaque continuation tokens", async () => {
    const keys = ["photos/a&b.jpg", "photos/c<d>.jpg", "photos/e.jpg", "photos/f.jpg", "photos/g.jpg", "videos/v.mp4"];
    for (const k of keys) fake.putObject(BUCKET, k, k);
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const res = await fake.handle(await signed(SIGNPOST, listUrl({ prefix: "photos/", "max-keys": "2", "continuation-token": token }), { headers: hdr }));
      const xml = await res.text();
      expect(res.status, xml).toBe(200);
      expect(xmlText(xml, "Name")).toBe(BUCKET);
      expect(xmlText(xml, "MaxKeys")).toBe("2");
      seen.push(...xmlAll(xml, "Key"));
      expect(xmlText(xml, "KeyCount")).toBe(String(xmlAll(xml, "Key").length));
      token = xmlText(xml, "IsTruncated") === "true" ? xmlText(xml, "NextContinuationToken")! : null;
      expect(xmlAll(xml, "ETag").every((e) => /^"[0-9a-f]{32}"$/.test(e))).toBe(true);
      expect(xml).toContain("<StorageClass>STANDARD</StorageClass>");
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(keys.slice(0, 5));
    const bad = await fake.handle(await signed(SIGNPOST, listUrl({ "continuation-token": "garbage" }), { headers: hdr }));
    expect(await errorCode(bad)).toBe("InvalidArgument");
  });

  it("groups CommonPrefixes with a delimiter and honours start-after", async () => {
    for (const k of ["a/1", "a/2", "b/1", "c.txt"]) fake.putObject(BUCKET, k, k);
    const xml = await text(await fake.handle(await signed(SIGNPOST, listUrl({ delimiter: "/" }), { headers: hdr })));
    expect(xmlAll(xml, "Prefix").slice(1)).toEqual(["a/", "b/"]);
    expect(xmlAll(xml, "Key")).toEqual(["c.txt"]);
    const after = await text(await fake.handle(await signed(SIGNPOST, listUrl({ "start-after": "a/2" }), { headers: hdr })));
    expect(xmlAll(after, "Key")).toEqual(["b/1", "c.txt"]);
  });

  it("stores PUT bodies after checking the payload hash", async () => {
    const body = "hello upload";
    const hash = [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body)))]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    const ok = await fake.handle(
      await signed(SIGNPOST, `https://${VHOST}/up/a.txt`, { method: "PUT", body, headers: { "x-amz-content-sha256": hash, "content-type": "text/plain" } }),
    );
    expect(ok.status).toBe(200);
    expect(new TextDecoder().decode(fake.getObject(BUCKET, "up/a.txt")!.body)).toBe(body);
    expect(fake.getObject(BUCKET, "up/a.txt")!.contentType).toBe("text/plain");
    const lying = await fake.handle(
      await signed(SIGNPOST, `https://${VHOST}/up/b.txt`, { method: "PUT", body: "other", headers: { "x-amz-content-sha256": hash } }),
    );
    expect(await errorCode(lying)).toBe("XAmzContentSHA256Mismatch");
    expect(fake.getObject(BUCKET, "up/b.txt")).toBeUndefined();
    const garbled = await fake.handle(
      await signed(SIGNPOST, `https://${VHOST}/up/c.txt`, { method: "PUT", body, headers: { "x-amz-content-sha256": "not-a-hash" } }),
    );
    expect(await errorCode(garbled)).toBe("InvalidArgument");
  });

  it("accepts a presigned PUT only with the signed content-type", async () => {
    const url = await presign(SIGNPOST, "/exports/x.json", { method: "PUT", headers: { "content-type": "application/json" } });
    const wrong = await fake.handle(new Request(url, { method: "PUT", body: "{}", headers: { "content-type": "text/plain" } }));
    expect(await errorCode(wrong)).toBe("SignatureDoesNotMatch");
    const right = await fake.handle(new Request(url, { method: "PUT", body: "{}", headers: { "content-type": "application/json" } }));
    expect(right.status).toBe(200);
    expect(fake.getObject(BUCKET, "exports/x.json")!.contentType).toBe("application/json");
  });

  it("deletes objects", async () => {
    fake.putObject(BUCKET, "tmp.txt", "x");
    expect((await fake.handle(await signed(SIGNPOST, `https://${VHOST}/tmp.txt`, { method: "DELETE", headers: hdr }))).status).toBe(204);
    expect(fake.getObject(BUCKET, "tmp.txt")).toBeUndefined();
  });

  it("reports bucket regions through HeadBucket", async () => {
    const ok = await fake.handle(
      await signed(SIGNPOST, `https://${EU_BUCKET}.s3.eu-west-1.amazonaws.com/`, { method: "HEAD", region: "eu-west-1", headers: hdr }),
    );
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-amz-bucket-region")).toBe("eu-west-1");
    const wrong = await fake.handle(await signed(SIGNPOST, `https://${EU_BUCKET}.s3.us-east-1.amazonaws.com/`, { method: "HEAD", headers: hdr }));
    expect(wrong.status).toBe(301);
    expect(wrong.headers.get("x-amz-bucket-region")).toBe("eu-west-1");
    const missing = await fake.handle(await signed(SIGNPOST, `https://nope-bucket.s3.us-east-1.amazonaws.com/`, { method: "HEAD", headers: hdr }));
    expect(missing.status).toBe(404);
    const denied = await fake.handle(await signed(OTHER_USER, `https://${VHOST}/`, { method: "HEAD", headers: hdr }));
    expect(denied.status).toBe(403);
    expect(denied.headers.get("x-amz-bucket-region")).toBe("us-east-1");
  });

  it("serves ?cors and ?location", async () => {
    const cors = await text(await fake.handle(await signed(SIGNPOST, `https://${VHOST}/?cors`, { headers: hdr })));
    expect(xmlAll(cors, "AllowedOrigin")).toEqual(["https://label.example.com"]);
    expect(xmlAll(cors, "AllowedMethod")).toEqual(["GET", "HEAD"]);
    const none = await fake.handle(await signed(SIGNPOST, `https://${EU_BUCKET}.s3.eu-west-1.amazonaws.com/?cors`, { region: "eu-west-1", headers: hdr }));
    expect(none.status).toBe(404);
    expect(await errorCode(none)).toBe("NoSuchCORSConfiguration");
    const useast = await text(await fake.handle(await signed(SIGNPOST, `https://${VHOST}/?location`, { headers: hdr })));
    expect(useast).toContain('<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>');
    const eu = await text(await fake.handle(await signed(SIGNPOST, `https://${EU_BUCKET}.s3.amazonaws.com/?location`, { headers: hdr })));
    expect(xmlText(eu, "LocationConstraint")).toBeUndefined();
    expect(eu).toContain(">eu-west-1</LocationConstraint>");
  });

  it("supports path-style requests on the regional endpoint", async () => {
    fake.putObject(BUCKET, "p/q.txt", "path style");
    const url = await presign(SIGNPOST, `/${BUCKET}/p/q.txt`, { origin: "https://s3.us-east-1.amazonaws.com" });
    expect(await text(await fake.handle(new Request(url)))).toBe("path style");
  });
});

// ---- faults ---------------------------------------------------------------------------------

describe("faults", () => {
  const identity = { Action: "GetCallerIdentity" };

  it("throttles, fails and recovers, recording every call", async () => {
    fake.failNext("sts", 1, "throttle");
    fake.failNext("sts", 1, "500");
    fake.failNext("sts", 1, "503");
    const throttled = await sts(SIGNPOST, identity);
    expect(throttled.status).toBe(400);
    expect(await errorCode(throttled)).toBe("Throttling");
    expect((await sts(SIGNPOST, identity)).status).toBe(500);
    expect((await sts(SIGNPOST, identity)).status).toBe(503);
    expect((await sts(SIGNPOST, identity)).status).toBe(200);
    expect(fake.count("GetCallerIdentity")).toBe(4);
    expect(fake.calls.map((c) => c.status)).toEqual([400, 500, 503, 200]);
    fake.failNext("s3", 1, "throttle");
    const slow = await fake.handle(new Request(await presign(SIGNPOST, "/x")));
    expect(slow.status).toBe(503);
    expect(await errorCode(slow)).toBe("SlowDown");
  });

  it("rejects with a TypeError on a network fault", async () => {
    fake.failNext("s3", 1, "network");
    await expect(fake.handle(new Request(await presign(SIGNPOST, "/x")))).rejects.toBeInstanceOf(TypeError);
    expect(fake.calls[0]).toMatchObject({ status: 0, fault: "network" });
  });

  it("hangs until the caller's signal aborts", async () => {
    const installed = installFakeAws(fake);
    try {
      fake.failNext("sts", 1, "hang");
      const req = await signed(SIGNPOST, "https://sts.us-east-1.amazonaws.com/", {
        service: "sts",
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "Action=GetCallerIdentity&Version=2011-06-15",
      });
      const started = Date.now();
      const err = await fetch(req, { signal: AbortSignal.timeout(50) }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).name).toBe("TimeoutError");
      expect(Date.now() - started).toBeLessThan(2000);
      const ctrl = new AbortController();
      fake.failNext("s3", 1, "hang");
      const pending = fake.handle(new Request(await presign(SIGNPOST, "/x"), { signal: ctrl.signal }));
      ctrl.abort(new Error("gave up"));
      await expect(pending).rejects.toThrow("gave up");
    } finally {
      installed.restore();
    }
  });

  it("delays and then answers normally", async () => {
    fake.failNext("sts", 1, { delayMs: 30 });
    const started = Date.now();
    expect((await sts(SIGNPOST, identity)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });
});

// ---- installFakeAws -----------------------------------------------------------------------------

describe("installFakeAws", () => {
  let restore: () => void;
  afterEach(() => restore?.());

  it("lets hosts a test explicitly allows through to the previous fetch", async () => {
    const previous = globalThis.fetch;
    globalThis.fetch = (async () => new Response("previous fetch")) as unknown as typeof fetch;
    try {
      const installed = installFakeAws(fake, { passthrough: (u) => u.hostname === "allowed.test" });
      expect(await text(await fetch("https://allowed.test/x"))).toBe("previous fetch");
      await expect(fetch("https://other.test/x")).rejects.toThrow("unexpected outbound fetch to https://other.test");
      installed.restore();
    } finally {
      globalThis.fetch = previous;
    }
  });

  it("rejects with the abort reason even if the fake itself never settles", async () => {
    const stuck = { handle: () => new Promise<Response>(() => {}), hasEndpoint: () => false } as unknown as FakeAws;
    restore = installFakeAws(stuck).restore;
    const err = await fetch("https://sts.amazonaws.com/", { signal: AbortSignal.timeout(20) }).then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as Error).name).toBe("TimeoutError");
  });

  it("routes AWS hosts and registered endpoints to the fake, and nothing else", async () => {
    const original = globalThis.fetch;
    restore = installFakeAws(fake).restore;
    fake.putObject(BUCKET, "a.txt", "via fetch");
    expect(await text(await fetch(await presign(SIGNPOST, "/a.txt")))).toBe("via fetch");

    fake.addEndpoint("https://minio.test");
    const viaEndpoint = await presign(SIGNPOST, `/${BUCKET}/a.txt`, { origin: "https://minio.test" });
    expect(await text(await fetch(viaEndpoint))).toBe("via fetch");
    const stsOnEndpoint = await signed(SIGNPOST, "https://minio.test/", {
      service: "sts",
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=GetCallerIdentity&Version=2011-06-15",
    });
    expect(xmlText(await text(await fetch(stsOnEndpoint)), "Arn")).toBe(SIGNPOST.arn);

    await expect(fetch("https://example.com/x")).rejects.toThrow("unexpected outbound fetch to https://example.com");
    await expect(fetch("http://127.0.0.1:9000/bucket/key")).rejects.toThrow("unexpected outbound fetch to http://127.0.0.1:9000");
    restore();
    expect(globalThis.fetch).toBe(original);
  });
});

// ---- IAM evaluator -------------------------------------------------------------------------------

describe("IAM evaluator", () => {
  const req = (action: string, resource: string, context?: Record<string, string>) => ({ action, resource, context });

  it("matches wildcards, case-insensitive actions and explicit denies", () => {
    const p = parsePolicy({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "s3:Get*", Resource: "arn:aws:s3:::b/img-??.png" },
        { Effect: "Deny", Action: "*", Resource: "arn:aws:s3:::b/img-13.png" },
        { Effect: "Allow", NotAction: "s3:Delete*", Resource: "arn:aws:s3:::c/*" },
      ],
    });
    expect(authorize(req("s3:getobject", "arn:aws:s3:::b/img-01.png"), [p]).allowed).toBe(true);
    expect(authorize(req("s3:GetObject", "arn:aws:s3:::b/img-001.png"), [p]).allowed).toBe(false);
    expect(authorize(req("s3:GetObject", "arn:aws:s3:::b/img-13.png"), [p])).toEqual({
      allowed: false,
      reason: "with an explicit deny in an identity-based policy",
    });
    expect(authorize(req("s3:PutObject", "arn:aws:s3:::c/x"), [p]).allowed).toBe(true);
    expect(authorize(req("s3:DeleteObject", "arn:aws:s3:::c/x"), [p]).allowed).toBe(false);
  });

  it("treats ${*} ${?} ${$} as literals only in 2012-10-17 policies", () => {
    const resource = "arn:aws:s3:::b/a${*}b${?}c${$}";
    const modern = parsePolicy({ Version: "2012-10-17", Statement: { Effect: "Allow", Action: "s3:GetObject", Resource: resource } });
    expect(authorize(req("s3:GetObject", "arn:aws:s3:::b/a*b?c$"), [modern]).allowed).toBe(true);
    expect(authorize(req("s3:GetObject", "arn:aws:s3:::b/aXbYc$"), [modern]).allowed).toBe(false);
    const legacy = parsePolicy({ Version: "2008-10-17", Statement: { Effect: "Allow", Action: "s3:GetObject", Resource: resource } });
    expect(authorize(req("s3:GetObject", "arn:aws:s3:::b/a${*}b${?}c${$}"), [legacy]).allowed).toBe(true);
  });

  it("evaluates StringLike/StringEquals on s3:prefix and refuses what it does not model", () => {
    const p = parsePolicy({
      Version: "2012-10-17",
      Statement: {
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: "arn:aws:s3:::b",
        Condition: { StringLike: { "s3:prefix": ["team/*"] }, StringEquals: { "s3:prefix": ["team/a/", "team/b/"] } },
      },
    });
    expect(authorize(req("s3:ListBucket", "arn:aws:s3:::b", { "s3:prefix": "team/a/" }), [p]).allowed).toBe(true);
    expect(authorize(req("s3:ListBucket", "arn:aws:s3:::b", { "s3:prefix": "team/c/" }), [p]).allowed).toBe(false);
    expect(authorize(req("s3:ListBucket", "arn:aws:s3:::b"), [p]).allowed).toBe(false);
    const unsupported = (doc: unknown) => {
      try {
        parsePolicy(doc);
        return null;
      } catch (e) {
        return e instanceof PolicyError && e.unsupported;
      }
    };
    expect(
      unsupported({
        Version: "2012-10-17",
        Statement: { Effect: "Allow", Action: "s3:*", Resource: "*", Condition: { IpAddress: { "aws:SourceIp": "1.2.3.4" } } },
      }),
    ).toBe(true);
    expect(unsupported({ Version: "2012-10-17", Statement: { Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::b/${aws:username}/*" } })).toBe(true);
    expect(unsupported({ Version: "2012-10-17", Statement: { Effect: "Allow", Action: "s3:*" } })).toBe(false);
  });
});
