/**
 * The scope check, as properties at the route level (fast-check, fixed seeds).
 *
 * Integrations (every role may do s3:* on *, so only signpost and the session policy it
 * passes to AssumeRole stand between a caller and the rest of the account):
 *   prefix   scoped-bucket/prefix/          (virtual-hosted Location)
 *   whole    whole-bucket                   (a whole bucket; other-bucket exists, unscoped)
 *   dotted   dotted.scoped.bucket/prefix/   (path-style Location)
 *   unicode  unicode-bucket/café/           (NFC; NFD spellings are other keys)
 *   star     star-bucket/w*l?d$/            (IAM wildcard characters, literal in a scope)
 *
 * Properties:
 * 1. For attacker-chosen suffixes after `{bucket}/{prefix}`, sent as /v1/assets paths and
 *    as /v1/redirect?url= (virtual-hosted, path-style, s3://; encoded and raw), every answer
 *    is a SPEC 4xx or a 302 whose Location, read by `new URL()` as a browser would, is
 *    unchanged by normalisation and names a key in the signing integration's bucket that
 *    starts with its prefix byte for byte. Never a 5xx.
 * 2. Followed 302s are served by the fake S3 (which verifies the signature with the official
 *    signer and decodes the path itself) with exactly the object named.
 * 3. The fake S3 refuses (403 AccessDenied) URLs presigned with the integration's own cached
 *    session credentials for any key outside the scope, and serves an in-scope control key
 *    with the same credentials: AWS itself enforces the scope.
 *
 * Which assertion catches which regression:
 * - requireScope/scopeFor removed or loosened (e.g. bucket-only, or prefix compared after
 *   decoding twice): suffixes like "../secret.txt" (resolved by the request URL parser to a
 *   key outside the prefix), "../../other-bucket/x", NFD "cafe\u0301/" and a prefix without
 *   its slash yield a 302 outside the scope → "outside the scope" / "in bucket" in checkAnswer.
 * - assertSafeKey removed: "%2e%2e" spellings decode to "prefix/../x", which passes a naive
 *   startsWith check and is signed; `new URL(Location)` resolves it → objectNamedBy throws
 *   "the URL parser rewrites the path" (and the follow would fetch another object).
 * - decodeKeySegments decoding twice (%252F → "/"), or not at all: the /v1/assets key differs
 *   from the single RFC 3986 decoding of the path → "signed key … requested …".
 * - the key encoder leaving a reserved byte raw (`?`, `#`, `%`) or mis-encoding UTF-8: the
 *   Location names another key → the key check, or the follow fails (403 from the fake's
 *   signature check, or other bytes served) → "follow".
 * - the session policy dropped, widened to the bucket, or without iamLiteral (so "w*l?d$/"
 *   becomes a wildcard): the fake serves an out-of-scope key → property 3 "expected 403".
 * Each regression above was applied to a copy of the Worker and made this file fail.
 */
import fc from "fast-check";
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE, createRoleIntegration, newWorld, type World } from "../support/harness";
import type { IssuedCredentials } from "../../scripts/fakes/aws";
import { assertClientError, assertHeadersClean, NO_RATE_LIMIT, nextIp, secretsOf, Tally } from "./contract";
import { objectNamedBy, startsWithBytes, utf8Length } from "./location";

const SEED = 424_242;
const tally = new Tally();
const ALLOW_ALL = { Version: "2012-10-17", Statement: [{ Effect: "Allow" as const, Action: "s3:*", Resource: "*" }] };

interface Config {
  name: string;
  bucket: string;
  /** "" = the whole bucket. */
  prefix: string;
  id: string;
  roleArn: string;
}

const CONFIGS: Array<Omit<Config, "id" | "roleArn">> = [
  { name: "prefix", bucket: "scoped-bucket", prefix: "prefix/" },
  { name: "whole", bucket: "whole-bucket", prefix: "" },
  { name: "dotted", bucket: "dotted.scoped.bucket", prefix: "prefix/" },
  { name: "unicode", bucket: "unicode-bucket", prefix: "caf\u00e9/" },
  { name: "star", bucket: "star-bucket", prefix: "w*l?d$/" },
];
const OTHER_BUCKET = "other-bucket";

