/**
 * Malformed input, thousands of requests, through the real Worker (in workerd) against the
 * fake AWS. For every single answer: never a 5xx; garbage is never a 2xx/3xx; every error
 * is exactly the SPEC's `{"error": {code, message, hint?, requestId}}` with a SPEC code
 * whose SPEC status is the HTTP status, `requestId === X-Request-Id`, JSON content type,
 * and no secret or stack trace in the body or any header (see contract.ts).
 *
 * Inputs that happen to be valid are not skipped but classified by an independent oracle
 * (decodeURIComponent, the SPEC's rules) and then checked for the right success instead.
 * fast-check runs use fixed seeds; a failure message names the exact request.
 *
 * Which assertion catches which regression:
 * - any handler that throws a non-ApiError on odd input (a `decodeURIComponent` without
 *   try, `JSON.parse` unguarded, `.trim()` on a number from a body…) → 500 → assertClientError
 *   ("expected a 4xx error");
 * - an error path that bypasses errorResponse (plain-text 404, HTML, Hono's default) →
 *   "content-type … not JSON" / "top-level keys";
 * - a new code, or a code thrown with the wrong status → "is not a SPEC code" / "is SPEC status";
 * - requestId generated twice (header and body differ) → "differs from X-Request-Id";
 * - `err.message`/`err.stack` or a config value echoed into a response → assertNoLeak;
 * - a validation that accepts a wrong JSON type (zod schema loosened, `typeof` check
 *   dropped) → the request succeeds → "expected a 4xx error", and the inventory check at
 *   the end (nothing was created) fails;
 * - the assets key decoder accepting invalid UTF-8 / overlong escapes, or refusing a valid
 *   key → the differential oracle in "percent-encoding" disagrees;
 * - the ALLOWED_IPS check failing open on an unparsable CF-Connecting-IP → a 302 where
 *   the oracle says "refuse" ("odd headers");
 * - admin or API auth accepting a wrong-case / truncated / Basic / doubled token, or the
 *   API token accepting the admin token → 2xx instead of 401 ("Authorization variants");
 * - the signed-link check comparing a prefix of the signature, or ignoring exp → a 302 for
 *   a truncated or mismatched sig ("ttl, response-content-* and signed-link parameters");
 * - the Access JWT check skipping the signature, audience, issuer, expiry or alg → a
 *   200 for a tampered or mis-addressed token ("Cf-Access-Jwt-Assertion");
 * - a non-strict zod schema (unknown fields silently dropped) → 2xx for junk keys, and the
 *   inventory test sees the extra integration/token.
 * Each of these was checked by running the suite against a copy of the Worker with the
 * regression applied. Not observable here: a stack in an internal_error message, because
 * no input produces a 500 at all (which the 4xx assertion would report first).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiToken, BASE, createRoleIntegration, newWorld, testEnv, type World } from "../support/harness";
import { assertClientError, assertHeadersClean, assertNoLeak, NO_RATE_LIMIT, nextIp, secretsOf, SPEC_STATUS, Tally } from "./contract";
import { objectNamedBy, startsWithBytes, utf8Length } from "./location";
import { accessCertsRoute } from "../support/access-certs";
import { installFakeFetch, type InstalledFetch } from "../support/fake-fetch";

const BUCKET = "media-bucket";
const PREFIX = "photos/";
const SEED = 20_241_117;
const tally = new Tally();

interface Req {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** undefined: a fresh client IP per request; null: no CF-Connecting-IP at all. */
  ip?: string | null;
}

function show(r: Req): string {
  const body = r.body === undefined ? "" : ` body=${JSON.stringify(typeof r.body === "string" ? r.body.slice(0, 160) : `<${r.body.length} bytes>`)}`;
  const headers = r.headers ? ` headers=${JSON.stringify(r.headers).slice(0, 200)}` : "";
  return `${r.method ?? "GET"} ${JSON.stringify(r.path.slice(0, 240))}${r.path.length > 240 ? `(+${r.path.length - 240} chars)` : ""}${headers}${body}`;
}

let w: World;

async function send(suite: string, r: Req, world: World = w): Promise<Response> {
  tally.add(suite);
  const res = await world.call(r.path, { method: r.method ?? "GET", headers: r.headers, body: r.body, ip: r.ip === undefined ? nextIp() : r.ip });
  if (res.status >= 500) throw new Error(`${show(r)}: answered ${res.status} ${(await res.text()).slice(0, 300)}`);
  assertHeadersClean(res, secretsOf(world), show(r)); // every answer, successes included
  return res;
}

/** The request must be refused with the SPEC error contract (optionally with one of `codes`). */
async function expectError(suite: string, r: Req, codes?: string[], world: World = w): Promise<void> {
  const res = await send(suite, r, world);
  const err = await assertClientError(res, secretsOf(world), show(r), r.method ?? "GET");
  if (codes && err && !codes.includes(err.code)) throw new Error(`${show(r)}: code ${err.code}, expected one of ${codes.join(", ")}`);
}

/** A success: status as given, no secret or stack anywhere. Returns the body text. */
async function expectOk(suite: string, r: Req, status: number, world: World = w): Promise<{ res: Response; text: string }> {
  const res = await send(suite, r, world);
  const text = await res.text();
  if (res.status !== status) throw new Error(`${show(r)}: expected ${status}, got ${res.status} ${text.slice(0, 300)}`);
  assertHeadersClean(res, secretsOf(world), show(r));
  assertNoLeak(text, secretsOf(world), "body", show(r));
  return { res, text };
}

/** A 302 for exactly `key` in BUCKET, within the scope, as a browser would read it. */
function expectRedirectTo(res: Response, key: string | null, what: string): void {
  if (res.status !== 302) throw new Error(`${what}: expected 302, got ${res.status}`);
  const named = objectNamedBy(res.headers.get("location") ?? "", what);
  if (named.bucket !== BUCKET) throw new Error(`${what}: signed bucket ${named.bucket}`);
  if (!startsWithBytes(named.key, PREFIX)) throw new Error(`${what}: signed key ${JSON.stringify(named.key)} outside ${PREFIX}`);
  if (key !== null && named.key !== key) throw new Error(`${what}: signed key ${JSON.stringify(named.key)}, requested ${JSON.stringify(key)}`);
}

const enc = encodeURIComponent;

/** Serialises entries as a JSON object text, keeping `__proto__` and duplicate keys as written. */
function objectText(entries: ReadonlyArray<readonly [string, unknown]>): string {
  return "{" + entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",") + "}";
}

function nested(depth: number, open = "[", close = "]", inner = ""): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

// ---------------------------------------------------------------------------------------
// Input pieces
// ---------------------------------------------------------------------------------------

/** Percent-escapes that are not one valid RFC 3986 escape of UTF-8 (a few are completed by what follows). */
const BAD_ESCAPES = [
  "%",
  "%G1",
  "%zz",
  "%%",
  "%2/",
  "%0G",
  "%-1",
  "%u0041",
  "% 41",
  "%C3",
  "%C3/",
  "%C3%28",
  "%E2%82/",
  "%F0%9F%98/", // truncated sequences
  "%C0%AF",
  "%C0%80",
  "%C1%BF",
  "%E0%80%AF",
  "%F0%80%80%AF", // overlong encodings
  "%ED%A0%80",
  "%ED%BF%BF", // UTF-16 surrogates
  "%FF",
  "%FE%FF",
  "%80",
  "%BF",
  "%F8%88%80%80%80",
  "%F4%90%80%80", // never valid / past U+10FFFF
] as const;

/** Dots, slashes and their spellings. */
/**
 * Raw "#" is left out of the differential /v1/assets property: workerd keeps the fragment in
 * Request.url and the Worker's rawPath() keeps it in the key ("a.jpg#f" signs "a.jpg%23f"),
 * while a browser never sends a fragment. scope-properties covers "#" (scope-only property).
 */
const DOTS = [
  ".",
  "..",
  "%2e",
  "%2E",
  "%2e%2e",
  "%2E%2e",
  ".%2e",
  "%2e.",
  "/",
  "//",
  "%2F",
  "%2f",
  "%5C",
  "%5c",
  "\\",
  "%252F",
  "%252e%252e",
  "?",
  "%3F",
  "%23",
  "\uFF0E",
  "\uFF0E\uFF0E",
  "\u2215",
  "\uFF0F",
  "%EF%BC%8E",
  "%E2%88%95",
] as const;

