/**
 * A local fake of AWS STS and S3 for signpost's tests.
 *
 * Every request is authenticated the way AWS does it, and every SigV4 signature is checked
 * by recomputing it with an independent implementation (`@smithy/signature-v4`), never with
 * signpost's own signer. The fake is strict where real AWS is strict and in a few places
 * stricter (non-canonical percent-encoding is rejected outright), so signing bugs surface
 * as test failures instead of production incidents.
 *
 * Pure Web APIs (Request/Response/crypto): it runs inside workerd and in Node 22.
 */
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest, type HeaderBag, type IHttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { PolicyError, authorize, parsePolicy, type IamPolicy } from "./iam";

export type { IamPolicy } from "./iam";

// ---------------------------------------------------------------------------------------
// Public model
// ---------------------------------------------------------------------------------------

/** An IAM user with long-term keys (signpost's own principal, or a static-key integration). */
export interface PrincipalInit {
  arn: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Identity policy. Without one the user may call STS but may do nothing in S3. */
  policy?: IamPolicy | string;
}

export interface RoleInit {
  arn: string;
  /** Trust policy principals: user/role ARNs, `arn:aws:iam::{account}:root` or a bare account id. */
  trustedPrincipals: string[];
  /** When set, AssumeRole must pass exactly this ExternalId. When unset, any or none is accepted. */
  externalId?: string;
  /** Seconds, 3600..43200, default 3600. */
  maxSessionDuration?: number;
  policy: IamPolicy | string;
}

/** S3 CORS rule in the AWS JSON shape (as in `aws s3api put-bucket-cors`). */
export interface CorsRule {
  ID?: string;
  AllowedOrigins: string[];
  AllowedMethods: string[];
  AllowedHeaders?: string[];
  ExposeHeaders?: string[];
  MaxAgeSeconds?: number;
}

export type ObjectBody = string | Uint8Array;
/** `kmsKeyArn`: the object is SSE-KMS encrypted; reading it also needs kms:Decrypt on that key (via S3). */
export type ObjectInit = ObjectBody | { body: ObjectBody; contentType?: string; kmsKeyArn?: string };

export interface BucketInit {
  name: string;
  region: string;
  cors?: CorsRule[];
  objects?: Record<string, ObjectInit>;
}

export interface StoredObject {
  body: Uint8Array;
  contentType: string;
  /** Quoted, as S3 sends it. */
  etag: string;
  /** Epoch ms. */
  lastModified: number;
  kmsKeyArn?: string;
}

export type Service = "sts" | "s3";
export type FaultKind = "throttle" | "500" | "503" | "network" | "hang" | { delayMs: number };

export interface CallRecord {
  service: Service;
  /** `AssumeRole`, `GetCallerIdentity`, `GetObject`, `HeadObject`, `PutObject`, `DeleteObject`, `HeadBucket`, `ListObjectsV2`, `GetBucketCors`, `GetBucketLocation`, `PreflightRequest`, or `Unsupported:…`. */
  action: string;
  /** HTTP status answered; 0 while pending or when no response was produced (network fault, hang). */
  status: number;
  accessKeyId?: string;
  host: string;
  path: string;
  fault?: string;
}

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  roleArn: string;
  roleSessionName: string;
  assumedRoleArn: string;
  /** ARN of the principal that called AssumeRole. */
  callerArn: string;
  externalId?: string;
  sessionPolicy?: IamPolicy;
  durationSeconds: number;
  /** Epoch ms. */
  issuedAt: number;
  /** Epoch ms (whole seconds, as in the STS response). */
  expiration: number;
}

/** JSON-able start state (used by the Node server and its control API). */
export interface SeedBucket {
  name: string;
  region: string;
  cors?: CorsRule[];
  /** A string is UTF-8 content; `{ base64 }` carries binary content. */
  objects?: Record<string, string | { body?: string; base64?: string; contentType?: string }>;
}

export interface FakeSeed {
  principals?: PrincipalInit[];
  roles?: RoleInit[];
  buckets?: SeedBucket[];
}

export interface HandleOptions {
  /**
   * Treat the request as addressed to an S3-compatible custom endpoint (path-style S3; a form
   * POST to `/` with an `Action` is STS), whatever its host. The Node server sets this.
   */
  customEndpoint?: boolean;
}

/** What a `network` fault rejects with (fetch rejects with a TypeError on network failure). */
export class FakeNetworkError extends TypeError {
  constructor() {
    super("fake-aws: simulated network failure");
    this.name = "FakeNetworkError";
  }
}

// ---------------------------------------------------------------------------------------
// Internal model
// ---------------------------------------------------------------------------------------

interface Principal {
  arn: string;
  userId: string;
  accessKeyId: string;
  secretAccessKey: string;
  policy?: IamPolicy;
}

interface Role {
  arn: string;
  roleId: string;
  trustedPrincipals: string[];
  externalId?: string;
  maxSessionDuration: number;
  policy: IamPolicy;
}

interface Bucket {
  name: string;
  region: string;
  cors?: CorsRule[];
  objects: Map<string, StoredObject>;
}

/** Who signed a request, and what they may do. */
interface Caller {
  arn: string;
  userId: string;
  account: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** ARNs a trust policy may name to trust this caller. */
  trustArns: string[];
  identity: IamPolicy[];
  session?: IamPolicy;
  issued?: IssuedCredentials;
}

/** An AWS error answer; rendered as STS or S3 XML by the service that threw it. */
class AwsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra child elements of `<Error>` (S3 only). */
    readonly extra: Record<string, string> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

interface Incoming {
  method: string;
  url: URL;
  /** The Host header as received, else the URL's host. */
  host: string;
  rawPath: string;
  rawQuery: string;
  headers: Headers;
  body: Uint8Array;
  signal: AbortSignal | undefined;
}

type Target =
  | { service: "sts"; /** undefined: take it from the credential scope (custom endpoints) */ region?: string }
  | { service: "s3"; bucket: string; rawKey: string; /** only for regional AWS hosts */ hostRegion?: string };

type S3Target = Extract<Target, { service: "s3" }>;

type Query = Record<string, string | string[]>;

interface SigV4Auth {
  mode: "header" | "query";
  accessKeyId: string;
  scopeDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  amzMs: number;
  expiresIn?: number;
  token?: string;
}

const STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/";
const S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/";
const SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGN_SECONDS = 604800;
const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
const REGION = "[a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\\d+";
const STS_HOST = new RegExp(`^sts(?:\\.(${REGION}))?\\.amazonaws\\.com(\\.cn)?$`);
// {bucket}.s3.{region}, {bucket}.s3-{region} (legacy), {bucket}.s3.dualstack.{region}, s3.{region} (path-style), s3 (global)
const S3_HOST = new RegExp(`^(?:(.+)\\.)?s3(?:[.-](?:dualstack\\.)?(${REGION}))?\\.amazonaws\\.com(\\.cn)?$`);
const OBJECT_QUERY = new Set(["x-id", "response-content-type", "response-content-disposition", "response-cache-control", "response-content-language", "response-content-encoding", "response-expires"]);
const LIST_QUERY = new Set(["list-type", "prefix", "delimiter", "max-keys", "continuation-token", "start-after", "fetch-owner", "encoding-type", "x-id"]);

// ---------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

function toBytes(body: ObjectBody): Uint8Array {
  return typeof body === "string" ? utf8.encode(body) : body;
}

function randomChars(n: number, alphabet: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

function base64(bytes: Uint8Array): string {
  return btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));
}