let w: World;
const configs: Config[] = [];
const byRole = new Map<string, Config>();

/** The spelling of a prefix in a URL path: each segment percent-encoded, "/" kept. */
function pathOf(s: string): string {
  return s
    .split("/")
    .map((seg) => encodeURIComponent(seg).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase()))
    .join("/");
}

function show(what: string): string {
  return JSON.stringify(what.length > 300 ? what.slice(0, 300) + "…" : what);
}

beforeAll(async () => {
  w = await newWorld(NO_RATE_LIMIT);
  const seed = (bucket: string) => ({ "secret.txt": `secret of ${bucket}`, "prefix-evil.txt": "evil", "prefix/a.jpg": "a", "x.txt": "x" });
  for (const c of CONFIGS) w.fake.addBucket({ name: c.bucket, region: "us-east-1", objects: seed(c.bucket) });
  w.fake.addBucket({ name: OTHER_BUCKET, region: "us-east-1", objects: seed(OTHER_BUCKET) });
  for (const c of CONFIGS) {
    const created = await createRoleIntegration(w, {
      name: c.name,
      bucket: c.bucket,
      scopes: [c.prefix ? `${c.bucket}/${c.prefix}` : c.bucket],
      policy: ALLOW_ALL,
    });
    const cfg = { ...c, id: created.id, roleArn: created.roleArn };
    configs.push(cfg);
    byRole.set(created.roleArn, cfg);
  }
});
afterAll(() => {
  w.close();
  console.log(tally.report("scope-properties.test.ts"));
});

async function call(suite: string, path: string): Promise<Response> {
  tally.add(suite);
  return w.call(path, { ip: nextIp() });
}

/** The credentials a 302 was signed with, as the fake STS issued them. */
function issuedFor(accessKeyId: string, what: string): IssuedCredentials {
  const c = w.fake.issued.get(accessKeyId);
  if (!c) throw new Error(`${what}: Location signed with ${accessKeyId}, which the fake STS never issued`);
  return c;
}

interface Redirect {
  location: string;
  bucket: string;
  key: string;
  rawPath: string;
}

/**
 * Property 1 on one answer: a SPEC 4xx, or a 302 in the scope of the integration whose
 * credentials signed it (and, when given, that integration and that exact key).
 */
async function checkAnswer(res: Response, what: string, expected: { config?: Config; key?: string } = {}): Promise<Redirect | null> {
  if (res.status >= 500) throw new Error(`${what}: ${res.status} ${(await res.text()).slice(0, 300)}`);
  assertHeadersClean(res, secretsOf(w), what);
  if (res.status !== 302) {
    await assertClientError(res, secretsOf(w), what);
    return null;
  }
  const location = res.headers.get("location") ?? "";
  const named = objectNamedBy(location, what); // throws when new URL() would rewrite the path
  const signer = byRole.get(issuedFor(named.accessKeyId, what).roleArn);
  if (!signer) throw new Error(`${what}: signed with credentials of an unknown role`);
  if (expected.config && signer.id !== expected.config.id) throw new Error(`${what}: signed by ${signer.name}, requested ${expected.config.name}`);
  if (named.bucket !== signer.bucket)
    throw new Error(`${what}: signed s3://${named.bucket}/${named.key} with ${signer.name}, whose scope is in bucket ${signer.bucket}`);
  if (!startsWithBytes(named.key, signer.prefix))
    throw new Error(`${what}: signed key ${show(named.key)} is outside the scope ${signer.bucket}/${signer.prefix}`);
  if (expected.key !== undefined && named.key !== expected.key) throw new Error(`${what}: signed key ${show(named.key)}, requested ${show(expected.key)}`);
  return { location, bucket: named.bucket, key: named.key, rawPath: named.rawPath };
}