/** Ordinary and odd-but-legal key material. */
const FILLER = [
  "a",
  "x.jpg",
  "photos/",
  "secret.txt",
  "%00",
  "%0A",
  "%0D%0A",
  "%7F",
  "+",
  "%2B",
  " ",
  "%20",
  "é",
  "e\u0301",
  "%C3%A9",
  "%65%CC%81",
  "😀",
  "%F0%9F%98%80",
  "~",
  "%EF%BF%BD",
  "!'()*",
  "&=;,",
  ":@$",
  "\t",
  "\n",
  "\u0000",
  "\u00a0",
  "\u200b",
  "%E2%80%AE",
] as const;

const token = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...BAD_ESCAPES) },
  { weight: 3, arbitrary: fc.constantFrom(...DOTS) },
  { weight: 3, arbitrary: fc.constantFrom(...FILLER) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 6 }) },
);
const tokens = (max: number) => fc.array(token, { minLength: 0, maxLength: max }).map((t) => t.join(""));

// ---------------------------------------------------------------------------------------

let scopedId: string;
let signedId: string;
let apiSecret: string;

function admin(): Record<string, string> {
  return { authorization: `Bearer ${testEnv.ADMIN_TOKEN}` };
}
function adminJson(): Record<string, string> {
  return { ...admin(), "content-type": "application/json" };
}
function api(): Record<string, string> {
  return { authorization: `Bearer ${apiSecret}` };
}
function apiJson(): Record<string, string> {
  return { ...api(), "content-type": "application/json" };
}

afterAll(() => {
  console.log(tally.report("fuzz.test.ts"));
});