function fromBase64(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

const UPPER_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const B64_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Long, and always containing `/`, `+` and `=`, so that callers' URL encoding is exercised. */
function newSessionToken(): string {
  return `IQoJb3JpZ2luX2VjE+P//////////wEaCXVzLWVhc3QtMSJ` + base64(crypto.getRandomValues(new Uint8Array(301)));
}

/** A deterministic 32-hex digest standing in for S3's MD5 ETag (Web Crypto has no MD5). */
function etagOf(bytes: Uint8Array): string {
  let out = "";
  for (let lane = 0; lane < 4; lane++) {
    let h = (0x811c9dc5 ^ Math.imul(lane + 1, 0x9e3779b9)) >>> 0;
    for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    h = Math.imul(h ^ (bytes.length + lane), 0x01000193) >>> 0;
    out += h.toString(16).padStart(8, "0");
  }
  return `"${out}"`;
}

export function escapeXml(s: string): string {
  const named: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };
  return s.replace(/[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => named[c] ?? `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`);
}

/** RFC 3986 encoding as SigV4 wants it: everything but `A-Za-z0-9-._~` as uppercase %XX of UTF-8. */
export function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

/** S3 lists keys in UTF-8 byte order, which is code point order (not JS's UTF-16 order). */
function compareKeys(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function parseAmzDate(s: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : null;
}

function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, "");
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function partitionOf(region: string): string {
  return region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
}

function accountOf(arn: string): string {
  return arn.split(":")[4] ?? "";
}

function waitFor(ms: number | null, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      if (timer !== undefined) clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer =
      ms === null
        ? undefined
        : setTimeout(() => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Percent-decodes one URI component. In strict mode the raw text must already be in
 * canonical RFC 3986 form, so a signer that emits any other encoding (a raw `+`, `*` or `!`,
 * lower-case hex, `%7E` for `~`) is caught here with a clear message.
 */
function decodeComponent(raw: string, where: string, strict: boolean): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw new AwsError(400, "InvalidRequest", `fake-aws: malformed percent-encoding in ${where}: "${raw}"`);
  }
  if (strict && rfc3986(decoded) !== raw) {
    throw new AwsError(400, "InvalidRequest", `fake-aws: ${where} "${raw}" is not canonical RFC 3986 encoding (expected "${rfc3986(decoded)}")`);
  }
  return decoded;
}

function parseQuery(raw: string, strict: boolean): Query {
  const out: Query = {};
  for (const part of raw.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = decodeComponent(eq < 0 ? part : part.slice(0, eq), "query parameter name", strict);
    const value = decodeComponent(eq < 0 ? "" : part.slice(eq + 1), `value of query parameter ${key}`, strict);
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

function one(q: Query, key: string): string | undefined {
  const v = q[key];
  return Array.isArray(v) ? v[0] : v;
}

// ---------------------------------------------------------------------------------------
// SigV4 verification with @smithy/signature-v4
// ---------------------------------------------------------------------------------------

/** smithy's signer, recording the canonical request and string to sign it computed. */
class VerifyingSigner extends SignatureV4 {
  canonicalRequest = "";
  stringToSign = "";

  protected override createCanonicalRequest(request: IHttpRequest, headers: HeaderBag, payloadHash: string): string {
    this.canonicalRequest = super.createCanonicalRequest(request, headers, payloadHash);
    return this.canonicalRequest;
  }

  protected override async createStringToSign(longDate: string, scope: string, canonicalRequest: string, algorithm: string): Promise<string> {
    this.stringToSign = await super.createStringToSign(longDate, scope, canonicalRequest, algorithm);
    return this.stringToSign;
  }
}

interface Expected {
  signature: string;
  canonicalRequest: string;
  stringToSign: string;
}

function parseCredential(value: string): Pick<SigV4Auth, "accessKeyId" | "scopeDate" | "region" | "service"> | null {
  const parts = value.split("/");
  if (parts.length !== 5 || parts[4] !== "aws4_request" || !/^\d{8}$/.test(parts[1]!) || parts.some((p) => p === "")) return null;
  return { accessKeyId: parts[0]!, scopeDate: parts[1]!, region: parts[2]!, service: parts[3]! };
}

/** `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` (null when malformed). */
function parseAuthorizationHeader(value: string, headers: Headers): SigV4Auth | null {
  const m = /^AWS4-HMAC-SHA256 (.+)$/.exec(value.trim());
  if (!m) return null;
  const fields = new Map(
    m[1]!.split(",").map((p) => {
      const eq = p.indexOf("=");
      return [p.slice(0, eq).trim(), p.slice(eq + 1).trim()] as const;
    }),
  );
  const credential = parseCredential(fields.get("Credential") ?? "");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (!credential || !signedHeaders || !signature) return null;
  const amzDate = headers.get("x-amz-date") ?? "";
  return {
    mode: "header",
    ...credential,
    signedHeaders: signedHeaders.split(";"),
    signature,
    amzDate,
    amzMs: parseAmzDate(amzDate) ?? NaN,
    token: headers.get("x-amz-security-token") ?? undefined,
  };
}

function signedHeaderValues(inc: Incoming, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  // A signed header missing from the request is signed as empty, so the signature fails as on AWS.
  for (const name of names) out[name] = name === "host" ? inc.host : (inc.headers.get(name) ?? "");
  return out;
}

function smithyRequest(inc: Incoming, headers: Record<string, string>, query: Query, body?: Uint8Array): HttpRequest {
  return new HttpRequest({
    method: inc.method,
    protocol: inc.url.protocol,
    hostname: inc.url.hostname,
    path: inc.rawPath,
    query,
    headers,
    body,
  });
}

/** The signature smithy computes for a header-signed request (`Authorization`). */
async function expectedHeaderSignature(inc: Incoming, auth: SigV4Auth, secret: string, query: Query, body: Uint8Array | undefined): Promise<Expected> {
  const signer = new VerifyingSigner({
    service: auth.service,
    region: auth.region,
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey: secret },
    sha256: Sha256,
    uriEscapePath: auth.service !== "s3",
    applyChecksum: false,
  });
  const headers = signedHeaderValues(inc, auth.signedHeaders);
  const unsignable = new Set<string>();
  const claimed = inc.headers.get("x-amz-content-sha256");
  if (auth.service === "s3" && claimed !== null && !auth.signedHeaders.includes("x-amz-content-sha256")) {
    // S3 takes the payload hash from this header even when it is not signed.
    headers["x-amz-content-sha256"] = claimed;
    unsignable.add("x-amz-content-sha256");
  }
  const request = smithyRequest(inc, headers, query, body);
  const signed = await signer.sign(request, {
    signingDate: new Date(auth.amzMs),
    signableHeaders: new Set(auth.signedHeaders),
    unsignableHeaders: unsignable,
  });
  const signature = /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization))?.[1] ?? "";
  return { signature, canonicalRequest: signer.canonicalRequest, stringToSign: signer.stringToSign };
}