/** Property 2: the fake S3 serves exactly the object the Location names. */
async function follow(r: Redirect, what: string): Promise<void> {
  const body = `object ${r.bucket}/${r.key}`;
  w.fake.putObject(r.bucket, r.key, body, "text/plain");
  const res = await fetch(r.location);
  tally.add("follow");
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${what}: follow → ${res.status} ${text.slice(0, 300)}`);
  if (text !== body) throw new Error(`${what}: follow served ${show(text)}, expected ${show(body)}`);
  const last = w.fake.calls[w.fake.calls.length - 1]!;
  if (last.path !== r.rawPath) throw new Error(`${what}: the fake S3 was asked for ${last.path}, Location says ${r.rawPath}`);
}

// ---------------------------------------------------------------------------------------
// Attacker-chosen suffixes
// ---------------------------------------------------------------------------------------

const SUFFIX_TOKENS = [
  "..",
  ".",
  "../",
  "/../",
  "./",
  "%2e%2e",
  "%2E%2E",
  "%2e",
  "%2E",
  ".%2e",
  "%2e.",
  "%2e%2e%2f",
  "..%2F",
  "%2E%2E%5C",
  "%2F",
  "%2f",
  "%252F",
  "%252e%252e",
  "%25",
  "%5C",
  "%5c",
  "\\",
  "..\\",
  "\uFF0E",
  "\uFF0E\uFF0E",
  "\u2215",
  "\uFF0F",
  "\u2024",
  "%EF%BC%8E",
  "%E2%88%95",
  "e\u0301",
  "\u00e9",
  "%C3%A9",
  "e%CC%81",
  "\u212B",
  "\u00c5",
  "//",
  "/",
  "?",
  "#",
  "%3F",
  "%23",
  " ",
  "%20",
  "+",
  "%2B",
  "&",
  "=",
  ";",
  "a",
  "x.jpg",
  "secret.txt",
  "other-bucket/",
  "%00",
  "%0A",
  "\t",
] as const;

const suffix = fc
  .array(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...SUFFIX_TOKENS) }, { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 4 }) }), {
    minLength: 0,
    maxLength: 8,
  })
  .map((t) => t.join(""));

/** How the prefix itself is written: as-is, percent-encoded, or near misses. */
function prefixSpellings(p: string): string[] {
  if (p === "") return ["", "", "", "/", "%2F"];
  const noSlash = p.slice(0, -1);
  return [
    pathOf(p),
    pathOf(p),
    pathOf(p),
    p, // raw (non-ASCII and `*`/`$` as they are; the request URL parser encodes what it must)
    pathOf(noSlash) + "%2F", // same key, slash encoded
    [...noSlash].map((ch) => "%" + [...new TextEncoder().encode(ch)].map((b) => b.toString(16).padStart(2, "0")).join("%")).join("") + "/", // every byte escaped
    pathOf(noSlash), // no slash: "prefix" + suffix
    pathOf(noSlash.toUpperCase()) + "/",
    pathOf(p.normalize("NFD")),
    pathOf(noSlash) + "%5C",
    pathOf(noSlash) + "\\",
    pathOf(noSlash) + "%252F",
    "x/" + pathOf(p),
  ];
}

type Form = "assets" | "virtual" | "path-style" | "s3";

function requestPath(form: Form, c: Config, bucket: string, prefixSpelling: string, sfx: string, raw: boolean, named: boolean): string {
  const keyPart = prefixSpelling + sfx;
  if (form === "assets") return `/v1/assets/${named ? c.id : "default"}/${bucket}/${keyPart}`;
  const url =
    form === "virtual"
      ? `https://${bucket}.s3.us-east-1.amazonaws.com/${keyPart}`
      : form === "path-style"
        ? `https://s3.us-east-1.amazonaws.com/${bucket}/${keyPart}`
        : `s3://${bucket}/${keyPart}`;
  return `/v1/redirect?url=${raw ? url : encodeURIComponent(url)}${named ? `&integration=${c.id}` : ""}`;
}

/** Single RFC 3986 decoding of the key the Worker receives on /v1/assets (the SPEC rule), or null. */
function assetsKey(path: string): string | null {
  const p = new URL(BASE + path).pathname;
  const parts = /^\/v1\/assets\/[^/]+\/[^/]+\/(.*)$/.exec(p);
  if (!parts) return null;
  try {
    return decodeURIComponent(parts[1]!);
  } catch {
    return null;
  }
}