describe("fuzz: one world, integrations scoped to media-bucket/photos/", () => {
  beforeAll(async () => {
    w = await newWorld(NO_RATE_LIMIT);
    w.fake.addBucket({ name: BUCKET, region: "us-east-1", objects: { "photos/a.jpg": "A", "secret.txt": "S" } });
    w.fake.addBucket({ name: "other-bucket", region: "us-east-1", objects: { "x.txt": "X" } });
    ({ id: scopedId } = await createRoleIntegration(w, {
      name: "scoped",
      bucket: BUCKET,
      scopes: [`${BUCKET}/${PREFIX}`],
      fields: { writeScopes: [`${BUCKET}/exports/`] },
    }));
    ({ id: signedId } = await createRoleIntegration(w, {
      name: "signed",
      bucket: BUCKET,
      scopes: [`${BUCKET}/${PREFIX}`],
      fields: { requireSignedLinks: true },
    }));
    apiSecret = await apiToken(w);
  });
  afterAll(() => w.close());

  /**
   * Differential: what the Worker answers vs an independent reading of the SPEC
   * ("each segment is percent-decoded once (RFC 3986) and + is a literal plus"; keys with
   * `.`/`..` segments or over 1024 bytes are refused; the scope is a byte prefix).
   */
  function assetsOracle(path: string): { valid: true; key: string } | { valid: false } {
    const p = new URL(BASE + path).pathname; // what the Worker receives
    if (!p.startsWith("/v1/assets/")) return { valid: false };
    const rest = p.slice("/v1/assets/".length);
    const s1 = rest.indexOf("/");
    const s2 = s1 < 0 ? -1 : rest.indexOf("/", s1 + 1);
    if (s1 <= 0 || s2 < 0) return { valid: false };
    let integ: string, bucket: string, key: string;
    try {
      integ = decodeURIComponent(rest.slice(0, s1));
      bucket = decodeURIComponent(rest.slice(s1 + 1, s2));
      key = decodeURIComponent(rest.slice(s2 + 1));
    } catch {
      return { valid: false };
    }
    if (integ !== scopedId && integ !== "default") return { valid: false };
    if (bucket !== BUCKET) return { valid: false };
    if (key === "" || utf8Length(key) > 1024 || key.split("/").some((s) => s === "." || s === "..")) return { valid: false };
    return startsWithBytes(key, PREFIX) ? { valid: true, key } : { valid: false };
  }

  it("percent-encoding: bad escapes, overlong UTF-8, %00, dot spellings in every /v1/assets segment", async () => {
    const integ = fc.oneof(
      { weight: 5, arbitrary: fc.constant(scopedId) },
      { weight: 1, arbitrary: fc.constant("default") },
      { weight: 1, arbitrary: fc.constant(signedId) },
      { weight: 2, arbitrary: fc.constantFrom(...BAD_ESCAPES).map((e) => scopedId + e) },
      { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
    );
    const bucket = fc.oneof(
      { weight: 5, arbitrary: fc.constant(BUCKET) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          "other-bucket",
          "MEDIA-BUCKET",
          "media-bucket%2Fphotos",
          "media%2Dbucket",
          "%6Dedia-bucket",
          "media..bucket",
          "xn--media",
          "",
        ),
      },
      { weight: 2, arbitrary: fc.constantFrom(...BAD_ESCAPES).map((e) => BUCKET + e) },
      { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
    );
    const key = fc.tuple(fc.boolean(), tokens(10)).map(([inScope, t]) => (inScope ? PREFIX : "") + t);
    let valid = 0;
    await fc.assert(
      fc.asyncProperty(integ, bucket, key, fc.constantFrom("GET", "HEAD"), async (i, b, k, method) => {
        const path = `/v1/assets/${i}/${b}/${k}`;
        if (path.includes("#")) return; // see the note on DOTS
        const verdict = assetsOracle(path);
        const r: Req = { method, path };
        if (!verdict.valid) return expectError("percent-encoding", r);
        valid++;
        expectRedirectTo(await send("percent-encoding", r), verdict.key, show(r));
      }),
      { seed: SEED, numRuns: 1500, endOnFailure: true },
    );
    // The generator must mostly produce garbage, and still exercise the success path.
    expect(valid).toBeGreaterThan(20);
    expect(valid).toBeLessThan(700);
  });

  it("overlong keys, 100 KB paths, segments and queries", async () => {
    const big = "a".repeat(100 * 1024);
    const cases: Array<[string, Req, "error" | 302]> = [
      ["1025 ASCII bytes", { path: `/v1/assets/${scopedId}/${BUCKET}/${PREFIX}${"k".repeat(1025 - PREFIX.length)}` }, "error"],
      ["1024 ASCII bytes (valid)", { path: `/v1/assets/${scopedId}/${BUCKET}/${PREFIX}${"k".repeat(1024 - PREFIX.length)}` }, 302],
      ["1024 bytes, all escaped (valid)", { path: `/v1/assets/${scopedId}/${BUCKET}/${PREFIX}${"%41".repeat(1024 - PREFIX.length)}` }, 302],
      ["1025 bytes, all escaped", { path: `/v1/assets/${scopedId}/${BUCKET}/${PREFIX}${"%41".repeat(1025 - PREFIX.length)}` }, "error"],
      ["3-byte chars past 1024", { path: `/v1/assets/${scopedId}/${BUCKET}/${PREFIX}${"€".repeat(340)}` }, "error"],
      ["4-byte chars past 1024", { path: `/v1/assets/${scopedId}/${BUCKET}/${PREFIX}${"😀".repeat(255)}` }, "error"],
      ["2-byte chars past 1024 (escaped)", { path: `/v1/assets/${scopedId}/${BUCKET}/${PREFIX}${"%C3%A9".repeat(510)}` }, "error"],
      ["100 KB key", { path: `/v1/assets/${scopedId}/${BUCKET}/${PREFIX}${big}` }, "error"],
      ["100 KB of slashes", { path: `/v1/assets/${scopedId}/${BUCKET}/${PREFIX}${"/".repeat(100 * 1024)}` }, "error"],
      ["100 KB of %2F", { path: `/v1/assets/${scopedId}/${BUCKET}/${PREFIX}${"%2F".repeat(34 * 1024)}` }, "error"],
      ["100 KB of bad escapes", { path: `/v1/assets/${scopedId}/${BUCKET}/${PREFIX}${"%C0%AF".repeat(17 * 1024)}` }, "error"],
      ["100 KB integration", { path: `/v1/assets/${big}/${BUCKET}/${PREFIX}a` }, "error"],
      ["100 KB bucket", { path: `/v1/assets/${scopedId}/${big}/${PREFIX}a` }, "error"],
      ["100 KB ttl", { path: `/v1/assets/${scopedId}/${BUCKET}/${PREFIX}a.jpg?ttl=${"9".repeat(100 * 1024)}` }, "error"],
      ["100 KB response-content-type", { path: `/v1/assets/${scopedId}/${BUCKET}/${PREFIX}a.jpg?response-content-type=${big}` }, "error"],
      ["100 KB url=", { path: `/v1/redirect?url=${enc(`s3://${BUCKET}/${PREFIX}${big}`)}` }, "error"],
      ["100 KB https url=", { path: `/v1/redirect?url=${enc(`https://${BUCKET}.s3.us-east-1.amazonaws.com/${PREFIX}${big}`)}` }, "error"],
      ["100 KB integration=", { path: `/v1/redirect?url=${enc(`s3://${BUCKET}/${PREFIX}a`)}&integration=${big}` }, "error"],
      ["100 KB objects prefix", { path: `/v1/integrations/${scopedId}/objects?prefix=${PREFIX}${big}`, headers: api() }, "error"],
      ["100 KB objects cursor", { path: `/v1/integrations/${scopedId}/objects?cursor=${big}`, headers: api() }, "error"],
      ["100 KB unknown route", { path: `/v1/${big}` }, "error"],
      ["100 KB admin id", { path: `/admin/api/integrations/${big}`, headers: admin() }, "error"],
      ["100 KB token id", { method: "DELETE", path: `/admin/api/tokens/${big}`, headers: admin() }, "error"],
      [
        "100 KB uploads key",
        {
          method: "POST",
          path: "/v1/uploads",
          headers: apiJson(),
          body: JSON.stringify({ integration: scopedId, key: "exports/" + big, contentType: "text/csv" }),
        },
        "error",
      ],
      ["100 KB sign url", { method: "POST", path: "/v1/sign", headers: apiJson(), body: JSON.stringify({ urls: ["x"], integration: big }) }, "error"],
      [
        "100 KB validate sampleKey",
        { method: "POST", path: `/admin/api/integrations/${scopedId}/validate`, headers: adminJson(), body: JSON.stringify({ sampleKey: big }) },
        "error",
      ],
    ];
    for (const [name, r, want] of cases) {
      if (want === "error") await expectError("overlong", r).catch((e: Error) => Promise.reject(new Error(`${name}: ${e.message}`)));
      else expectRedirectTo(await send("overlong", r), null, name);
    }
  });

  it("/v1/redirect?url=: garbage URLs in every form, raw and encoded", async () => {
    const scheme = fc.constantFrom(
      "https://",
      "http://",
      "s3://",
      "S3://",
      "HTTPS://",
      "ftp://",
      "https:/",
      "https:",
      "//",
      "",
      " https://",
      "\u0000https://",
      "https:\\\\",
      "javascript:",
      "s3:/",
      "s3:///",
      "data:,",
    );
    const host = fc.oneof(
      fc.constantFrom(
        `${BUCKET}.s3.us-east-1.amazonaws.com`,
        `${BUCKET}.s3.amazonaws.com`,
        `${BUCKET}.s3-us-east-1.amazonaws.com`,
        `s3.us-east-1.amazonaws.com/${BUCKET}`,
        `s3.amazonaws.com/${BUCKET}`,
        BUCKET,
        `other-bucket.s3.us-east-1.amazonaws.com`,
        `${BUCKET}.s3.us-east-1.amazonaws.com.evil.test`,
        "evil.test",
        `user:pw@${BUCKET}.s3.amazonaws.com`,
        `${BUCKET}.s3.us-east-1.amazonaws.com:8443`,
        `${BUCKET.toUpperCase()}.S3.US-EAST-1.AMAZONAWS.COM`,
        "169.254.169.254",
        "[::1]",
        "127.0.0.1:9000/" + BUCKET,
        "xn--e1a.s3.amazonaws.com",
        `${BUCKET}.s3.no-such-9.amazonaws.com`,
        `%6Dedia-bucket.s3.amazonaws.com`,
        `${BUCKET}.s3.cn-north-1.amazonaws.com.cn`,
        `${BUCKET}%2Es3.amazonaws.com`,
        `${BUCKET}.s3.amazonaws.com%2F..`,
        "s3.amazonaws.com",
        "",
        `${BUCKET}.s3.us-east-1.amazonaws.com\\@evil.test`,
      ),
      fc.string({ unit: "binary", maxLength: 20 }),
    );
    const tail = fc.constantFrom("", "?versionId=1", "?X-Amz-Signature=x", "?x-id=GetObject", "?x-id=PutObject", "#frag", "?a&b", "?%", "?&&", "#?versionId=1");
    const url = fc.tuple(scheme, host, fc.constantFrom("/", "/" + PREFIX, "", "//"), tokens(8), tail).map((p) => p.join(""));
    const extra = fc.constantFrom(
      "",
      `&integration=${scopedId}`,
      `&integration=${signedId}`,
      "&integration=nope",
      "&integration=%ZZ",
      "&integration=",
      "&ttl=0",
      "&ttl=x",
      "&url=s3://media-bucket/photos/a.jpg",
    );
    let redirects = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(url, fc.string({ unit: "binary", maxLength: 40 })), fc.boolean(), extra, async (u, raw, x) => {
        const r: Req = { path: `/v1/redirect?url=${raw ? u : enc(u)}${x}` };
        const res = await send("redirect url=", r);
        // Only an object inside the scope may ever be signed; anything else is a contract 4xx.
        if (res.status === 302) {
          redirects++;
          expectRedirectTo(res, null, show(r));
          return;
        }
        await assertClientError(res, secretsOf(w), show(r));
      }),
      { seed: SEED + 1, numRuns: 1000, endOnFailure: true },
    );
    expect(redirects).toBeLessThan(300);
  });

  it("ttl, response-content-* and signed-link parameters", async () => {
    const good = `/v1/assets/${scopedId}/${BUCKET}/${PREFIX}a.jpg`;
    // ttl: SPEC "non-integer or < 1 is 400 invalid_request"; valid ones are capped, not refused.
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 12 }),
          fc.constantFrom("0", "-1", "1.5", "1e3", "0x10", " 5", "5 ", "+5", "٣", "１", "Infinity", "NaN", "", "00", "1000000000", "9".repeat(40)),
          fc.integer().map(String),
        ),
        async (ttl) => {
          const r: Req = { path: `${good}?ttl=${enc(ttl)}` };
          const valid = /^[0-9]+$/.test(ttl) && Number(ttl) >= 1 && ttl.length <= 9;
          if (!valid) return expectError("query params", r, ["invalid_request"]);
          expectRedirectTo(await send("query params", r), PREFIX + "a.jpg", show(r));
        },
      ),
      { seed: SEED + 2, numRuns: 150, endOnFailure: true },
    );
    // Header-injection material in the signed response overrides: control characters, or too long.
    const ctl = fc
      .tuple(fc.string({ maxLength: 8 }), fc.constantFrom("\r\n", "\n", "\r", "\u0000", "\t", "\u007f", "\u001b"), fc.string({ maxLength: 8 }))
      .map((p) => p.join(""));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(ctl, fc.constant("x".repeat(1025))),
        fc.constantFrom("response-content-type", "response-content-disposition"),
        async (v, name) => {
          await expectError("query params", { path: `${good}?${name}=${enc(v)}` }, ["invalid_request"]);
        },
      ),
      { seed: SEED + 3, numRuns: 80, endOnFailure: true },
    );
    // Signed links: garbage exp/sig, a signature for another path, an expired link.
    const hmac = async (path: string, exp: string) => {
      const k = await crypto.subtle.importKey("raw", new TextEncoder().encode(testEnv.LINK_SIGNING_KEY!), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      const sig = await crypto.subtle.sign("HMAC", k, new TextEncoder().encode(`GET\n${path}\n${exp}`));
      return [...new Uint8Array(sig)].map((b) => b.toString(16).padStart(2, "0")).join("");
    };
    const signedPath = `/v1/assets/${signedId}/${BUCKET}/${PREFIX}a.jpg`;
    const future = String(Math.floor(Date.now() / 1000) + 600);
    const fixed: string[] = [
      "",
      `?exp=${future}`,
      `?sig=${"0".repeat(64)}`,
      `?exp=${future}&sig=${await hmac(`/v1/assets/${signedId}/${BUCKET}/${PREFIX}b.jpg`, future)}`,
      `?exp=1&sig=${await hmac(signedPath, "1")}`,
      `?exp=${future}&sig=${(await hmac(signedPath, future)).toUpperCase()}`,
      // Truncated signatures: a prefix comparison would accept these.
      `?exp=${future}&sig=${(await hmac(signedPath, future)).slice(0, 63)}`,
      `?exp=${future}&sig=${(await hmac(signedPath, future)).slice(0, 32)}`,
      `?exp=${future}&sig=${(await hmac(signedPath, future)).slice(0, 1)}`,
      `?exp=${future}&sig=${await hmac(signedPath, future)}0`,
      `?exp=${future}0&sig=${await hmac(signedPath, future)}`,
      `?exp=${future}&exp=1&sig=${await hmac(signedPath, "1")}`,
      `?exp=-1&sig=${await hmac(signedPath, "-1")}`,
      `?exp=${future}.0&sig=${await hmac(signedPath, future + ".0")}`,
      `?exp=${"9".repeat(13)}&sig=${await hmac(signedPath, "9".repeat(13))}`,
    ];
    for (const q of fixed) await expectError("query params", { path: signedPath + q }, ["invalid_link_signature", "link_expired"]);
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", maxLength: 16 }), fc.string({ unit: "binary", maxLength: 70 }), async (exp, sig) => {
        await expectError("query params", { path: `${signedPath}?exp=${enc(exp)}&sig=${enc(sig)}` }, ["invalid_link_signature", "link_expired"]);
      }),
      { seed: SEED + 4, numRuns: 80, endOnFailure: true },
    );
    // /v1/redirect never serves an integration that requires signed links.
    await expectError("query params", { path: `/v1/redirect?url=${enc(`s3://${BUCKET}/${PREFIX}a.jpg`)}&integration=${signedId}` }, ["invalid_link_signature"]);
  });

  it("GET /v1/integrations/{id}/objects: garbage prefix, cursor, limit", async () => {
    const prefix = fc.oneof(
      fc.constantFrom(
        "",
        "p",
        "photos",
        PREFIX,
        PREFIX + "a",
        "other/",
        "../",
        "photos/../",
        "%2e%2e",
        "PHOTOS/",
        "photos\\",
        "ph%6Ftos/",
        "photos%2F",
        "secret.txt",
      ),
      fc.string({ unit: "binary", maxLength: 12 }),
      fc.string({ unit: "binary", maxLength: 12 }).map((x) => PREFIX + x),
    );
    const limit = fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom(undefined, "1", "1000") },
      { weight: 2, arbitrary: fc.constantFrom("1001", "0", "-1", "1.5", "1e3", "", " 5", "0010", "99999", "0x10", "١٠") },
      { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
    );
    const cursor = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(undefined, "") },
      { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
      { weight: 1, arbitrary: fc.constantFrom("x".repeat(3000), btoa("{}"), btoa('{"key":1}'), "=", "%") },
    );
    let ok = 0;
    await fc.assert(
      fc.asyncProperty(prefix, limit, cursor, async (p, l, c) => {
        const q = [`prefix=${enc(p)}`, l === undefined ? "" : `limit=${enc(l)}`, c === undefined ? "" : `cursor=${enc(c)}`].filter(Boolean).join("&");
        const r: Req = { path: `/v1/integrations/${scopedId}/objects?${q}`, headers: api() };
        const limitOk = l === undefined || (/^\d{1,4}$/.test(l) && Number(l) >= 1 && Number(l) <= 1000);
        // SPEC: prefix relative to the bucket, must stay inside the scope (a shorter prefix of the scope is narrowed to it).
        const prefixOk = p === "" || PREFIX.startsWith(p) || p.startsWith(PREFIX);
        // Any non-empty cursor not issued by S3 is refused by S3 (the fake, like S3, answers InvalidArgument).
        const cursorOk = c === undefined || c === "";
        if (!(limitOk && prefixOk && cursorOk)) return expectError("objects query", r);
        ok++;
        const { text } = await expectOk("objects query", r, 200);
        const body = JSON.parse(text) as { objects: Array<{ key: string }> };
        for (const o of body.objects) if (!o.key.startsWith(PREFIX)) throw new Error(`${show(r)}: listed ${o.key}`);
      }),
      { seed: SEED + 5, numRuns: 200, endOnFailure: true },
    );
    expect(ok).toBeGreaterThan(3);
    await expectError("objects query", { path: `/v1/integrations/nope/objects`, headers: api() }, ["integration_not_found"]);
    await expectError("objects query", { path: `/v1/integrations/%ZZ/objects`, headers: api() });
    await expectError("objects query", { path: `/v1/integrations/${"%C0%AF"}/objects`, headers: api() });
  });

  // ------------------------------------------------------------------------------------
  // Authorization
  // ------------------------------------------------------------------------------------

  const flipCase = (s: string) => s.replace(/[a-z]/, (c) => c.toUpperCase());

  function badAuthorizations(secret: string): string[] {
    return [
      "",
      "Bearer",
      "Bearer ",
      "Bearer  x",
      "Bearer\tx",
      `bearer ${flipCase(secret)}`,
      `Bearer ${secret.toUpperCase()}`,
      `BEARER ${secret.toUpperCase()}`,
      `Bearer ${secret}x`,
      `Bearer x${secret}`,
      `Bearer ${secret.slice(0, -1)}`,
      `Bearer ${secret.slice(0, 16)}`,
      `Bearer ${secret} ${secret}`,
      `Bearer ${secret},Bearer ${secret}`,
      `Bearer "${secret}"`,
      `Bearer=${secret}`,
      `Bearer:${secret}`,
      `Basic ${btoa(`admin:${secret}`)}`,
      `Basic ${btoa(`${secret}:`)}`,
      `Basic ${btoa(secret)}`,
      `Token ${secret}`,
      secret,
      `Bearer ${btoa(secret)}`,
      `Bearer %${secret.charCodeAt(0).toString(16).toUpperCase()}${secret.slice(1)}`,
      `Bearer é${secret}`,
      `Bearer ${secret}é`,
      "Bearer 日本語",
      `Bearer ${"\u00ff".repeat(40)}`,
      `Bearer ${"a".repeat(100 * 1024)}`,
      "Digest username=admin",
      "AWS4-HMAC-SHA256 Credential=x",
    ];
  }

  it("Authorization variants on every admin route and every API route: 401, never served", async () => {
    const adminRoutes: Array<[string, string, string?]> = [
      ["GET", "/admin/api/integrations"],
      ["POST", "/admin/api/integrations", JSON.stringify({ name: "x", region: "us-east-1" })],
      ["POST", "/admin/api/integrations", JSON.stringify({ name: "x", region: "us-east-1", dryRun: true })],
      ["GET", `/admin/api/integrations/${scopedId}`],
      ["PATCH", `/admin/api/integrations/${scopedId}`, JSON.stringify({ name: "pwned" })],
      ["DELETE", "/admin/api/integrations/int_missing"],
      ["POST", `/admin/api/integrations/${scopedId}/validate`, "{}"],
      ["POST", `/admin/api/integrations/${scopedId}/rotate-external-id`],
      ["POST", `/admin/api/integrations/${signedId}/default`],
      ["GET", "/admin/api/tokens"],
      ["POST", "/admin/api/tokens", JSON.stringify({ name: "pwned" })],
      ["DELETE", "/admin/api/tokens/tok_missing"],
      ["GET", "/admin/api/principal"],
      ["GET", "/admin/api/audit"],
    ];
    const apiRoutes: Array<[string, string, string?]> = [
      ["POST", "/v1/sign", JSON.stringify({ urls: [`s3://${BUCKET}/${PREFIX}a.jpg`] })],
      ["POST", "/v1/uploads", JSON.stringify({ integration: scopedId, key: "exports/a.csv", contentType: "text/csv" })],
      ["GET", `/v1/integrations/${scopedId}/objects`],
    ];
    const run = async (routes: Array<[string, string, string?]>, auths: string[], extra: Record<string, string> = {}) => {
      for (const [method, path, body] of routes) {
        for (const a of auths) {
          const headers: Record<string, string> = {
            ...extra,
            ...(a === "" ? {} : { authorization: a }),
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          };
          await expectError("authorization", { method, path, headers, body }, ["unauthorized"]);
        }
      }
    };
    await run(adminRoutes, badAuthorizations(testEnv.ADMIN_TOKEN!));
    // The API token is not an admin credential, and a forged session cookie is no session.
    await run(adminRoutes, [`Bearer ${apiSecret}`]);
    await run(adminRoutes, [""], { cookie: "signpost_session=v1.99999999999999.00.00" });
    await run(adminRoutes, [""], { cookie: `signpost_session=${testEnv.ADMIN_TOKEN}` });
    await run(adminRoutes, [""], { "cf-access-jwt-assertion": "e30.e30.x" });
    await run(apiRoutes, badAuthorizations(apiSecret));
    // The admin token is not an API token.
    await run(apiRoutes, [`Bearer ${testEnv.ADMIN_TOKEN}`]);

    // Arbitrary one-character edits of the admin token (fast-check): never accepted.
    const secret = testEnv.ADMIN_TOKEN!;
    const edit = fc
      .tuple(
        fc.nat({ max: secret.length }),
        fc.constantFrom("insert", "delete", "replace"),
        fc.string({ unit: fc.constantFrom(..."aZ09-_~!é€ \u00a0"), minLength: 1, maxLength: 1 }),
      )
      .map(([at, op, ch]) =>
        op === "insert"
          ? secret.slice(0, at) + ch + secret.slice(at)
          : op === "delete"
            ? secret.slice(0, at) + secret.slice(at + 1)
            : secret.slice(0, at) + ch + secret.slice(at + 1),
      )
      .filter((s) => s.trim() !== secret && s.replace(/^[\s\u00a0]+|[\s\u00a0]+$/g, "") !== secret);
    await fc.assert(
      fc.asyncProperty(edit, fc.constantFrom(...adminRoutes), async (bad, [method, path, body]) => {
        const headers: Record<string, string> = { authorization: `Bearer ${bad}`, ...(body === undefined ? {} : { "content-type": "application/json" }) };
        await expectError("authorization", { method, path, headers, body }, ["unauthorized"]);
      }),
      { seed: SEED + 6, numRuns: 200, endOnFailure: true },
    );

    // Nothing above changed anything.
    const list = JSON.parse((await expectOk("authorization", { path: "/admin/api/integrations", headers: admin() }, 200)).text) as {
      integrations: Array<{ name: string }>;
    };
    expect(list.integrations.map((i) => i.name).sort()).toEqual(["scoped", "signed"]);
    const tokens = JSON.parse((await expectOk("authorization", { path: "/admin/api/tokens", headers: admin() }, 200)).text) as { tokens: unknown[] };
    expect(tokens.tokens).toHaveLength(1);
  });

  // ------------------------------------------------------------------------------------
  // Methods and routes
  // ------------------------------------------------------------------------------------

  it("weird methods on every route, and unknown routes", async () => {
    const table: Array<[string, string[]]> = [
      [`/v1/assets/${scopedId}/${BUCKET}/${PREFIX}a.jpg`, ["POST", "PUT", "DELETE", "PATCH", "patch", "PROPFIND", "MKCOL", "TRACE", "QUERY"]],
      [`/v1/redirect?url=${enc(`s3://${BUCKET}/${PREFIX}a.jpg`)}`, ["POST", "PUT", "DELETE", "PATCH", "LOCK"]],
      ["/v1/sign", ["GET", "HEAD", "PUT", "DELETE", "PATCH"]],
      ["/v1/uploads", ["GET", "HEAD", "PUT", "DELETE", "PATCH"]],
      [`/v1/integrations/${scopedId}/objects`, ["POST", "PUT", "DELETE", "PATCH"]],
      [`/v1/integrations/${scopedId}`, ["GET", "POST", "DELETE"]],
      ["/v1/integrations", ["GET", "POST"]],
      ["/admin/api/integrations", ["PUT", "DELETE", "PATCH", "OPTIONS"]],
      [`/admin/api/integrations/${scopedId}`, ["POST", "PUT", "OPTIONS", "patch"]],
      [`/admin/api/integrations/${scopedId}/validate`, ["GET", "HEAD", "PUT", "DELETE", "PATCH"]],
      [`/admin/api/integrations/${scopedId}/rotate-external-id`, ["GET", "HEAD", "PUT", "DELETE"]],
      [`/admin/api/integrations/${scopedId}/default`, ["GET", "PUT", "DELETE"]],
      [`/admin/api/integrations/${scopedId}/nope`, ["GET", "POST"]],
      ["/admin/api/tokens", ["PUT", "PATCH", "DELETE"]],
      ["/admin/api/tokens/tok_x", ["GET", "POST", "PATCH", "PUT"]],
      ["/admin/api/principal", ["POST", "PUT", "DELETE", "PATCH"]],
      ["/admin/api/audit", ["POST", "PUT", "DELETE"]],
      ["/admin", ["PUT", "DELETE", "PATCH", "POST"]],
      ["/admin/login", ["GET", "PUT", "DELETE"]],
      ["/admin/logout", ["GET", "PUT"]],
      ["/admin/api", ["GET", "POST"]],
      ["/admin/api/", ["GET", "POST"]],
      ["/admin/api/nope", ["GET", "POST"]],
      ["/", ["GET", "HEAD", "POST", "PUT", "DELETE"]],
      ["/v1", ["GET", "POST"]],
      ["/v1/", ["GET", "POST"]],
      ["/v1/assets", ["GET"]],
      ["/v1/assets/", ["GET"]],
      [`/v1/assets/${scopedId}`, ["GET"]],
      [`/v1/assets/${scopedId}/`, ["GET"]],
      [`/v1/assets/${scopedId}/${BUCKET}`, ["GET"]],
      [`/v1/assets/${scopedId}/${BUCKET}/`, ["GET", "HEAD"]],
      [`/v1/assets//${BUCKET}/a`, ["GET"]],
      ["/v2/anything", ["GET", "POST"]],
      ["/favicon.ico", ["GET"]],
      ["/robots.txt", ["GET"]],
      ["/.env", ["GET"]],
      ["/wrangler.toml", ["GET"]],
    ];
    for (const [path, methods] of table) {
      for (const method of methods) {
        const body = method === "GET" || method === "HEAD" ? undefined : JSON.stringify({ name: "x", urls: ["s3://media-bucket/photos/a.jpg"] });
        const headers = path.startsWith("/admin") ? adminJson() : apiJson();
        await expectError("methods", { method, path, headers, body });
      }
    }
  });

  // ------------------------------------------------------------------------------------
  // JSON bodies
  // ------------------------------------------------------------------------------------

  type JsonType = "null" | "number" | "string" | "boolean" | "array" | "object";
  const jsonType = (v: unknown): JsonType => (v === null ? "null" : Array.isArray(v) ? "array" : (typeof v as JsonType));

  interface Field {
    name: string;
    accepts: JsonType[];
    /** "" is a refused value for this string field. */
    emptyInvalid?: boolean;
    /** Array elements must be strings with rules (bad element values are refused). */
    strictElements?: boolean;
  }
  interface BodyRoute {
    name: string;
    method: string;
    path: () => string;
    headers: () => Record<string, string>;
    base: () => Record<string, unknown>;
    fields: Field[];
  }

  const S = (name: string, emptyInvalid = true, nullable = false): Field => ({ name, accepts: nullable ? ["string", "null"] : ["string"], emptyInvalid });
  const A = (name: string): Field => ({ name, accepts: ["array"], strictElements: true });
  const integrationFields = (create: boolean): Field[] => [
    S("name"),
    S("roleArn", false, true),
    S("accessKeyId", true, true),
    S("secretAccessKey", true, true),
    S("region"),
    S("endpoint", false, true),
    A("scopes"),
    A("ipAllowlist"),
    { name: "urlTtlSeconds", accepts: ["number"] },
    { name: "sessionDurationSeconds", accepts: ["number"] },
    A("writeScopes"),
    { name: "requireSignedLinks", accepts: ["boolean"] },
    S("serviceAccountEmail", true, true),
    S("tenantId", true, true),
    S("accountName", true, true),
    A("containers"),
    ...(create ? [S("provider"), { name: "dryRun", accepts: ["boolean"] as JsonType[] }, S("sampleKey")] : []),
  ];

  const routes = (): BodyRoute[] => [
    {
      name: "create integration",
      method: "POST",
      path: () => "/admin/api/integrations",
      headers: adminJson,
      base: () => ({ name: "fuzz", region: "us-east-1", scopes: [`${BUCKET}/${PREFIX}`] }),
      fields: integrationFields(true),
    },
    {
      name: "patch integration",
      method: "PATCH",
      path: () => `/admin/api/integrations/${scopedId}`,
      headers: adminJson,
      base: () => ({}),
      fields: integrationFields(false),
    },
    {
      name: "validate",
      method: "POST",
      path: () => `/admin/api/integrations/${scopedId}/validate`,
      headers: adminJson,
      base: () => ({}),
      fields: [S("sampleKey")],
    },
    {
      name: "create token",
      method: "POST",
      path: () => "/admin/api/tokens",
      headers: adminJson,
      base: () => ({ name: "fuzz" }),
      fields: [S("name"), A("integrations")],
    },
    {
      name: "sign",
      method: "POST",
      path: () => "/v1/sign",
      headers: apiJson,
      base: () => ({ urls: [`s3://${BUCKET}/${PREFIX}a.jpg`] }),
      fields: [
        { name: "urls", accepts: ["array"] },
        { name: "integration", accepts: ["string"] },
        { name: "ttl", accepts: ["number", "string"], emptyInvalid: true },
      ],
    },
    {
      name: "uploads",
      method: "POST",
      path: () => "/v1/uploads",
      headers: apiJson,
      base: () => ({ integration: scopedId, key: "exports/a.csv", contentType: "text/csv" }),
      fields: [S("integration"), S("key"), S("contentType")],
    },
  ];

  const proto = JSON.parse('{"__proto__": {"polluted": true, "isAdmin": true}}') as unknown;
  const ctor = JSON.parse('{"constructor": {"prototype": {"polluted": true}}}') as unknown;
  const deepArray = JSON.parse(nested(2000)) as unknown;
  const deepObject = JSON.parse(nested(2000, '{"a":', "}", "1")) as unknown;
  const TYPED: unknown[] = [null, 0, 42, -1.5, 1e308, true, false, "", "x", [], ["x"], {}, { a: 1 }, proto, ctor, deepArray, deepObject, [null, 1]];

  function badValues(f: Field): unknown[] {
    const out = TYPED.filter((v) => !f.accepts.includes(jsonType(v)));
    if (f.accepts.includes("string")) {
      out.push("x".repeat(100_000));
      if (f.emptyInvalid) out.push("");
    }
    if (f.accepts.includes("number")) out.push(-1, 0, 1.5, 1e308, -0.5);
    if (f.strictElements) out.push([null], [1], [true], [{}], [[]], ["x".repeat(5000)], new Array(1001).fill(BUCKET), [proto]);
    if (f.name === "urls") out.push([], new Array(1001).fill(`s3://${BUCKET}/${PREFIX}a.jpg`));
    return out;
  }

  it("wrong JSON types for every field of every JSON body route", async () => {
    for (const route of routes()) {
      for (const f of route.fields) {
        for (const bad of badValues(f)) {
          const entries = Object.entries(route.base()).filter(([k]) => k !== f.name);
          entries.push([f.name, bad]);
          await expectError("json types", { method: route.method, path: route.path(), headers: route.headers(), body: objectText(entries) }, [
            "invalid_request",
            "invalid_key",
            "integration_not_found",
          ]);
        }
      }
      // Unknown, owned and prototype-polluting keys.
      const junkKeys = [
        "__proto__",
        "constructor",
        "prototype",
        "toString",
        "hasOwnProperty",
        "valueOf",
        "",
        " name",
        "Name",
        "NAME",
        "id",
        "externalId",
        "status",
        "isDefault",
        "createdAt",
        "lastUsedAt",
        "token",
        "admin",
      ];
      if (route.name !== "create integration") junkKeys.push("provider", "dryRun");
      for (const k of junkKeys) {
        for (const v of ["x", { polluted: true }, null, true]) {
          const entries: Array<[string, unknown]> = [...Object.entries(route.base()), [k, v]];
          await expectError("json types", { method: route.method, path: route.path(), headers: route.headers(), body: objectText(entries) }, [
            "invalid_request",
          ]);
        }
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it("non-JSON bodies, wrong content types, empty bodies, deeply nested JSON", async () => {
    const bodies: Array<[string, string | Uint8Array]> = [
      ["text", "not json"],
      ["open brace", "{"],
      ["open array", "[1,2"],
      ["single quotes", "{'name':'x'}"],
      ["trailing comma", '{"name":"x",}'],
      // A leading BOM is stripped by Request.text(); the object after it must still be refused.
      ["BOM", '\uFEFF{"nope":1}'],
      ["two values", '{"name":"x"}{"name":"y"}'],
      ["NaN", "NaN"],
      ["null", "null"],
      ["array", "[]"],
      ["number", "1"],
      ["string", '"s"'],
      ["true", "true"],
      ["NUL", "\u0000"],
      ["lone surrogate key", '{"\\uD800":1}'],
      ["invalid UTF-8 bytes", new Uint8Array([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d])],
      ["300 KB", JSON.stringify({ name: "x".repeat(300 * 1024) })],
      ["deep arrays", nested(100_000)],
      ["deep objects", nested(40_000, '{"a":', "}", "1")],
      ["deep in a field", `{"name":${nested(100_000)}}`],
      ["deep urls element", `{"urls":[${nested(100_000)}]}`],
    ];
    const types = [
      "application/json",
      "APPLICATION/JSON; charset=utf-8",
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/jsonx",
      "text/json",
      undefined,
    ];
    for (const route of routes()) {
      for (const [name, body] of bodies) {
        for (const type of types) {
          const headers = { ...route.headers() };
          if (type === undefined) delete headers["content-type"];
          else headers["content-type"] = type;
          const r: Req = {
            method: route.method,
            path: route.path(),
            headers,
            body: typeof body === "string" && type === undefined ? new TextEncoder().encode(body) : body,
          };
          // Classified: "deep urls element" is a JSON object with an array of junk URLs → a 200 of per-URL errors.
          if (route.name === "sign" && name === "deep urls element" && type !== undefined && /json\b/i.test(type) && !/jsonx|text\/json/.test(type)) {
            const { text } = await expectOk("bodies", r, 200);
            const results = (JSON.parse(text) as { results: Array<{ error?: { code: string } }> }).results;
            expect(results).toHaveLength(1);
            expect(results[0]!.error?.code).toBe("invalid_url");
            continue;
          }
          // Classified: /validate without a Content-Type runs with no sample key (the body is not read).
          if (route.name === "validate" && type === undefined) {
            await expectOk("bodies", r, 200);
            continue;
          }
          await expectError("bodies", r, ["invalid_request", "invalid_key"]);
        }
      }
      // Empty and whitespace bodies are `{}` (SPEC routes that accept an empty object answer 200).
      for (const body of ["", "  \n\t "]) {
        const r: Req = { method: route.method, path: route.path(), headers: route.headers(), body };
        if (route.name === "patch integration" || route.name === "validate") await expectOk("bodies", r, 200);
        else await expectError("bodies", r, ["invalid_request", "invalid_key"]);
      }
    }
  });

  it("arbitrary JSON objects with at least one unknown key or wrongly typed field (fast-check)", async () => {
    for (const [i, route] of routes().entries()) {
      const known = new Map(route.fields.map((f) => [f.name, f]));
      const key = fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...known.keys()) },
        { weight: 1, arbitrary: fc.constantFrom("__proto__", "constructor", "prototype", "id", "status", "", "NAME") },
        { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
      );
      const entries = fc.array(fc.tuple(key, fc.jsonValue({ maxDepth: 3 })), { minLength: 1, maxLength: 6 });
      // JSON.parse keeps the last of duplicate keys.
      const definitelyInvalid = (es: Array<[string, unknown]>) => {
        const last = new Map(es);
        for (const [k, v] of last) {
          const f = known.get(k);
          if (!f || !f.accepts.includes(jsonType(v))) return true;
        }
        return false;
      };
      await fc.assert(
        fc.asyncProperty(entries.filter(definitelyInvalid), async (es) => {
          await expectError("arbitrary json", { method: route.method, path: route.path(), headers: route.headers(), body: objectText(es) }, [
            "invalid_request",
            "invalid_key",
            "integration_not_found",
          ]);
        }),
        { seed: SEED + 10 + i, numRuns: 200, endOnFailure: true },
      );
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("/v1/sign with junk entries in urls: 200, and every entry a SPEC error {code, message}", async () => {
    const junk: unknown[] = [
      1,
      null,
      {},
      [],
      true,
      "",
      "garbage",
      "s3://",
      "s3:///x",
      "https://evil.test/x",
      `s3://other-bucket/x`,
      `s3://${BUCKET}/secret.txt`,
      `s3://${BUCKET}/${PREFIX}..`,
      `https://${BUCKET}.s3.amazonaws.com/${PREFIX}%2e%2e/x`,
      `https://${BUCKET}.s3.amazonaws.com/${PREFIX}%C0%AF`,
      proto,
      "x".repeat(20_000),
    ];
    const { text } = await expectOk("sign entries", { method: "POST", path: "/v1/sign", headers: apiJson(), body: JSON.stringify({ urls: junk }) }, 200);
    const results = (JSON.parse(text) as { results: Array<Record<string, unknown>> }).results;
    expect(results).toHaveLength(junk.length);
    results.forEach((r, i) => {
      expect(Object.keys(r).sort(), `entry ${i}`).toEqual(["error", "url"]);
      const e = r.error as Record<string, unknown>;
      expect(Object.keys(e).sort(), `entry ${i}`).toEqual(["code", "message"]);
      expect(SPEC_STATUS[e.code as string], `entry ${i}: ${String(e.code)}`).toBeGreaterThanOrEqual(400);
      expect(SPEC_STATUS[e.code as string], `entry ${i}: ${String(e.code)}`).toBeLessThan(500);
    });
  });

  it("nothing was created, changed or polluted by any of the above", async () => {
    const list = JSON.parse((await expectOk("inventory", { path: "/admin/api/integrations", headers: admin() }, 200)).text) as {
      integrations: Array<{ id: string; name: string; scopes: string[]; isDefault: boolean }>;
    };
    expect(list.integrations.map((i) => [i.name, i.scopes, i.isDefault])).toEqual(
      expect.arrayContaining([
        ["scoped", [`${BUCKET}/${PREFIX}`], true],
        ["signed", [`${BUCKET}/${PREFIX}`], false],
      ]),
    );
    expect(list.integrations).toHaveLength(2);
    const tokens = JSON.parse((await expectOk("inventory", { path: "/admin/api/tokens", headers: admin() }, 200)).text) as { tokens: unknown[] };
    expect(tokens.tokens).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------
// Odd headers: a deployment with ALLOWED_IPS, so CF-Connecting-IP decides.
// ---------------------------------------------------------------------------------------

describe("fuzz: CF-Connecting-IP against ALLOWED_IPS=203.0.113.0/24 (fail closed)", () => {
  let v: World;
  let id: string;
  let tok: string;

  beforeAll(async () => {
    v = await newWorld({ ...NO_RATE_LIMIT, ALLOWED_IPS: "203.0.113.0/24" });
    v.fake.addBucket({ name: BUCKET, region: "us-east-1", objects: { "photos/a.jpg": "A" } });
    ({ id } = await createRoleIntegration(v, { bucket: BUCKET, scopes: [`${BUCKET}/${PREFIX}`], fields: { writeScopes: [`${BUCKET}/exports/`] } }));
    tok = await apiToken(v);
  });
  afterAll(() => v.close());

  /** Independent reading of "allowed": 203.0.113.0/24 as strict dotted decimal, or its IPv4-mapped IPv6 form. */
  function mayBeAllowed(raw: string): boolean {
    const t = raw.replace(/^[ \t]+|[ \t]+$/g, "");
    if (/^203\.0\.113\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(t)) return true;
    if (!t.includes(":")) return false;
    try {
      const host = new URL(`http://[${t}]/`).hostname; // canonical IPv6
      return /^\[::ffff:cb00:71[0-9a-f]{2}\]$/.test(host);
    } catch {
      return false;
    }
  }

  const routesFor = (): Req[] => [
    { path: `/v1/assets/${id}/${BUCKET}/${PREFIX}a.jpg` },
    { path: `/v1/redirect?url=${enc(`s3://${BUCKET}/${PREFIX}a.jpg`)}` },
    {
      method: "POST",
      path: "/v1/sign",
      headers: { authorization: `Bearer ${tok}`, "content-type": "application/json" },
      body: JSON.stringify({ urls: [`s3://${BUCKET}/${PREFIX}a.jpg`] }),
    },
    {
      method: "POST",
      path: "/v1/uploads",
      headers: { authorization: `Bearer ${tok}`, "content-type": "application/json" },
      body: JSON.stringify({ integration: id, key: "exports/a.csv", contentType: "text/csv" }),
    },
    { path: `/v1/integrations/${id}/objects`, headers: { authorization: `Bearer ${tok}` } },
  ];

  const IPS = [
    "",
    " ",
    "unknown",
    "null",
    "203.0.113",
    "203.0.113.7.1",
    "203.0.113.256",
    "203.0.113.07",
    "203.0.113.007",
    "0203.0.113.7",
    "203.0.113.7/24",
    "203.0.113.7:443",
    "[203.0.113.7]",
    "203.0.113.7, 10.0.0.1",
    "10.0.0.1, 203.0.113.7",
    "203.0.113.7 203.0.113.8",
    "203.000.113.7",
    "0xcb.0.113.7",
    "0xcb007107",
    "3405803783",
    "203.0.29447",
    "203.0.113.7%00",
    "203.0.113.7\u00a0",
    "\u00a0203.0.113.7",
    "２０３.0.113.7",
    "203。0.113.7",
    "203.0.113.-1",
    "::ffff:203.0.113.256",
    "::ffff:203.0.113.07",
    "2001:db8::1",
    "::1",
    "::",
    "fe80::1%eth0",
    "::ffff:10.0.0.1",
    "64:ff9b::203.0.113.7",
    "203.0.113.7%eth0",
    "1.2.3.4",
    "127.0.0.1",
    "203.0.114.7",
    "203.0.112.255",
    "x".repeat(100 * 1024),
    "203.0.113.7" + " ".repeat(50) + "x",
    "日本",
    "é",
    "\u00ff\u00fe",
    "203.0.113.7\u200b",
  ];

  it("garbage or foreign client IPs are refused 403 ip_not_allowed on every /v1 route", async () => {
    const check = async (ip: string | null, r: Req) => {
      const req = { ...r, ip };
      if (ip !== null && mayBeAllowed(ip)) {
        // Not garbage: refusing is still allowed (fail closed), serving is too.
        const res = await send("client ip", req, v);
        if (res.status >= 400) await assertClientError(res, secretsOf(v), show(req));
        return;
      }
      await expectError("client ip", req, ["ip_not_allowed"], v).catch((e: Error) =>
        Promise.reject(new Error(`ip=${JSON.stringify(ip?.slice(0, 60))}: ${e.message}`)),
      );
    };
    for (const r of routesFor()) {
      for (const ip of [null, ...IPS]) await check(ip, r);
    }
    // Controls: the allowlisted address, and its IPv4-mapped form, are served.
    expect((await send("client ip", { ...routesFor()[0]!, ip: "203.0.113.7" }, v)).status).toBe(302);
    expect((await send("client ip", { ...routesFor()[0]!, ip: "  203.0.113.7\t" }, v)).status).toBe(302);
    const ipArb = fc
      .oneof(
        fc.string({ unit: "binary", maxLength: 20 }),
        fc.tuple(fc.nat(300), fc.nat(300), fc.nat(300), fc.nat(300)).map((p) => p.join(".")),
        fc
          .tuple(
            fc.constantFrom("203.0.113.", "::ffff:203.0.113.", "203.0.113.0", "[203.0.113."),
            fc.string({ unit: fc.constantFrom(..."0123456789.:/ ,%x"), maxLength: 5 }),
          )
          .map((p) => p.join("")),
        fc.ipV6(),
      )
      .filter((ip) => !/[\u0000\r\n]/.test(ip)); // not representable in a header at all
    await fc.assert(
      fc.asyncProperty(ipArb, fc.nat(4), async (ip, which) => {
        await check(ip, routesFor()[which]!);
      }),
      { seed: SEED + 20, numRuns: 300, endOnFailure: true },
    );
  });

  it("odd non-IP headers do not break the error contract", async () => {
    const odd: Array<Record<string, string>> = [
      { origin: "null" },
      { origin: "https://evil.test" },
      { origin: "x".repeat(10_000) },
      { "x-forwarded-for": "203.0.113.7" },
      { "x-real-ip": "203.0.113.7" },
      { "true-client-ip": "203.0.113.7" },
      { forwarded: "for=203.0.113.7" },
      { host: "evil.test" },
      { "content-length": "0" },
      { "transfer-encoding": "chunked" },
      { cookie: "signpost_session=" + "a".repeat(10_000) },
      { range: "bytes=0-1" },
      { "x-http-method-override": "DELETE" },
      { "accept-encoding": "\u00ff".repeat(100) },
      { "user-agent": "日本語".repeat(1000) },
    ];
    for (const h of odd) {
      for (const r of routesFor()) {
        // A forwarding header is not CF-Connecting-IP: a request without the latter is refused.
        await expectError("odd headers", { ...r, headers: { ...r.headers, ...h }, ip: null }, ["ip_not_allowed"], v);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------
// Cloudflare Access configured: forged, tampered and mis-addressed Cf-Access-Jwt-Assertion
// tokens. The team's certs are served here from a key generated for the test, so tokens
// can be correctly signed and still wrong in one claim.
// ---------------------------------------------------------------------------------------

describe("fuzz: Cf-Access-Jwt-Assertion with Access configured", () => {
  const TEAM = "signpost-team.cloudflareaccess.com";
  const AUD = "aud-0123";
  let v: World;
  let keys: CryptoKeyPair;
  let otherKeys: CryptoKeyPair;
  let certsLayer: InstalledFetch;

  const b64url = (bytes: Uint8Array) =>
    btoa(String.fromCharCode(...bytes))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
  const b64json = (v: unknown) => b64url(new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v)));
  async function signJwt(header: unknown, claims: unknown, key: CryptoKey = keys.privateKey): Promise<string> {
    const input = `${b64json(header)}.${b64json(claims)}`;
    const sig = new Uint8Array(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, new TextEncoder().encode(input)));
    return `${input}.${b64url(sig)}`;
  }
  const validClaims = () => ({ iss: `https://${TEAM}`, aud: [AUD], exp: Math.floor(Date.now() / 1000) + 600, email: "admin@example.com" });

  beforeAll(async () => {
    v = await newWorld({ ...NO_RATE_LIMIT, ACCESS_TEAM_DOMAIN: TEAM, ACCESS_AUD: AUD });
    const params = { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };
    keys = (await crypto.subtle.generateKey(params, true, ["sign", "verify"])) as CryptoKeyPair;
    otherKeys = (await crypto.subtle.generateKey(params, true, ["sign", "verify"])) as CryptoKeyPair;
    const jwk = (await crypto.subtle.exportKey("jwk", keys.publicKey)) as JsonWebKey;
    const certs = accessCertsRoute(TEAM, () => [{ kty: "RSA", kid: "k1", n: jwk.n, e: jwk.e, alg: "RS256" }]);
    certsLayer = installFakeFetch({ routes: [certs], passthrough: () => true });
  });
  afterAll(() => {
    certsLayer.restore();
    v.close();
  });

  it("control: a correctly signed token for this team and audience is accepted", async () => {
    await expectOk(
      "access jwt",
      { path: "/admin/api/integrations", headers: { "cf-access-jwt-assertion": await signJwt({ alg: "RS256", kid: "k1" }, validClaims()) } },
      200,
      v,
    );
  });

  it("every forged, tampered or mis-addressed token is 401 unauthorized", async () => {
    type Mutation = (h: Record<string, unknown>, c: Record<string, unknown>) => void;
    const claimMutations: Mutation[] = [
      (_h, c) => (c.aud = ["other-aud"]),
      (_h, c) => (c.aud = "other-aud"),
      (_h, c) => (c.aud = []),
      (_h, c) => delete c.aud,
      (_h, c) => (c.aud = [AUD.toUpperCase()]),
      (_h, c) => (c.iss = "https://evil.cloudflareaccess.com"),
      (_h, c) => (c.iss = TEAM),
      (_h, c) => (c.iss = `https://${TEAM}/`),
      (_h, c) => (c.iss = `http://${TEAM}`),
      (_h, c) => delete c.iss,
      (_h, c) => (c.exp = Math.floor(Date.now() / 1000) - 1),
      (_h, c) => (c.exp = String(Math.floor(Date.now() / 1000) + 600)),
      (_h, c) => delete c.exp,
      (_h, c) => (c.nbf = Math.floor(Date.now() / 1000) + 3600),
      (h) => (h.alg = "none"),
      (h) => (h.alg = "HS256"),
      (h) => (h.alg = "RS512"),
      (h) => (h.alg = "rs256"),
      (h) => (h.kid = "k2"),
      (h) => delete h.kid,
    ];
    const tamper = ["none", "other key", "payload swapped", "signature flipped", "signature dropped", "signature truncated"] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(
          claimMutations.map((_, i) => i),
          { minLength: 0, maxLength: 3 },
        ),
        fc.constantFrom(...tamper),
        async (picked, t) => {
          if (picked.length === 0 && t === "none") return; // that is the valid token (the control above)
          const header: Record<string, unknown> = { alg: "RS256", kid: "k1" };
          const claims: Record<string, unknown> = validClaims();
          for (const i of picked) claimMutations[i]!(header, claims);
          let token = await signJwt(header, claims, t === "other key" ? otherKeys.privateKey : keys.privateKey);
          const [h, p, sig] = token.split(".") as [string, string, string];
          if (t === "payload swapped") token = `${h}.${b64json({ ...validClaims(), email: "attacker@example.com", exp: 9_999_999_999 })}.${sig}`;
          if (t === "signature flipped") token = `${h}.${p}.${sig.slice(0, 10)}${sig[10] === "A" ? "B" : "A"}${sig.slice(11)}`;
          if (t === "signature dropped") token = `${h}.${p}.`;
          if (t === "signature truncated") token = `${h}.${p}.${sig.slice(0, 40)}`;
          await expectError("access jwt", { path: "/admin/api/integrations", headers: { "cf-access-jwt-assertion": token } }, ["unauthorized"], v);
        },
      ),
      { seed: SEED + 30, numRuns: 250, endOnFailure: true },
    );
    // Plain garbage in the header.
    const garbage = fc.oneof(
      fc.string({ unit: "grapheme-ascii", maxLength: 60 }),
      fc.constantFrom("", ".", "..", "...", "a.b.c", "a.b.c.d", "%%%.%%%.%%%", "x".repeat(20_000), `${b64json("null")}.${b64json("null")}.x`),
    );
    await fc.assert(
      fc.asyncProperty(garbage, fc.constantFrom("/admin/api/integrations", "/admin/api/tokens", "/admin/api/audit"), async (token, path) => {
        await expectError("access jwt", { path, headers: { "cf-access-jwt-assertion": token } }, ["unauthorized"], v);
      }),
      { seed: SEED + 31, numRuns: 100, endOnFailure: true },
    );
  });
});

// ---------------------------------------------------------------------------------------
// Lone surrogates (JSON "\uD800" escapes) in every string field: never a 5xx. What is
// accepted is logged: see the report (accepted values are stored changed).
// ---------------------------------------------------------------------------------------

describe("fuzz: lone surrogates in JSON strings", () => {
  let v: World;
  let id: string;
  let tok: string;
  beforeAll(async () => {
    v = await newWorld(NO_RATE_LIMIT);
    v.fake.addBucket({ name: BUCKET, region: "us-east-1", objects: { "photos/a.jpg": "A" } });
    ({ id } = await createRoleIntegration(v, { bucket: BUCKET, scopes: [`${BUCKET}/${PREFIX}`], fields: { writeScopes: [`${BUCKET}/exports/`] } }));
    tok = await apiToken(v);
  });
  afterAll(() => v.close());

  it("no route answers 5xx; refusals keep the contract", async () => {
    const adminH = { authorization: `Bearer ${testEnv.ADMIN_TOKEN}`, "content-type": "application/json" };
    const apiH = { authorization: `Bearer ${tok}`, "content-type": "application/json" };
    const lone = ["\\uD800", "x\\uDC00", "\\uDBFF\\uDBFF", "\\uDFFFa"];
    const cases: Array<[string, string, Record<string, string>, (s: string) => string]> = [];
    for (const f of [
      "name",
      "roleArn",
      "accessKeyId",
      "secretAccessKey",
      "region",
      "endpoint",
      "serviceAccountEmail",
      "tenantId",
      "accountName",
      "sampleKey",
    ]) {
      cases.push([
        "POST",
        "/admin/api/integrations",
        adminH,
        (s) =>
          `{"name":"n","region":"us-east-1","dryRun":false,"${f}":"${s}"}`
            .replace(`"name":"n",`, f === "name" ? "" : `"name":"n",`)
            .replace(`"region":"us-east-1",`, f === "region" ? "" : `"region":"us-east-1",`),
      ]);
    }
    for (const f of ["scopes", "writeScopes", "ipAllowlist", "containers"])
      cases.push(["POST", "/admin/api/integrations", adminH, (s) => `{"name":"n","${f}":["${BUCKET}/${s}/"]}`]);
    cases.push(["POST", `/admin/api/integrations/${id}/validate`, adminH, (s) => `{"sampleKey":"${PREFIX}${s}"}`]);
    cases.push(["POST", "/admin/api/tokens", adminH, (s) => `{"name":"${s}"}`]);
    cases.push(["POST", "/admin/api/tokens", adminH, (s) => `{"name":"t","integrations":["${s}"]}`]);
    cases.push(["POST", "/v1/sign", apiH, (s) => `{"urls":["s3://${BUCKET}/${PREFIX}${s}"]}`]);
    cases.push(["POST", "/v1/sign", apiH, (s) => `{"urls":["s3://${BUCKET}/${PREFIX}a"],"integration":"${s}"}`]);
    cases.push(["POST", "/v1/sign", apiH, (s) => `{"urls":["s3://${BUCKET}/${PREFIX}a"],"ttl":"${s}"}`]);
    cases.push(["POST", "/v1/uploads", apiH, (s) => `{"integration":"${id}","key":"exports/${s}","contentType":"text/csv"}`]);
    cases.push(["POST", "/v1/uploads", apiH, (s) => `{"integration":"${id}","key":"exports/a","contentType":"text/${s}"}`]);
    const accepted: string[] = [];
    for (const [method, path, headers, body] of cases) {
      for (const s of lone) {
        const r: Req = { method, path, headers, body: body(s) };
        const res = await send("lone surrogates", r, v);
        if (res.status >= 400) await assertClientError(res, secretsOf(v), show(r));
        else {
          accepted.push(`${method} ${path} ${body(s)} → ${res.status}`);
          await res.text();
        }
      }
    }
    // Whatever was stored can still be listed.
    await expectOk("lone surrogates", { path: "/admin/api/integrations", headers: adminH }, 200, v);
    await expectOk("lone surrogates", { path: "/admin/api/tokens", headers: adminH }, 200, v);
    if (accepted.length) console.log(`lone surrogates accepted (${accepted.length}):\n  ` + accepted.slice(0, 12).join("\n  "));
  });
});