/** The `X-Amz-Signature` smithy computes for a presigned S3 URL (payload is UNSIGNED-PAYLOAD). */
async function expectedPresignSignature(inc: Incoming, auth: SigV4Auth, secret: string, query: Query): Promise<Expected> {
  const signer = new VerifyingSigner({
    service: "s3",
    region: auth.region,
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey: secret },
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const headers = signedHeaderValues(inc, auth.signedHeaders);
  const unsignable = new Set<string>();
  if (!auth.signedHeaders.includes("x-amz-content-sha256")) {
    // smithy takes the payload hash from this header; it is not itself part of the URL.
    headers["x-amz-content-sha256"] = UNSIGNED_PAYLOAD;
    unsignable.add("x-amz-content-sha256");
  }
  const { "X-Amz-Signature": _omit, ...rest } = query;
  const presigned = await signer.presign(smithyRequest(inc, headers, rest), {
    signingDate: new Date(auth.amzMs),
    expiresIn: auth.expiresIn,
    signableHeaders: new Set(auth.signedHeaders),
    unsignableHeaders: unsignable,
    // Signed headers stay headers: smithy would otherwise hoist x-amz-* ones into the query.
    unhoistableHeaders: new Set([...auth.signedHeaders, "x-amz-content-sha256"]),
  });
  return { signature: String(presigned.query?.["X-Amz-Signature"]), canonicalRequest: signer.canonicalRequest, stringToSign: signer.stringToSign };
}

// ---------------------------------------------------------------------------------------
// The fake
// ---------------------------------------------------------------------------------------

export class FakeAws {
  /** The fake's clock (epoch ms). Tests may replace it. */
  now: () => number = () => Date.now();
  /** STS response format variations seen in the wild. */
  quirks: { fractionalExpiration?: boolean; wrappedSessionToken?: boolean } = {};
  /** Every request handled, in order. */
  calls: CallRecord[] = [];
  /** Temporary credentials issued by AssumeRole, by access key id. */
  issued = new Map<string, IssuedCredentials>();

  private principals = new Map<string, Principal>();
  private roles = new Map<string, Role>();
  private buckets = new Map<string, Bucket>();
  private endpoints = new Set<string>();
  private faults: Record<Service, FaultKind[]> = { sts: [], s3: [] };

  // ---- state --------------------------------------------------------------------------

  addPrincipal(p: PrincipalInit): void {
    if (this.principals.has(p.accessKeyId) || this.issued.has(p.accessKeyId)) throw new Error(`fake-aws: duplicate access key ${p.accessKeyId}`);
    const policy = p.policy === undefined ? undefined : parsePolicy(p.policy);
    this.principals.set(p.accessKeyId, { ...p, policy, userId: "AIDA" + randomChars(17, UPPER_B32) });
  }

  addRole(r: RoleInit): void {
    if (!/^arn:aws(-cn|-us-gov)?:iam::\d{12}:role\/.+$/.test(r.arn)) throw new Error(`fake-aws: malformed role ARN ${r.arn}`);
    const max = r.maxSessionDuration ?? 3600;
    if (!Number.isInteger(max) || max < 3600 || max > 43200) throw new Error("fake-aws: maxSessionDuration must be 3600..43200");
    this.roles.set(r.arn, {
      arn: r.arn,
      roleId: "AROA" + randomChars(17, UPPER_B32),
      trustedPrincipals: [...r.trustedPrincipals],
      externalId: r.externalId,
      maxSessionDuration: max,
      policy: parsePolicy(r.policy),
    });
  }

  addBucket(b: BucketInit): void {
    if (this.buckets.has(b.name)) throw new Error(`fake-aws: duplicate bucket ${b.name}`);
    this.buckets.set(b.name, { name: b.name, region: b.region, cors: b.cors, objects: new Map() });
    for (const [key, init] of Object.entries(b.objects ?? {})) {
      const { body, contentType, kmsKeyArn } = typeof init === "string" || init instanceof Uint8Array ? { body: init, contentType: undefined, kmsKeyArn: undefined } : init;
      this.putObject(b.name, key, body, contentType);
      if (kmsKeyArn) this.getObject(b.name, key)!.kmsKeyArn = kmsKeyArn;
    }
  }

  /** Replaces the bucket's CORS rules, as PutBucketCors does; an empty list removes them. */
  setBucketCors(bucket: string, rules: CorsRule[]): void {
    const b = this.buckets.get(bucket);
    if (!b) throw new Error(`fake-aws: no bucket ${bucket}`);
    b.cors = rules.length > 0 ? rules : undefined;
  }

  putObject(bucket: string, key: string, body: ObjectBody, contentType = "binary/octet-stream"): void {
    const b = this.buckets.get(bucket);
    if (!b) throw new Error(`fake-aws: no bucket ${bucket}`);
    const bytes = toBytes(body);
    b.objects.set(key, { body: bytes, contentType, etag: etagOf(bytes), lastModified: this.now() });
  }

  getObject(bucket: string, key: string): StoredObject | undefined {
    return this.buckets.get(bucket)?.objects.get(key);
  }

  /** An S3-compatible endpoint (path-style), e.g. `https://minio.test` or `http://127.0.0.1:9000`. */
  addEndpoint(origin: string): void {
    this.endpoints.add(new URL(origin).origin);
  }

  hasEndpoint(origin: string): boolean {
    return this.endpoints.has(origin);
  }

  /** The next `n` requests to `service` fail this way (after being recorded in `calls`). */
  failNext(service: Service, n: number, kind: FaultKind): void {
    for (let i = 0; i < n; i++) this.faults[service].push(kind);
  }

  count(action: string): number {
    return this.calls.filter((c) => c.action === action).length;
  }

  /** Forget everything (principals, roles, buckets, endpoints, calls, issued keys, faults, quirks). */
  reset(): void {
    this.principals.clear();
    this.roles.clear();
    this.buckets.clear();
    this.endpoints.clear();
    this.issued.clear();
    this.calls = [];
    this.faults = { sts: [], s3: [] };
    this.quirks = {};
  }

  // ---- entry point ----------------------------------------------------------------------

  async handle(req: Request, opts: HandleOptions = {}): Promise<Response> {
    const inc = await incoming(req);
    const target = this.route(inc, opts.customEndpoint === true);
    if (!target) throw new Error(`fake-aws: no AWS service is modelled at ${inc.url.origin}`);
    const call: CallRecord = {
      service: target.service,
      action: target.service === "sts" ? stsAction(inc) : s3Action(inc, target),
      status: 0,
      accessKeyId: peekAccessKeyId(inc),
      host: inc.host,
      path: inc.rawPath,
    };
    this.calls.push(call);
    const fault = this.faults[target.service].shift();
    if (fault !== undefined) {
      call.fault = typeof fault === "string" ? fault : `delay ${fault.delayMs}ms`;
      const answer = await this.injectFault(fault, target.service, inc);
      if (answer) {
        call.status = answer.status;
        return answer;
      }
    }
    const res = target.service === "sts" ? await this.sts(inc, target.region) : await this.s3(inc, target, call.action);
    call.status = res.status;
    return res;
  }

  private route(inc: Incoming, custom: boolean): Target | null {
    if (custom || this.endpoints.has(inc.url.origin)) {
      return isStsForm(inc) ? { service: "sts" } : pathStyle(inc.rawPath, undefined);
    }
    const host = inc.url.hostname.toLowerCase();
    const sts = STS_HOST.exec(host);
    if (sts) return { service: "sts", region: sts[1] ?? (sts[2] ? "cn-north-1" : "us-east-1") };
    const s3 = S3_HOST.exec(host);
    if (!s3) return null;
    const [, bucket, region] = s3;
    if (bucket === undefined) return pathStyle(inc.rawPath, region);
    return { service: "s3", bucket, rawKey: inc.rawPath.slice(1), hostRegion: region };
  }

  /** Returns a response for error faults, undefined to carry on (after a delay), or never settles/rejects. */
  private async injectFault(fault: FaultKind, service: Service, inc: Incoming): Promise<Response | undefined> {
    if (typeof fault === "object") {
      await waitFor(fault.delayMs, inc.signal);
      return undefined;
    }
    if (fault === "network") throw new FakeNetworkError();
    if (fault === "hang") {
      await waitFor(null, inc.signal);
      return undefined;
    }
    const errors: Record<Service, Record<"throttle" | "500" | "503", AwsError>> = {
      sts: {
        throttle: new AwsError(400, "Throttling", "Rate exceeded"),
        "500": new AwsError(500, "InternalFailure", "The request processing has failed because of an unknown error, exception or failure."),
        "503": new AwsError(503, "ServiceUnavailable", "Service is unable to handle request."),
      },
      s3: {
        throttle: new AwsError(503, "SlowDown", "Please reduce your request rate."),
        "500": new AwsError(500, "InternalError", "We encountered an internal error. Please try again."),
        "503": new AwsError(503, "ServiceUnavailable", "Service is unable to handle request."),
      },
    };
    const err = errors[service][fault];
    return service === "sts" ? stsError(err) : s3Error(err, inc.method === "HEAD");
  }

  // ---- keys and callers -----------------------------------------------------------------

  private caller(accessKeyId: string): Caller | undefined {
    const p = this.principals.get(accessKeyId);
    if (p) {
      return {
        arn: p.arn,
        userId: p.userId,
        account: accountOf(p.arn),
        accessKeyId,
        secretAccessKey: p.secretAccessKey,
        trustArns: [p.arn],
        identity: p.policy ? [p.policy] : [],
      };
    }
    const issued = this.issued.get(accessKeyId);
    const role = issued && this.roles.get(issued.roleArn);
    if (!issued || !role) return undefined;
    return {
      arn: issued.assumedRoleArn,
      userId: `${role.roleId}:${issued.roleSessionName}`,
      account: accountOf(role.arn),
      accessKeyId,
      secretAccessKey: issued.secretAccessKey,
      trustArns: [issued.assumedRoleArn, role.arn],
      identity: [role.policy],
      session: issued.sessionPolicy,
      issued,
    };
  }

  /** Session token checks for temporary keys; `expired`/`invalid` map to service-specific errors. */
  private tokenProblem(caller: Caller, token: string | undefined): "invalid" | "expired" | null {
    if (!caller.issued) return token === undefined ? null : "invalid";
    if (token !== caller.issued.sessionToken) return "invalid";
    return this.now() > caller.issued.expiration ? "expired" : null;
  }

  // ---- STS ------------------------------------------------------------------------------

  private async sts(inc: Incoming, endpointRegion: string | undefined): Promise<Response> {
    try {
      if (inc.method !== "POST") throw new AwsError(400, "InvalidAction", "fake-aws models STS as form POSTs only");
      const params = new URLSearchParams(fromUtf8.decode(inc.body));
      const caller = await this.authenticateSts(inc, endpointRegion);
      const action = params.get("Action");
      if (params.get("Version") !== "2011-06-15") {
        throw new AwsError(400, "InvalidAction", `Could not find operation ${action} for version ${params.get("Version")}`);
      }
      if (action === "AssumeRole") return this.assumeRole(params, caller);
      if (action === "GetCallerIdentity") return stsOk("GetCallerIdentity", `<Arn>${escapeXml(caller.arn)}</Arn>\n    <UserId>${escapeXml(caller.userId)}</UserId>\n    <Account>${caller.account}</Account>`);
      throw new AwsError(400, "InvalidAction", `Could not find operation ${action} for version 2011-06-15`);
    } catch (e) {
      if (e instanceof AwsError) return stsError(e);
      throw e;
    }
  }

  private async authenticateSts(inc: Incoming, endpointRegion: string | undefined): Promise<Caller> {
    const header = inc.headers.get("authorization");
    if (!header) throw new AwsError(403, "MissingAuthenticationToken", "Request is missing Authentication Token");
    const auth = parseAuthorizationHeader(header, inc.headers);
    if (!auth) throw new AwsError(400, "IncompleteSignature", `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. Authorization=${header}`);
    if (!auth.amzDate) throw new AwsError(400, "IncompleteSignature", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    const caller = this.caller(auth.accessKeyId);
    if (!caller) throw new AwsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.");
    if (auth.service !== "sts") throw new AwsError(403, "SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sts'. ");
    const region = endpointRegion ?? auth.region;
    if (auth.region !== region) throw new AwsError(403, "SignatureDoesNotMatch", `Credential should be scoped to a valid region, not '${auth.region}'. `);
    if (Number.isNaN(auth.amzMs) || auth.scopeDate !== auth.amzDate.slice(0, 8)) {
      throw new AwsError(403, "SignatureDoesNotMatch", `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.scopeDate}' != '${auth.amzDate.slice(0, 8)}'`);
    }
    this.checkSkew(auth.amzMs, auth.amzDate, (msg) => new AwsError(403, "SignatureDoesNotMatch", msg));
    const token = this.tokenProblem(caller, auth.token);
    if (token === "invalid") throw new AwsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.");
    if (token === "expired") throw new AwsError(403, "ExpiredToken", "The security token included in the request is expired");
    const expected = await expectedHeaderSignature(inc, auth, caller.secretAccessKey, parseQuery(inc.url.search.slice(1), false), inc.body);
    if (expected.signature !== auth.signature) {
      throw new AwsError(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\n" +
          `The Canonical String for this request should have been\n'${expected.canonicalRequest}'\n\nThe String-to-Sign should have been\n'${expected.stringToSign}'\n`,
      );
    }
    await checkPayloadHash(inc, (client, computed) => new AwsError(400, "InvalidRequest", `x-amz-content-sha256 ${client} does not match the body (${computed})`));
    return caller;
  }

  /** AWS accepts a signing time within 15 minutes of its clock. */
  private checkSkew(amzMs: number, amzDate: string, error: (msg: string) => AwsError): void {
    const now = this.now();
    if (amzMs < now - SKEW_MS) {
      throw error(`Signature expired: ${amzDate} is now earlier than ${formatAmzDate(now - SKEW_MS)} (${formatAmzDate(now)} - 15 min.)`);
    }
    if (amzMs > now + SKEW_MS) {
      throw error(`Signature not yet current: ${amzDate} is still later than ${formatAmzDate(now + SKEW_MS)} (${formatAmzDate(now)} + 15 min.)`);
    }
  }

  private assumeRole(p: URLSearchParams, caller: Caller): Response {
    const roleArn = required(p, "RoleArn", "roleArn");
    const sessionName = required(p, "RoleSessionName", "roleSessionName");
    if (!/^arn:aws(-cn|-us-gov)?:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(roleArn)) throw new AwsError(400, "ValidationError", `${roleArn} is invalid`);
    validateLength(sessionName, "roleSessionName", 2, 64);
    validatePattern(sessionName, "roleSessionName", /^[\w+=,.@-]*$/, "[\\w+=,.@-]*");
    const externalId = p.get("ExternalId") ?? undefined;
    if (externalId !== undefined) {
      validateLength(externalId, "externalId", 2, 1224);
      validatePattern(externalId, "externalId", /^[\w+=,.@:/-]*$/, "[\\w+=,.@:\\/-]*");
    }
    const duration = parseDuration(p.get("DurationSeconds"));
    const sessionPolicy = parseSessionPolicy(p.get("Policy"));

    const role = this.roles.get(roleArn);
    const denied = new AwsError(403, "AccessDenied", `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
    // There is no distinct error for a wrong or missing ExternalId: the trust policy simply fails.
    if (!role || !this.trusts(role, caller) || (role.externalId !== undefined && externalId !== role.externalId)) throw denied;
    if (duration > role.maxSessionDuration) throw new AwsError(400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");

    const issuedAt = Math.floor(this.now() / 1000) * 1000;
    const roleName = roleArn.slice(roleArn.lastIndexOf("/") + 1);
    const creds: IssuedCredentials = {
      accessKeyId: this.newTemporaryKeyId(),
      secretAccessKey: randomChars(40, B64_CHARS),
      sessionToken: newSessionToken(),
      roleArn,
      roleSessionName: sessionName,
      assumedRoleArn: `arn:${roleArn.split(":")[1]}:sts::${accountOf(roleArn)}:assumed-role/${roleName}/${sessionName}`,
      callerArn: caller.arn,
      externalId,
      sessionPolicy: sessionPolicy?.policy,
      durationSeconds: duration,
      issuedAt,
      expiration: issuedAt + duration * 1000,
    };
    this.issued.set(creds.accessKeyId, creds);
    return stsOk("AssumeRole", this.assumeRoleResult(creds, `${role.roleId}:${sessionName}`, sessionPolicy?.size));
  }

  private trusts(role: Role, caller: Caller): boolean {
    const root = `arn:${caller.arn.split(":")[1]}:iam::${caller.account}:root`;
    return role.trustedPrincipals.some((p) => caller.trustArns.includes(p) || p === root || p === caller.account);
  }

  private newTemporaryKeyId(): string {
    for (;;) {
      const id = "ASIA" + randomChars(16, UPPER_B32);
      if (!this.issued.has(id) && !this.principals.has(id)) return id;
    }
  }

  private assumeRoleResult(c: IssuedCredentials, assumedRoleId: string, packedPolicySize: number | undefined): string {
    const expiration = this.quirks.fractionalExpiration ? new Date(c.expiration).toISOString() : isoSeconds(c.expiration);
    // As in the STS API reference sample: the token wrapped over several indented lines.
    const token = this.quirks.wrappedSessionToken
      ? "\n" + (c.sessionToken.match(/.{1,67}/g) ?? []).map((line) => `       ${line}`).join("\n") + "\n      "
      : c.sessionToken;
    return [
      `<AssumedRoleUser>`,
      `      <Arn>${escapeXml(c.assumedRoleArn)}</Arn>`,
      `      <AssumedRoleId>${escapeXml(assumedRoleId)}</AssumedRoleId>`,
      `    </AssumedRoleUser>`,
      `    <Credentials>`,
      `      <AccessKeyId>${c.accessKeyId}</AccessKeyId>`,
      `      <SecretAccessKey>${escapeXml(c.secretAccessKey)}</SecretAccessKey>`,
      `      <SessionToken>${escapeXml(token)}</SessionToken>`,
      `      <Expiration>${expiration}</Expiration>`,
      `    </Credentials>`,
      ...(packedPolicySize === undefined ? [] : [`    <PackedPolicySize>${packedPolicySize}</PackedPolicySize>`]),
    ].join("\n");
  }

  // ---- S3 -------------------------------------------------------------------------------

  private async s3(inc: Incoming, t: S3Target, action: string): Promise<Response> {
    const head = inc.method === "HEAD";
    const bucket = this.buckets.get(t.bucket);
    const cors = bucket ? corsFor(bucket, inc) : {};
    try {
      if (inc.method === "OPTIONS") return preflight(bucket, inc);
      const query = parseQuery(inc.rawQuery, true);
      const key = t.rawKey
        .split("/")
        .map((seg) => decodeComponent(seg, "path segment", true))
        .join("/");
      const auth = parseS3Auth(inc, query);
      if (!bucket) throw new AwsError(404, "NoSuchBucket", "The specified bucket does not exist", { BucketName: t.bucket });
      this.checkS3Region(bucket, t, auth, action);
      if (!auth) throw new AwsError(403, "AccessDenied", "Access Denied", {}, action === "HeadBucket" ? { "x-amz-bucket-region": bucket.region } : {});
      const caller = await this.authenticateS3(inc, auth, query);
      const res = await this.s3Operation(action, { inc, bucket, key, query, caller });
      for (const [k, v] of Object.entries(cors)) res.headers.set(k, v);
      return res;
    } catch (e) {
      if (e instanceof AwsError) return s3Error(e, head, cors);
      throw e;
    }
  }

  /**
   * A regional host must be the bucket's region (else 301), and so must the credential scope
   * (else 400 AuthorizationHeaderMalformed naming the real region). HeadBucket answers 301 with
   * `x-amz-bucket-region` for both, which is how clients discover a bucket's region.
   */
  private checkS3Region(bucket: Bucket, t: S3Target, auth: SigV4Auth | null, action: string): void {
    const regionHeader = { "x-amz-bucket-region": bucket.region };
    const hostWrong = t.hostRegion !== undefined && t.hostRegion !== bucket.region;
    // GetBucketLocation exists to be asked from us-east-1 about any bucket.
    const scopeWrong = auth !== null && auth.region !== bucket.region && !(action === "GetBucketLocation" && auth.region === "us-east-1");
    if (action === "HeadBucket" && (hostWrong || scopeWrong)) throw new AwsError(301, "PermanentRedirect", "", {}, regionHeader);
    if (hostWrong) {
      const endpoint = `${bucket.name}.s3.${bucket.region}.amazonaws.com${partitionOf(bucket.region) === "aws-cn" ? ".cn" : ""}`;
      throw new AwsError(301, "PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.", { Endpoint: endpoint, Bucket: bucket.name }, regionHeader);
    }
    if (auth && scopeWrong) {
      throw new AwsError(400, "AuthorizationHeaderMalformed", `The authorization header is malformed; the region '${auth.region}' is wrong; expecting '${bucket.region}'`, { Region: bucket.region }, regionHeader);
    }
  }

  private async authenticateS3(inc: Incoming, auth: SigV4Auth, query: Query): Promise<Caller> {
    const caller = this.caller(auth.accessKeyId);
    if (!caller) throw new AwsError(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", { AWSAccessKeyId: auth.accessKeyId });
    if (auth.service !== "s3") throw new AwsError(400, "AuthorizationHeaderMalformed", `The authorization header is malformed; incorrect service '${auth.service}'. This endpoint belongs to 's3'.`);
    if (auth.scopeDate !== auth.amzDate.slice(0, 8)) throw new AwsError(400, "AuthorizationHeaderMalformed", "The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.");
    this.checkS3Time(auth);
    const token = this.tokenProblem(caller, auth.token);
    if (token === "invalid") throw new AwsError(403, "InvalidToken", "The provided token is malformed or otherwise invalid.", { Token: auth.token ?? "" });
    if (token === "expired") throw new AwsError(400, "ExpiredToken", "The provided token has expired.", { Token: auth.token ?? "" });
    if (auth.mode === "query") {
      const unsigned = [...inc.headers.keys()].filter((h) => h.startsWith("x-amz-") && !auth.signedHeaders.includes(h));
      if (unsigned.length > 0) throw new AwsError(403, "AccessDenied", "There were headers present in the request which were not signed", { HeadersNotSigned: unsigned.join(", ") });
    }
    const expected = auth.mode === "query" ? await expectedPresignSignature(inc, auth, caller.secretAccessKey, query) : await expectedHeaderSignature(inc, auth, caller.secretAccessKey, query, undefined);
    if (expected.signature !== auth.signature) {
      throw new AwsError(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.", {
        AWSAccessKeyId: auth.accessKeyId,
        StringToSign: expected.stringToSign,
        SignatureProvided: auth.signature,
        CanonicalRequest: expected.canonicalRequest,
      });
    }
    if (auth.mode === "header") {
      await checkPayloadHash(inc, (client, computed) =>
        new AwsError(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", { ClientComputedContentSHA256: client, S3ComputedContentSHA256: computed }),
      );
    }
    return caller;
  }

  private checkS3Time(auth: SigV4Auth): void {
    const now = this.now();
    if (auth.mode === "header") {
      if (Math.abs(now - auth.amzMs) > SKEW_MS) {
        throw new AwsError(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", { RequestTime: auth.amzDate, ServerTime: isoSeconds(now), MaxAllowedSkewMilliseconds: String(SKEW_MS) });
      }
      return;
    }
    const expires = auth.amzMs + auth.expiresIn! * 1000;
    if (now > expires) {
      throw new AwsError(403, "AccessDenied", "Request has expired", { "X-Amz-Expires": String(auth.expiresIn), Expires: isoSeconds(expires), ServerTime: isoSeconds(now) });
    }
    if (auth.amzMs > now + SKEW_MS) throw new AwsError(403, "AccessDenied", "Request is not valid yet", { "X-Amz-Date": auth.amzDate, ServerTime: isoSeconds(now) });
  }

  private require(c: S3Ctx, action: string, resource: string, context?: Record<string, string>): void {
    const decision = authorize({ action, resource, context }, c.caller.identity, c.caller.session);
    if (!decision.allowed) {
      throw new AwsError(403, "AccessDenied", `User: ${c.caller.arn} is not authorized to perform: ${action} on resource: "${resource}" ${decision.reason}`);
    }
  }

  private may(c: S3Ctx, action: string, resource: string): boolean {
    return authorize({ action, resource }, c.caller.identity, c.caller.session).allowed;
  }

  private async s3Operation(action: string, c: S3Ctx): Promise<Response> {
    const partition = partitionOf(c.bucket.region);
    const bucketArn = `arn:${partition}:s3:::${c.bucket.name}`;
    const objectArn = `${bucketArn}/${c.key}`;
    switch (action) {
      case "GetObject":
      case "HeadObject":
        this.require(c, "s3:GetObject", objectArn);
        return this.getObjectResponse(c, bucketArn);
      case "PutObject":
        this.require(c, "s3:PutObject", objectArn);
        return this.putObjectResponse(c);
      case "DeleteObject":
        this.require(c, "s3:DeleteObject", objectArn);
        c.bucket.objects.delete(c.key);
        return s3Response(204, null);
      case "HeadBucket": {
        const headers = { "x-amz-bucket-region": c.bucket.region };
        const decision = authorize({ action: "s3:ListBucket", resource: bucketArn }, c.caller.identity, c.caller.session);
        if (!decision.allowed) throw new AwsError(403, "AccessDenied", "Access Denied", {}, headers);
        return s3Response(200, null, headers);
      }
      case "ListObjectsV2": {
        const prefix = one(c.query, "prefix");
        this.require(c, "s3:ListBucket", bucketArn, prefix === undefined ? undefined : { "s3:prefix": prefix });
        return s3Response(200, listObjectsV2(c.bucket, c.query));
      }
      case "GetBucketCors":
        this.require(c, "s3:GetBucketCORS", bucketArn);
        if (!c.bucket.cors?.length) throw new AwsError(404, "NoSuchCORSConfiguration", "The CORS configuration does not exist", { BucketName: c.bucket.name });
        return s3Response(200, corsXml(c.bucket.cors));
      case "GetBucketLocation": {
        this.require(c, "s3:GetBucketLocation", bucketArn);
        // us-east-1 is the empty LocationConstraint, a real S3 quirk.
        const location = c.bucket.region === "us-east-1" ? `<LocationConstraint xmlns="${S3_NS}"/>` : `<LocationConstraint xmlns="${S3_NS}">${c.bucket.region}</LocationConstraint>`;
        return s3Response(200, `<?xml version="1.0" encoding="UTF-8"?>\n${location}`);
      }
      default:
        throw new AwsError(501, "NotImplemented", `fake-aws does not model this S3 operation (${action})`);
    }
  }

  private getObjectResponse(c: S3Ctx, bucketArn: string): Response {
    const obj = c.bucket.objects.get(c.key);
    if (!obj) {
      // S3 only admits that a key is absent to callers who could list the bucket.
      if (this.may(c, "s3:ListBucket", bucketArn)) throw new AwsError(404, "NoSuchKey", "The specified key does not exist.", { Key: c.key });
      throw new AwsError(403, "AccessDenied", "Access Denied");
    }
    if (obj.kmsKeyArn) {
      // S3 decrypts with the caller's permissions: kms:Decrypt on the key, via S3.
      const decision = authorize({ action: "kms:Decrypt", resource: obj.kmsKeyArn, context: { "kms:viaservice": `s3.${c.bucket.region}.amazonaws.com` } }, c.caller.identity, c.caller.session);
      if (!decision.allowed) {
        throw new AwsError(403, "AccessDenied", `User: ${c.caller.arn} is not authorized to perform: kms:Decrypt on resource: ${obj.kmsKeyArn} ${decision.reason}`);
      }
    }
    const headers: Record<string, string> = {
      "content-type": obj.contentType,
      etag: obj.etag,
      "last-modified": new Date(obj.lastModified).toUTCString(),
      "accept-ranges": "bytes",
    };
    for (const [param, value] of Object.entries(c.query)) {
      if (param.startsWith("response-") && typeof value === "string") headers[param.slice("response-".length)] = value;
    }
    const size = obj.body.length;
    const range = parseRange(c.inc.headers.get("range"), size);
    if (range === "unsatisfiable") throw new AwsError(416, "InvalidRange", "The requested range is not satisfiable", { RangeRequested: c.inc.headers.get("range") ?? "", ActualObjectSize: String(size) }, { "content-range": `bytes */${size}` });
    const [start, end] = range ?? [0, size - 1];
    const body = obj.body.slice(start, end + 1);
    headers["content-length"] = String(body.length);
    if (range) headers["content-range"] = `bytes ${start}-${end}/${size}`;
    return s3Response(range ? 206 : 200, c.inc.method === "HEAD" ? null : body, headers);
  }

  private async putObjectResponse(c: S3Ctx): Promise<Response> {
    if (utf8.encode(c.key).length > 1024) throw new AwsError(400, "KeyTooLongError", "Your key is too long");
    if (c.inc.headers.has("x-amz-copy-source")) throw new AwsError(501, "NotImplemented", "fake-aws does not model CopyObject");
    this.putObject(c.bucket.name, c.key, c.inc.body, c.inc.headers.get("content-type") ?? undefined);
    return s3Response(200, null, { etag: this.getObject(c.bucket.name, c.key)!.etag });
  }
}

interface S3Ctx {
  inc: Incoming;
  bucket: Bucket;
  key: string;
  query: Query;
  caller: Caller;
}

// ---------------------------------------------------------------------------------------
// Request plumbing
// ---------------------------------------------------------------------------------------

async function incoming(req: Request): Promise<Incoming> {
  const url = new URL(req.url);
  const body = req.method === "GET" || req.method === "HEAD" ? new Uint8Array() : new Uint8Array(await req.arrayBuffer());
  return {
    method: req.method.toUpperCase(),
    url,
    host: req.headers.get("host") ?? url.host,
    rawPath: url.pathname,
    rawQuery: url.search.slice(1),
    headers: req.headers,
    body,
    signal: req.signal ?? undefined,
  };
}

/** On a custom endpoint, any POST whose form body names an `Action` is STS (S3 has no such request). */
function isStsForm(inc: Incoming): boolean {
  return inc.method === "POST" && new URLSearchParams(fromUtf8.decode(inc.body)).has("Action");
}

function pathStyle(rawPath: string, hostRegion: string | undefined): S3Target {
  const rest = rawPath.slice(1);
  const slash = rest.indexOf("/");
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  return { service: "s3", bucket: safeDecode(bucket), rawKey: slash < 0 ? "" : rest.slice(slash + 1), hostRegion };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function stsAction(inc: Incoming): string {
  return new URLSearchParams(fromUtf8.decode(inc.body)).get("Action") ?? "Unsupported:STS";
}

/** Names the S3 operation from method, key and sub-resources, before anything is validated. */
function s3Action(inc: Incoming, t: S3Target): string {
  if (inc.method === "OPTIONS") return "PreflightRequest";
  const names = [...new URLSearchParams(inc.rawQuery).keys()].filter((k) => !k.toLowerCase().startsWith("x-amz-"));
  const only = (allowed: Set<string>) => names.every((n) => allowed.has(n));
  if (t.rawKey === "") {
    if (t.bucket === "") return "Unsupported:ListBuckets";
    if (inc.method === "GET" && names.includes("list-type") && only(LIST_QUERY)) return "ListObjectsV2";
    if (inc.method === "GET" && names.length === 1 && names[0] === "cors") return "GetBucketCors";
    if (inc.method === "GET" && names.length === 1 && names[0] === "location") return "GetBucketLocation";
    if (inc.method === "HEAD" && names.length === 0) return "HeadBucket";
    return `Unsupported:${inc.method} bucket ?${names.join("&")}`;
  }
  const ops: Record<string, string> = { GET: "GetObject", HEAD: "HeadObject", PUT: "PutObject", DELETE: "DeleteObject" };
  const op = ops[inc.method];
  const allowed = inc.method === "GET" || inc.method === "HEAD" ? OBJECT_QUERY : new Set(["x-id"]);
  return op && only(allowed) ? op : `Unsupported:${inc.method} object ?${names.join("&")}`;
}

/** Best effort, for the call log only. */
function peekAccessKeyId(inc: Incoming): string | undefined {
  const fromHeader = /Credential=([^/,\s]+)\//.exec(inc.headers.get("authorization") ?? "")?.[1];
  return fromHeader ?? new URLSearchParams(inc.rawQuery).get("X-Amz-Credential")?.split("/")[0];
}

async function checkPayloadHash(inc: Incoming, mismatch: (client: string, computed: string) => AwsError): Promise<void> {
  const claimed = inc.headers.get("x-amz-content-sha256");
  if (claimed === null || claimed === UNSIGNED_PAYLOAD) return;
  if (!/^[0-9a-f]{64}$/.test(claimed)) throw new AwsError(400, "InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a valid sha256 value.");
  const computed = await sha256Hex(inc.body);
  if (computed !== claimed) throw mismatch(claimed, computed);
}

// ---------------------------------------------------------------------------------------
// STS helpers
// ---------------------------------------------------------------------------------------

function required(p: URLSearchParams, name: string, member: string): string {
  const v = p.get(name);
  if (v === null) throw new AwsError(400, "ValidationError", `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`);
  return v;
}

function validateLength(v: string, member: string, min: number, max: number): void {
  if (v.length > max) throw new AwsError(400, "ValidationError", `1 validation error detected: Value '${v}' at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${max}`);
  if (v.length < min) throw new AwsError(400, "ValidationError", `1 validation error detected: Value '${v}' at '${member}' failed to satisfy constraint: Member must have length greater than or equal to ${min}`);
}

function validatePattern(v: string, member: string, re: RegExp, shown: string): void {
  if (!re.test(v)) throw new AwsError(400, "ValidationError", `1 validation error detected: Value '${v}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${shown}`);
}

function parseDuration(raw: string | null): number {
  if (raw === null) return 3600;
  const n = Number(raw);
  if (!/^\d+$/.test(raw)) throw new AwsError(400, "ValidationError", `Value '${raw}' for parameter DurationSeconds is invalid.`);
  if (n < 900) throw new AwsError(400, "ValidationError", `1 validation error detected: Value '${raw}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`);
  if (n > 43200) throw new AwsError(400, "ValidationError", `1 validation error detected: Value '${raw}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200`);
  return n;
}

function parseSessionPolicy(raw: string | null): { policy: IamPolicy; size: number } | undefined {
  if (raw === null) return undefined;
  const size = Math.ceil((raw.length * 100) / 2048);
  if (raw.length > 2048) throw new AwsError(400, "PackedPolicyTooLarge", `Packed policy consumes ${size}% of allotted space, please use smaller policy for this request.`);
  try {
    return { policy: parsePolicy(raw), size };
  } catch (e) {
    if (e instanceof PolicyError) throw new AwsError(400, "MalformedPolicyDocument", e.message);
    throw e;
  }
}

function stsOk(action: string, inner: string): Response {
  const body = `<${action}Response xmlns="${STS_NS}">\n  <${action}Result>\n    ${inner}\n  </${action}Result>\n  <ResponseMetadata>\n    <RequestId>${crypto.randomUUID()}</RequestId>\n  </ResponseMetadata>\n</${action}Response>\n`;
  return new Response(body, { status: 200, headers: { "content-type": "text/xml", "x-amzn-requestid": crypto.randomUUID() } });
}

function stsError(e: AwsError): Response {
  const requestId = crypto.randomUUID();
  const body =
    `<ErrorResponse xmlns="${STS_NS}">\n  <Error>\n    <Type>${e.status >= 500 ? "Receiver" : "Sender"}</Type>\n` +
    `    <Code>${e.code}</Code>\n    <Message>${escapeXml(e.message)}</Message>\n  </Error>\n  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`;
  return new Response(body, { status: e.status, headers: { "content-type": "text/xml", "x-amzn-requestid": requestId } });
}

// ---------------------------------------------------------------------------------------
// S3 helpers
// ---------------------------------------------------------------------------------------

/** Presigned (`X-Amz-*` query) or `Authorization` header SigV4; null for an anonymous request. */
function parseS3Auth(inc: Incoming, query: Query): SigV4Auth | null {
  const header = inc.headers.get("authorization");
  const presigned = query["X-Amz-Algorithm"] !== undefined || query["X-Amz-Signature"] !== undefined;
  if (header && presigned) throw new AwsError(400, "InvalidArgument", "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified");
  if (presigned) return parsePresignedQuery(query);
  if (!header) return null;
  const auth = parseAuthorizationHeader(header, inc.headers);
  if (!auth) throw new AwsError(400, "AuthorizationHeaderMalformed", `The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.`);
  if (Number.isNaN(auth.amzMs)) throw new AwsError(403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header");
  if (!auth.signedHeaders.includes("host")) throw new AwsError(400, "AuthorizationHeaderMalformed", "The authorization header is malformed; 'host' must be a signed header.");
  const sha = inc.headers.get("x-amz-content-sha256");
  if (sha === null) throw new AwsError(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
  if (sha.startsWith("STREAMING-")) throw new AwsError(501, "NotImplemented", "fake-aws does not model streaming (chunked) signatures");
  return auth;
}

function parsePresignedQuery(q: Query): SigV4Auth {
  const bad = (msg: string) => new AwsError(400, "AuthorizationQueryParametersError", msg);
  const algorithm = one(q, "X-Amz-Algorithm");
  const credential = one(q, "X-Amz-Credential");
  const amzDate = one(q, "X-Amz-Date");
  const expires = one(q, "X-Amz-Expires");
  const signedHeaders = one(q, "X-Amz-SignedHeaders");
  const signature = one(q, "X-Amz-Signature");
  if (!algorithm || !credential || !amzDate || !expires || !signedHeaders || !signature) {
    throw bad("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
  }
  if (algorithm !== "AWS4-HMAC-SHA256") throw bad('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  const scope = parseCredential(credential);
  if (!scope) throw bad(`Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`);
  const amzMs = parseAmzDate(amzDate);
  if (amzMs === null) throw bad("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  if (!/^\d+$/.test(expires) || +expires < 1) throw bad("X-Amz-Expires must be non-negative");
  if (+expires > MAX_PRESIGN_SECONDS) throw bad("X-Amz-Expires must be less than a week (in seconds) that is 604800");
  const headers = signedHeaders.split(";");
  if (!headers.includes("host")) throw bad("X-Amz-SignedHeaders must contain host");
  return { mode: "query", ...scope, signedHeaders: headers, signature, amzDate, amzMs, expiresIn: +expires, token: one(q, "X-Amz-Security-Token") };
}

function s3Response(status: number, body: string | Uint8Array | null, headers: Record<string, string> = {}): Response {
  const h = new Headers(headers);
  h.set("x-amz-request-id", randomChars(16, "0123456789ABCDEF"));
  if (typeof body === "string" && !h.has("content-type")) h.set("content-type", "application/xml");
  return new Response(body, { status, headers: h });
}

function s3Error(e: AwsError, head: boolean, extraHeaders: Record<string, string> = {}): Response {
  const requestId = randomChars(16, "0123456789ABCDEF");
  const extra = Object.entries(e.extra)
    .map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`)
    .join("");
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${e.code}</Code><Message>${escapeXml(e.message)}</Message>${extra}<RequestId>${requestId}</RequestId><HostId>${base64(crypto.getRandomValues(new Uint8Array(48)))}</HostId></Error>`;
  const headers = new Headers({ ...extraHeaders, ...e.headers, "x-amz-request-id": requestId });
  if (!head) headers.set("content-type", "application/xml");
  return new Response(head ? null : body, { status: e.status, headers });
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n`; null = whole object (also for multi-range, as S3 does). */
function parseRange(header: string | null, size: number): [number, number] | null | "unsatisfiable" {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") {
    const n = +m[2]!;
    return n === 0 || size === 0 ? "unsatisfiable" : [Math.max(0, size - n), size - 1];
  }
  const start = +m[1]!;
  if (start >= size) return "unsatisfiable";
  const end = m[2] === "" ? size - 1 : Math.min(+m[2]!, size - 1);
  return end < start ? null : [start, end];
}

/** The continuation token is opaque to clients; here it names the last key or common prefix returned. */
function encodeToken(after: { key: string } | { prefix: string }): string {
  return base64(utf8.encode(JSON.stringify(after)));
}

function decodeToken(token: string): { key: string } | { prefix: string } {
  try {
    const v = JSON.parse(fromUtf8.decode(fromBase64(token))) as unknown;
    if (v && typeof v === "object" && (typeof (v as { key?: unknown }).key === "string" || typeof (v as { prefix?: unknown }).prefix === "string")) {
      return v as { key: string } | { prefix: string };
    }
  } catch {
    // fall through
  }
  throw new AwsError(400, "InvalidArgument", "The continuation token provided is incorrect", { ArgumentName: "continuation-token" });
}

function listObjectsV2(bucket: Bucket, q: Query): string {
  if (one(q, "list-type") !== "2") throw new AwsError(400, "InvalidArgument", "Invalid List Type specified");
  if (one(q, "encoding-type") !== undefined) throw new AwsError(501, "NotImplemented", "fake-aws does not model encoding-type");
  const prefix = one(q, "prefix") ?? "";
  const delimiter = one(q, "delimiter") || undefined;
  const rawMax = one(q, "max-keys") ?? "1000";
  if (!/^\d+$/.test(rawMax)) throw new AwsError(400, "InvalidArgument", "Provided max-keys not an integer or within integer range", { ArgumentName: "max-keys" });
  const maxKeys = Math.min(+rawMax, 1000);
  const token = one(q, "continuation-token");
  const startAfter = one(q, "start-after");
  const after = token !== undefined ? decodeToken(token) : startAfter !== undefined ? { key: startAfter } : undefined;

  const keys = [...bucket.objects.keys()].filter((k) => k.startsWith(prefix) && !isBefore(k, after)).sort(compareKeys);
  const contents: string[] = [];
  const prefixes: string[] = [];
  let last: { key: string } | { prefix: string } | undefined;
  let truncated = false;
  for (const key of keys) {
    const cut = delimiter === undefined ? -1 : key.indexOf(delimiter, prefix.length);
    const common = cut < 0 ? undefined : key.slice(0, cut + delimiter!.length);
    if (common !== undefined && prefixes[prefixes.length - 1] === common) continue;
    if (contents.length + prefixes.length >= maxKeys) {
      truncated = true;
      break;
    }
    if (common !== undefined) {
      prefixes.push(common);
      last = { prefix: common };
    } else {
      contents.push(key);
      last = { key };
    }
  }
  const parts = [
    `<Name>${escapeXml(bucket.name)}</Name>`,
    `<Prefix>${escapeXml(prefix)}</Prefix>`,
    token !== undefined ? `<ContinuationToken>${escapeXml(token)}</ContinuationToken>` : "",
    startAfter !== undefined ? `<StartAfter>${escapeXml(startAfter)}</StartAfter>` : "",
    delimiter !== undefined ? `<Delimiter>${escapeXml(delimiter)}</Delimiter>` : "",
    `<KeyCount>${contents.length + prefixes.length}</KeyCount>`,
    `<MaxKeys>${maxKeys}</MaxKeys>`,
    `<IsTruncated>${truncated}</IsTruncated>`,
    truncated && last ? `<NextContinuationToken>${encodeToken(last)}</NextContinuationToken>` : "",
    ...contents.map((k) => contentsXml(k, bucket.objects.get(k)!)),
    ...prefixes.map((p) => `<CommonPrefixes><Prefix>${escapeXml(p)}</Prefix></CommonPrefixes>`),
  ];
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="${S3_NS}">${parts.join("")}</ListBucketResult>`;
}

function isBefore(key: string, after: { key: string } | { prefix: string } | undefined): boolean {
  if (!after) return false;
  if ("key" in after) return compareKeys(key, after.key) <= 0;
  return key.startsWith(after.prefix) || compareKeys(key, after.prefix) <= 0;
}

function contentsXml(key: string, o: StoredObject): string {
  return (
    `<Contents><Key>${escapeXml(key)}</Key><LastModified>${new Date(o.lastModified).toISOString()}</LastModified>` +
    `<ETag>${escapeXml(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`
  );
}

function corsXml(rules: CorsRule[]): string {
  const rule = (r: CorsRule) =>
    "<CORSRule>" +
    (r.ID ? `<ID>${escapeXml(r.ID)}</ID>` : "") +
    r.AllowedOrigins.map((o) => `<AllowedOrigin>${escapeXml(o)}</AllowedOrigin>`).join("") +
    r.AllowedMethods.map((m) => `<AllowedMethod>${escapeXml(m)}</AllowedMethod>`).join("") +
    (r.AllowedHeaders ?? []).map((h) => `<AllowedHeader>${escapeXml(h)}</AllowedHeader>`).join("") +
    (r.ExposeHeaders ?? []).map((h) => `<ExposeHeader>${escapeXml(h)}</ExposeHeader>`).join("") +
    (r.MaxAgeSeconds !== undefined ? `<MaxAgeSeconds>${r.MaxAgeSeconds}</MaxAgeSeconds>` : "") +
    "</CORSRule>";
  return `<?xml version="1.0" encoding="UTF-8"?>\n<CORSConfiguration xmlns="${S3_NS}">${rules.map(rule).join("")}</CORSConfiguration>`;
}

function wildcard(pattern: string, value: string): boolean {
  const re = new RegExp("^" + pattern.split("*").map((p) => p.replace(/[\\^$.+?()[\]{}|]/g, "\\$&")).join(".*") + "$", "i");
  return re.test(value);
}

function matchCors(rules: CorsRule[] | undefined, origin: string, method: string, requestHeaders: string[]): CorsRule | undefined {
  return rules?.find(
    (r) =>
      r.AllowedOrigins.some((o) => wildcard(o, origin)) &&
      r.AllowedMethods.includes(method) &&
      requestHeaders.every((h) => (r.AllowedHeaders ?? []).some((a) => wildcard(a, h))),
  );
}

function corsHeaders(rule: CorsRule, origin: string, requestHeaders: string[]): Record<string, string> {
  const any = rule.AllowedOrigins.includes("*");
  const h: Record<string, string> = {
    "access-control-allow-origin": any ? "*" : origin,
    "access-control-allow-methods": rule.AllowedMethods.join(", "),
    vary: "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
  };
  if (!any) h["access-control-allow-credentials"] = "true";
  if (rule.ExposeHeaders?.length) h["access-control-expose-headers"] = rule.ExposeHeaders.join(", ");
  if (rule.MaxAgeSeconds !== undefined) h["access-control-max-age"] = String(rule.MaxAgeSeconds);
  if (requestHeaders.length) h["access-control-allow-headers"] = requestHeaders.join(", ");
  return h;
}

/** CORS headers for an actual (non-preflight) request, as S3 adds them when a rule matches. */
function corsFor(bucket: Bucket, inc: Incoming): Record<string, string> {
  const origin = inc.headers.get("origin");
  if (!origin || inc.method === "OPTIONS") return {};
  const rule = matchCors(bucket.cors, origin, inc.method, []);
  return rule ? corsHeaders(rule, origin, []) : {};
}

function preflight(bucket: Bucket | undefined, inc: Incoming): Response {
  if (!bucket) throw new AwsError(404, "NoSuchBucket", "The specified bucket does not exist");
  const origin = inc.headers.get("origin");
  const method = inc.headers.get("access-control-request-method");
  if (!origin || !method) throw new AwsError(400, "BadRequest", "Insufficient information. Origin request header needed.");
  if (!bucket.cors?.length) throw new AwsError(403, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.");
  const requested = (inc.headers.get("access-control-request-headers") ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const rule = matchCors(bucket.cors, origin, method, requested);
  if (!rule) throw new AwsError(403, "AccessForbidden", "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.");
  return s3Response(200, null, corsHeaders(rule, origin, requested));
}

// ---------------------------------------------------------------------------------------
// Seeds
// ---------------------------------------------------------------------------------------

export function seedObject(o: NonNullable<SeedBucket["objects"]>[string]): ObjectInit {
  if (typeof o === "string") return o;
  const body = o.base64 !== undefined ? fromBase64(o.base64) : (o.body ?? "");
  return { body, contentType: o.contentType };
}

/** Adds a JSON-able seed's principals, roles and buckets to the fake. */
export function applySeed(fake: FakeAws, seed: FakeSeed): void {
  for (const p of seed.principals ?? []) fake.addPrincipal(p);
  for (const r of seed.roles ?? []) fake.addRole(r);
  for (const b of seed.buckets ?? []) {
    const objects = Object.fromEntries(Object.entries(b.objects ?? {}).map(([k, o]) => [k, seedObject(o)]));
    fake.addBucket({ name: b.name, region: b.region, cors: b.cors, objects });
  }
}