describe("scope properties at the route level", () => {
  const redirects: Array<[Redirect, string]> = [];

  it("every answer is a SPEC 4xx or a 302 inside the signing integration's scope (assets and url= forms)", async () => {
    const configArb = fc.nat(CONFIGS.length - 1);
    const formArb = fc.constantFrom<Form>("assets", "assets", "virtual", "path-style", "s3");
    let served = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(configArb, formArb, fc.nat(12), suffix, fc.boolean(), fc.boolean(), fc.nat(9), async (ci, form, pi, sfx, raw, named, bucketPick) => {
        const c = configs[ci]!;
        const spellings = prefixSpellings(c.prefix);
        const spelling = spellings[pi % spellings.length]!;
        // Mostly the scoped bucket; sometimes the unscoped one, or another integration's.
        const bucket = bucketPick < 7 ? c.bucket : bucketPick < 9 ? OTHER_BUCKET : configs[(ci + 1) % configs.length]!.bucket;
        const path = requestPath(form, c, bucket, spelling, sfx, raw, named);
        const res = await call("route answers", path);
        const what = `${c.name} ${form}${raw ? " raw" : ""}${named ? "" : " (unnamed)"}: ${show(path)}`;
        // /v1/assets names the integration (or `default`, the first: "prefix"), and the key is
        // the single decoding of the path; url= may route by bucket.
        const expected =
          form === "assets"
            ? { config: named ? c : configs[0]!, key: path.includes("#") ? undefined : (assetsKey(path) ?? undefined) }
            : named
              ? { config: c }
              : {};
        const r = await checkAnswer(res, what, expected);
        if (r) {
          served++;
          if (redirects.length < 400) redirects.push([r, what]);
        } else refused++;
      }),
      { seed: SEED, numRuns: 1500, endOnFailure: true },
    );
    // Both outcomes must be exercised for the property to mean anything.
    expect(served).toBeGreaterThan(150);
    expect(refused).toBeGreaterThan(300);
  });

  it("targeted escapes: each is refused, or served strictly inside the scope", async () => {
    const p = configs.find((c) => c.name === "prefix")!;
    const whole = configs.find((c) => c.name === "whole")!;
    const uni = configs.find((c) => c.name === "unicode")!;
    const star = configs.find((c) => c.name === "star")!;
    // Each of these is outside the scope after a browser's or S3's reading: must be a 4xx.
    const mustRefuse: string[] = [
      `/v1/assets/${p.id}/scoped-bucket/prefix/../secret.txt`,
      `/v1/assets/${p.id}/scoped-bucket/prefix/..%2Fsecret.txt`,
      `/v1/assets/${p.id}/scoped-bucket/prefix/%2e%2e/secret.txt`,
      `/v1/assets/${p.id}/scoped-bucket/prefix/%2E%2E%2Fsecret.txt`,
      `/v1/assets/${p.id}/scoped-bucket/prefix/.%2e/secret.txt`,
      `/v1/assets/${p.id}/scoped-bucket/prefix%2F..%2Fsecret.txt`,
      `/v1/assets/${p.id}/scoped-bucket/prefix/..\\secret.txt`,
      `/v1/assets/${p.id}/scoped-bucket/prefix\\..\\secret.txt`,
      `/v1/assets/${p.id}/scoped-bucket/prefix/../../other-bucket/secret.txt`,
      `/v1/assets/${p.id}/scoped-bucket/prefix-evil.txt`,
      `/v1/assets/${p.id}/scoped-bucket/prefix`,
      `/v1/assets/${p.id}/scoped-bucket/prefix?/a`,
      `/v1/assets/${p.id}/scoped-bucket/PREFIX/a.jpg`,
      `/v1/assets/${p.id}/scoped-bucket/prefix%252Fa.jpg`,
      `/v1/assets/${p.id}/scoped-bucket/%2Fprefix/a.jpg`,
      `/v1/assets/${p.id}/scoped-bucket//prefix/a.jpg`,
      `/v1/assets/${p.id}/other-bucket/prefix/a.jpg`,
      `/v1/assets/${p.id}/scoped-bucket%2Fprefix/a.jpg`,
      `/v1/assets/${whole.id}/other-bucket/x.txt`,
      `/v1/assets/${whole.id}/whole-bucket/../other-bucket/x.txt`,
      `/v1/assets/${whole.id}/whole-bucket%2F..%2Fother-bucket/x.txt`,
      `/v1/assets/${uni.id}/unicode-bucket/cafe\u0301/a.jpg`,
      `/v1/assets/${uni.id}/unicode-bucket/cafe%CC%81/a.jpg`,
      `/v1/assets/${uni.id}/unicode-bucket/CAF%C3%89/a.jpg`,
      `/v1/assets/${uni.id}/unicode-bucket/caf%C3/a.jpg`,
      `/v1/assets/${star.id}/star-bucket/wXlYd$/a.jpg`,
      `/v1/assets/${star.id}/star-bucket/w*l%3Fd/a.jpg`,
      `/v1/redirect?url=${encodeURIComponent("https://scoped-bucket.s3.us-east-1.amazonaws.com/prefix/../secret.txt")}`,
      `/v1/redirect?url=${encodeURIComponent("https://scoped-bucket.s3.us-east-1.amazonaws.com/prefix/%2e%2e/secret.txt")}`,
      `/v1/redirect?url=${encodeURIComponent("https://scoped-bucket.s3.us-east-1.amazonaws.com/prefix\\..\\secret.txt")}`,
      `/v1/redirect?url=${encodeURIComponent("https://scoped-bucket.s3.us-east-1.amazonaws.com/prefix/%2E%2E%2Fsecret.txt")}`,
      `/v1/redirect?url=${encodeURIComponent("https://s3.us-east-1.amazonaws.com/scoped-bucket/prefix/../secret.txt")}`,
      `/v1/redirect?url=${encodeURIComponent("https://s3.us-east-1.amazonaws.com/scoped-bucket/prefix/../../other-bucket/x.txt")}`,
      `/v1/redirect?url=${encodeURIComponent("https://s3.us-east-1.amazonaws.com/scoped-bucket%2Fprefix/a.jpg")}`,
      `/v1/redirect?url=${encodeURIComponent("s3://scoped-bucket/prefix/../secret.txt")}`,
      `/v1/redirect?url=${encodeURIComponent("s3://scoped-bucket/prefix/./a.jpg")}`,
      `/v1/redirect?url=${encodeURIComponent("s3://scoped-bucket/prefix")}`,
      `/v1/redirect?url=${encodeURIComponent("s3://other-bucket/prefix/a.jpg")}&integration=${p.id}`,
      `/v1/redirect?url=${encodeURIComponent("s3://other-bucket/x.txt")}&integration=${whole.id}`,
      `/v1/redirect?url=${encodeURIComponent("s3://other-bucket/x.txt")}`,
      `/v1/redirect?url=${encodeURIComponent("https://scoped-bucket.s3.us-east-1.amazonaws.com/prefix/a.jpg?versionId=1")}`,
      `/v1/redirect?url=${encodeURIComponent("https://scoped-bucket.s3.us-east-1.amazonaws.com/prefix/a.jpg")}&integration=${whole.id}`,
      `/v1/redirect?url=${encodeURIComponent("s3://unicode-bucket/cafe\u0301/a.jpg")}`,
      `/v1/redirect?url=${encodeURIComponent("s3://star-bucket/wXlYd$/a.jpg")}`,
    ];
    for (const path of mustRefuse) {
      const res = await call("targeted", path);
      await assertClientError(res, secretsOf(w), show(path));
    }
    // And these are inside (they must be served, with exactly this key).
    const mustServe: Array<[string, string, string]> = [
      [`/v1/assets/${p.id}/scoped-bucket/prefix/a.jpg`, "scoped-bucket", "prefix/a.jpg"],
      [`/v1/assets/${p.id}/scoped-bucket/prefix%2Fa.jpg`, "scoped-bucket", "prefix/a.jpg"],
      [`/v1/assets/${p.id}/scoped-bucket/%70refix/a.jpg`, "scoped-bucket", "prefix/a.jpg"],
      [`/v1/assets/${p.id}/scoped-bucket/prefix/%252F..%252Fsecret.txt`, "scoped-bucket", "prefix/%2F..%2Fsecret.txt"],
      [`/v1/assets/${p.id}/scoped-bucket/prefix/a/../b.jpg`, "scoped-bucket", "prefix/b.jpg"], // the request URL parser resolved it first
      [`/v1/assets/${p.id}/scoped-bucket/prefix/\uFF0E\uFF0E/secret.txt`, "scoped-bucket", "prefix/\uFF0E\uFF0E/secret.txt"],
      [`/v1/assets/${p.id}/scoped-bucket/prefix/a+b%20c`, "scoped-bucket", "prefix/a+b c"],
      [`/v1/assets/${uni.id}/unicode-bucket/caf%C3%A9/a.jpg`, "unicode-bucket", "caf\u00e9/a.jpg"],
      [`/v1/assets/${star.id}/star-bucket/w*l%3Fd$/a.jpg`, "star-bucket", "w*l?d$/a.jpg"],
      [`/v1/redirect?url=${encodeURIComponent("s3://scoped-bucket/prefix/%2e%2e/secret.txt")}`, "scoped-bucket", "prefix/%2e%2e/secret.txt"],
      [`/v1/redirect?url=${encodeURIComponent("https://dotted.scoped.bucket.s3.us-east-1.amazonaws.com/prefix/x%3Fy")}`, "dotted.scoped.bucket", "prefix/x?y"],
    ];
    for (const [path, bucket, key] of mustServe) {
      const res = await call("targeted", path);
      const r = await checkAnswer(res, show(path), { key });
      if (!r || r.bucket !== bucket) throw new Error(`${show(path)}: expected a 302 for s3://${bucket}/${key}, got ${res.status}`);
      await follow(r, show(path));
    }
  });

  it("followed 302s are served by the fake S3 with exactly the object the Location names", async () => {
    expect(redirects.length).toBeGreaterThan(100);
    for (const [r, what] of redirects) await follow(r, what);
  });
});

// ---------------------------------------------------------------------------------------
// Property 3: AWS enforces the scope too (the session policy)
// ---------------------------------------------------------------------------------------

function s3Path(key: string): string {
  return "/" + pathOf(key);
}

function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

/** A presigned GET built here, with @smithy/signature-v4, from the given credentials. */
async function presign(creds: IssuedCredentials, bucket: string, key: string): Promise<string> {
  const virtual = !bucket.includes(".");
  const hostname = virtual ? `${bucket}.s3.us-east-1.amazonaws.com` : "s3.us-east-1.amazonaws.com";
  const path = virtual ? s3Path(key) : `/${bucket}${s3Path(key)}`;
  const signer = new SignatureV4({
    service: "s3",
    region: "us-east-1",
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken },
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const request = new HttpRequest({
    method: "GET",
    protocol: "https:",
    hostname,
    path,
    query: {},
    headers: { host: hostname, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
  });
  const signed = await signer.presign(request, {
    expiresIn: 300,
    unsignableHeaders: new Set(["x-amz-content-sha256"]),
    unhoistableHeaders: new Set(["x-amz-content-sha256", "host"]),
  });
  const query = Object.entries(signed.query as Record<string, string>)
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
    .join("&");
  return `https://${hostname}${path}?${query}`;
}

/** A key the fake can store and a presigned URL can carry unchanged: no "." / ".." segments, 1..1024 bytes. */
function storable(k: string): boolean {
  return k.length > 0 && utf8Length(k) <= 1024 && !k.split("/").some((s) => s === "." || s === "..");
}

describe("AWS enforces the scope: the session policy signpost passes to AssumeRole", () => {
  /** The credentials signpost cached for `c`, looked up through a real 302 and w.fake.issued. */
  async function sessionCredentials(c: Config): Promise<IssuedCredentials> {
    const res = await call("session policy", `/v1/assets/${c.id}/${c.bucket}/${pathOf(c.prefix)}a.jpg`);
    const r = await checkAnswer(res, `${c.name}: credential probe`, { config: c });
    if (!r) throw new Error(`${c.name}: no 302 to read the credentials from`);
    const creds = issuedFor(objectNamedBy(r.location, c.name).accessKeyId, c.name);
    expect(creds.roleArn).toBe(c.roleArn);
    expect(creds.sessionPolicy, `${c.name}: AssumeRole was called without a session policy`).toBeDefined();
    return creds;
  }

  const anyKey = fc.oneof(fc.string({ unit: "binary", minLength: 1, maxLength: 20 }), fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 20 }));

  /** Near misses of the prefix plus arbitrary keys: all outside "{bucket}/{prefix}". */
  function outsideKeys(c: Config): fc.Arbitrary<{ bucket: string; key: string }> {
    const others = [OTHER_BUCKET, ...configs.filter((o) => o.bucket !== c.bucket).map((o) => o.bucket)];
    const inOther = fc.tuple(fc.constantFrom(...others), fc.oneof(anyKey, fc.constant(c.prefix + "a.jpg"))).map(([bucket, key]) => ({ bucket, key }));
    if (c.prefix === "") return inOther;
    const p = c.prefix;
    const noSlash = p.slice(0, -1);
    const near = [
      noSlash,
      noSlash + "-evil.txt",
      noSlash + "\\a.jpg",
      noSlash + "%2Fa.jpg",
      noSlash.toUpperCase() + "/a.jpg",
      p.normalize("NFD") + "a.jpg",
      "/" + p + "a.jpg",
      " " + p + "a.jpg",
      "x/" + p + "a.jpg",
      "secret.txt",
      // What a wildcard reading of the prefix would also match:
      p.replace(/[*?$]/g, "X") + "a.jpg",
      p.replace("*", "").replace("?", "Q") + "a.jpg",
    ];
    const sameBucket = fc
      .oneof(
        fc.constantFrom(...near),
        anyKey,
        fc.tuple(fc.constantFrom(...near), anyKey).map(([a, b]) => a + b),
      )
      .filter((k) => !startsWithBytes(k, p))
      .map((key) => ({ bucket: c.bucket, key }));
    return fc.oneof({ weight: 3, arbitrary: sameBucket }, { weight: 1, arbitrary: inOther });
  }

  it("the fake S3 answers 403 AccessDenied for every key outside the scope, and serves the control", async () => {
    let refused = 0;
    for (const [i, c] of configs.entries()) {
      const creds = await sessionCredentials(c);
      await fc.assert(
        fc.asyncProperty(
          outsideKeys(c).filter(({ key }) => storable(key)),
          anyKey.filter((k) => storable(c.prefix + "ctl/" + k)),
          async (out, ctl) => {
            const what = `${c.name}: s3://${out.bucket}/${show(out.key)}`;
            // The object exists (so a refusal is not a 404 in disguise).
            w.fake.putObject(out.bucket, out.key, "must not be served", "text/plain");
            const res = await fetch(await presign(creds, out.bucket, out.key));
            tally.add("session policy");
            const text = await res.text();
            if (res.status !== 403 || !text.includes("<Code>AccessDenied</Code>"))
              throw new Error(`${what}: expected 403 AccessDenied, got ${res.status} ${text.slice(0, 300)}`);
            if (text.includes("SignatureDoesNotMatch")) throw new Error(`${what}: the presigned URL itself is wrong`);
            refused++;
            // Control: the same credentials and signer, a key inside the scope → served.
            const inside = c.prefix + "ctl/" + ctl;
            w.fake.putObject(c.bucket, inside, `control ${inside}`, "text/plain");
            const ok = await fetch(await presign(creds, c.bucket, inside));
            tally.add("session policy");
            const okText = await ok.text();
            if (ok.status !== 200 || okText !== `control ${inside}`)
              throw new Error(`${c.name}: control s3://${c.bucket}/${show(inside)} → ${ok.status} ${okText.slice(0, 300)}`);
          },
        ),
        { seed: SEED + 10 + i, numRuns: 120, endOnFailure: true },
      );
    }
    expect(refused).toBe(120 * configs.length);
  });
});
