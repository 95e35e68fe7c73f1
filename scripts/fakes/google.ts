/**
 * A fake of the Google services signpost's GCS support talks to, written from Google's
 * documentation and independent of worker/gcp (nothing is imported from the worker):
 *
 * - OAuth token endpoint (`oauth2.googleapis.com/token`): the JWT bearer grant, verifying the
 *   assertion's RS256 signature with the issuing service account's public key, `kid`, `aud`,
 *   `iat`/`exp` (at most one hour, not expired).
 * - IAM Credentials (`iamcredentials.googleapis.com`): `signBlob` and `generateAccessToken`,
 *   allowed only when the caller holds Service Account Token Creator on the target; Google's
 *   error JSON (`{"error": {"code", "message", "status", "details"}}`).
 * - Cloud Storage (`storage.googleapis.com`, `{bucket}.storage.googleapis.com`): GET/HEAD of
 *   objects through V4 signed URLs, verified by recomputing the canonical request from the
 *   V4 specification and checking the RSA-SHA256 signature against the signer's public key;
 *   expiry, Storage Object Viewer on the bucket, response-* overrides, bucket CORS; and the
 *   JSON API's `GET /storage/v1/b/{bucket}?fields=cors`.
 *
 * - Security Token Service (`sts.googleapis.com/v1/token`): Workload Identity Federation's
 *   token exchange for OIDC providers, verifying the subject token with `jose` against the
 *   issuer's JWKS (fetched from the issuer: signpost itself) and mapping
 *   google.subject = assertion.sub to a `principal://…/subject/{sub}` member.
 *
 * Stricter than Google in one place: a V4 URL may not ask for more than 12 hours, the limit
 * Google documents for URLs signed through signBlob (its managed keys rotate).
 *
 * Runs on Web APIs only (workerd and Node). Every fake has `matches(url)`, `handle(req)`, a
 * `calls` log, `failNext(n, kind)` fault injection and an overridable `now()` (epoch ms).
 */

import { TokenRefused, verifyIdentityToken, type IssuerFetch } from "./oidc-verifier";

export type FaultKind = 500 | 503 | 429 | "network" | "hang";

/** A Workload Identity Federation OIDC provider. */
export interface WorkloadIdentityProviderInit {
  /** `projects/{number}/locations/global/workloadIdentityPools/{pool}/providers/{provider}` */
  name: string;
  issuer: string;
  /** Default: `https://iam.googleapis.com/{name}` (Google's default allowed audience). */
  allowedAudiences?: string[];
  fetch: IssuerFetch;
}

/** One token exchange as Google's STS saw it. */
export interface StsExchange {
  token: string;
  audience: string;
  outcome: "ok" | string;
  refusal?: string;
}

export interface FakeCall {
  method: string;
  url: string;
  host: string;
  path: string;
  /** Fake clock at arrival. */
  at: number;
  status?: number;
  fault?: FaultKind;
}

interface Fault {
  remaining: number;
  kind: FaultKind;
  filter?: (url: URL) => boolean;
}

/** What both fakes share: call log, clock, fault injection. */
export abstract class FakeService {
  readonly calls: FakeCall[] = [];
  /** Epoch ms; replace to move the fake's clock. */
  now: () => number = () => Date.now();
  private faults: Fault[] = [];

  abstract matches(url: URL): boolean;
  protected abstract route(req: Request, url: URL): Promise<Response>;
  /** The body a 5xx/429 fault answers with, in the service's own error format. */
  protected abstract faultResponse(status: number, url: URL): Response;

  /**
   * The next `n` matching requests fail: with HTTP 500/503/429 (429 carries Retry-After), a
   * network error (`handle` rejects with a TypeError), or a hang that ends only when the
   * request's signal aborts.
   */
  failNext(n: number, kind: FaultKind, filter?: (url: URL) => boolean): void {
    this.faults.push({ remaining: n, kind, filter });
  }

  /** Drops faults not yet consumed. */
  clearFaults(): void {
    this.faults = [];
  }

  /** Calls whose URL path contains `fragment`. */
  callsTo(fragment: string): FakeCall[] {
    return this.calls.filter((c) => c.path.includes(fragment));
  }

  async handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const call: FakeCall = { method: req.method, url: req.url, host: url.host, path: url.pathname, at: this.now() };
    this.calls.push(call);
    const fault = this.faults.find((f) => f.remaining > 0 && (!f.filter || f.filter(url)));
    if (fault) {
      fault.remaining--;
      call.fault = fault.kind;
      if (fault.kind === "network") throw new TypeError(`fake network error: ${url.host}`);
      if (fault.kind === "hang") return hang(req);
      const res = this.faultResponse(fault.kind, url);
      if (fault.kind === 429) res.headers.set("retry-after", "1");
      call.status = res.status;
      return res;
    }
    const res = await this.route(req, url);
    call.status = res.status;
    return res;
  }
}

function hang(req: Request): Promise<Response> {
  return new Promise((_, reject) => {
    const signal = req.signal;
    if (!signal) return;
    const abort = () => reject(signal.reason ?? new DOMException("The operation was aborted.", "AbortError"));
    if (signal.aborted) abort();
    else signal.addEventListener("abort", abort);
  });
}

// ---------------------------------------------------------------------------------------
// Small independent helpers (deliberately not shared with worker code)

const enc = new TextEncoder();

export function b64(bytes: ArrayBuffer | Uint8Array): string {
  const u = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let s = "";
  for (const b of u) s += String.fromCharCode(b);
  return btoa(s);
}

export function unb64(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

function unb64url(s: string): Uint8Array {
  const t = s.replace(/-/g, "+").replace(/_/g, "/");
  return unb64(t + "===".slice((t.length + 3) % 4));
}

function hex(buf: ArrayBuffer): string {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
}

function randomHex(bytes: number): string {
  return hex(crypto.getRandomValues(new Uint8Array(bytes)).buffer as ArrayBuffer);
}

/** RFC 3986 percent-encoding: everything but ALPHA / DIGIT / "-" / "." / "_" / "~". */
function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const RSA = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;

export async function generateRsaKeyPair(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
}

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  const body = b64((await crypto.subtle.exportKey("pkcs8", key)) as ArrayBuffer).replace(/.{64}/g, "$&\n");
  return `-----BEGIN PRIVATE KEY-----\n${body}${body.endsWith("\n") ? "" : "\n"}-----END PRIVATE KEY-----\n`;
}

// ---------------------------------------------------------------------------------------
// Google

export const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";
export const TOKEN_CREATOR = "roles/iam.serviceAccountTokenCreator";
export const OBJECT_VIEWER = "roles/storage.objectViewer";
export const LEGACY_BUCKET_READER = "roles/storage.legacyBucketReader";
const SIGNBLOB_MAX_EXPIRES = 43200;

interface ServiceAccount {
  email: string;
  keyId: string;
  keys: CryptoKeyPair;
  /** Callers (emails) holding Token Creator on this account. */
  tokenCreators: Set<string>;
}

export interface GcsCorsRule {
  origin: string[];
  method: string[];
  responseHeader?: string[];
  maxAgeSeconds?: number;
}

interface StoredObject {
  body: Uint8Array;
  contentType: string;
}

interface Bucket {
  objects: Map<string, StoredObject>;
  /** email → roles on the bucket */
  members: Map<string, Set<string>>;
  cors: GcsCorsRule[];
}

interface IssuedToken {
  email: string;
  expiresAt: number;
}

function googleJsonError(code: number, status: string, message: string, details?: unknown[]): Response {
  return Response.json({ error: { code, message, status, ...(details ? { details } : {}) } }, { status: code });
}

function storageXmlError(status: number, code: string, message: string, extra: Record<string, string> = {}): Response {
  const more = Object.entries(extra)
    .map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`)
    .join("");
  return new Response(`<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>${more}</Error>`, {
    status,
    headers: { "content-type": "application/xml; charset=UTF-8" },
  });
}

function oauthError(status: number, error: string, description: string): Response {
  return Response.json({ error, error_description: description }, { status });
}

/**
 * Cloud Storage's CORS: a rule matches on the exact origin (the literal `null` included) or `*`,
 * and the method; a preflight's requested headers must all be in the rule's `responseHeader`,
 * which is also the list of exposed headers.
 */
function corsHeaders(
  rules: Array<{ origins: string[]; methods: string[]; maxAge?: number; headers?: string[] }>,
  origin: string | null,
  method: string,
  requestedHeaders: string[] = [],
): Headers | null {
  if (!origin) return null;
  const rule = rules.find(
    (r) =>
      (r.origins.includes("*") || r.origins.includes(origin)) &&
      r.methods.map((m) => m.toUpperCase()).includes(method.toUpperCase()) &&
      requestedHeaders.every((h) => (r.headers ?? []).some((a) => a.toLowerCase() === h)),
  );
  if (!rule) return null;
  const h = new Headers({ "access-control-allow-origin": rule.origins.includes("*") ? "*" : origin, vary: "Origin" });
  if (rule.maxAge !== undefined) h.set("access-control-max-age", String(rule.maxAge));
  if (rule.headers?.length) h.set("access-control-expose-headers", rule.headers.join(","));
  if (requestedHeaders.length) h.set("access-control-allow-headers", requestedHeaders.join(","));
  return h;
}

function requestedHeaders(req: Request): string[] {
  return (req.headers.get("access-control-request-headers") ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
}

export class FakeGoogle extends FakeService {
  private readonly accounts = new Map<string, ServiceAccount>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly tokens = new Map<string, IssuedToken>();

  /** More origins serving the XML API path-style, as a storage endpoint override (emulator) does. */
  readonly storageOrigins = new Set<string>();
  /** Every token exchange at the STS, in order. */
  readonly stsExchanges: StsExchange[] = [];
  private readonly wifProviders = new Map<string, WorkloadIdentityProviderInit>();

  matches(url: URL): boolean {
    const h = url.hostname;
    return (
      this.storageOrigins.has(url.origin) ||
      h === "sts.googleapis.com" ||
      h === "oauth2.googleapis.com" ||
      h === "iamcredentials.googleapis.com" ||
      h === "storage.googleapis.com" ||
      h.endsWith(".storage.googleapis.com")
    );
  }

  // ----- set-up -------------------------------------------------------------------------

  /** Creates a service account with a fresh RSA key; returns its JSON key file (as Google issues it). */
  async createServiceAccount(email: string): Promise<{ email: string; keyFile: string }> {
    const keys = await generateRsaKeyPair();
    const keyId = randomHex(20);
    this.accounts.set(email, { email, keyId, keys, tokenCreators: new Set() });
    const project = email.split("@")[1]!.split(".")[0]!;
    const keyFile = JSON.stringify({
      type: "service_account",
      project_id: project,
      private_key_id: keyId,
      private_key: await pkcs8Pem(keys.privateKey),
      client_email: email,
      client_id: String(100000000000000000000n + BigInt(this.accounts.size)),
      auth_uri: "https://accounts.google.com/o/oauth2/auth",
      token_uri: GOOGLE_TOKEN_URL,
      auth_provider_x509_cert_url: "https://www.googleapis.com/oauth2/v1/certs",
      client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(email)}`,
      universe_domain: "googleapis.com",
    });
    return { email, keyFile };
  }

  deleteServiceAccount(email: string): void {
    this.accounts.delete(email);
  }

  /** Public key of a service account (to verify signatures independently). */
  publicKey(email: string): CryptoKey {
    return this.account(email).keys.publicKey;
  }

  /** `member` gets Service Account Token Creator on `target`. */
  addWorkloadIdentityProvider(p: WorkloadIdentityProviderInit): void {
    this.wifProviders.set(p.name, p);
  }

  removeWorkloadIdentityProvider(name: string): void {
    this.wifProviders.delete(name);
  }

  /** The member a federated token acts as: `principal://iam.googleapis.com/projects/{n}/locations/global/workloadIdentityPools/{pool}/subject/{sub}`. */
  static principal(providerName: string, subject: string): string {
    return `principal://iam.googleapis.com/${providerName.replace(/\/providers\/[^/]+$/, "")}/subject/${subject}`;
  }

  grantTokenCreator(target: string, member: string): void {
    this.account(target).tokenCreators.add(member);
  }

  revokeTokenCreator(target: string, member: string): void {
    this.account(target).tokenCreators.delete(member);
  }

  /** Replaces a bucket's CORS rules (gcloud storage buckets update --cors-file). */
  setBucketCors(name: string, cors: GcsCorsRule[]): void {
    const b = this.buckets.get(name);
    if (!b) throw new Error(`fake-google: no bucket ${name}`);
    b.cors = cors;
  }

  createBucket(name: string, opts: { cors?: GcsCorsRule[] } = {}): void {
    this.buckets.set(name, { objects: new Map(), members: new Map(), cors: opts.cors ?? [] });
  }

  /** Bucket-level IAM: OBJECT_VIEWER (read objects), LEGACY_BUCKET_READER (bucket metadata). */
  grantBucketRole(bucket: string, member: string, role: string): void {
    const b = this.bucket(bucket);
    if (!b.members.has(member)) b.members.set(member, new Set());
    b.members.get(member)!.add(role);
  }

  revokeBucketRole(bucket: string, member: string, role: string): void {
    this.bucket(bucket).members.get(member)?.delete(role);
  }

  putObject(bucket: string, name: string, body: string | Uint8Array, contentType = "application/octet-stream"): void {
    this.bucket(bucket).objects.set(name, { body: typeof body === "string" ? enc.encode(body) : body, contentType });
  }

  /** Access tokens issued so far by the OAuth endpoint (and generateAccessToken). */
  get issuedTokens(): number {
    return this.tokens.size;
  }

  /** Every access token issued so far stops working (as after a revocation). */
  revokeAccessTokens(): void {
    for (const t of this.tokens.values()) t.expiresAt = 0;
  }

  private account(email: string): ServiceAccount {
    const a = this.accounts.get(email);
    if (!a) throw new Error(`fake google: no service account ${email}`);
    return a;
  }

  private bucket(name: string): Bucket {
    const b = this.buckets.get(name);
    if (!b) throw new Error(`fake google: no bucket ${name}`);
    return b;
  }

  // ----- routing ------------------------------------------------------------------------

  protected faultResponse(status: number, url: URL): Response {
    if (url.hostname.endsWith("storage.googleapis.com") && !url.pathname.startsWith("/storage/v1/")) {
      return storageXmlError(status, status === 429 ? "SlowDown" : "InternalError", "We encountered an internal error. Please try again.");
    }
    if (url.hostname === "oauth2.googleapis.com") return oauthError(status, "internal_failure", "Backend Error");
    const st = status === 429 ? "RESOURCE_EXHAUSTED" : status === 503 ? "UNAVAILABLE" : "INTERNAL";
    return googleJsonError(status, st, status === 429 ? "Quota exceeded." : "Internal error encountered.");
  }

  protected async route(req: Request, url: URL): Promise<Response> {
    if (url.hostname === "oauth2.googleapis.com") return this.oauth(req, url);
    if (url.hostname === "sts.googleapis.com") return this.sts(req, url);
    if (url.hostname === "iamcredentials.googleapis.com") return this.iam(req, url);
    if (url.hostname === "storage.googleapis.com" && url.pathname.startsWith("/storage/v1/")) return this.jsonApi(req, url);
    return this.storage(req, url);
  }

  // ----- OAuth --------------------------------------------------------------------------

  private async oauth(req: Request, url: URL): Promise<Response> {
    if (req.method !== "POST" || url.pathname !== "/token") return oauthError(404, "not_found", "Not Found");
    const form = new URLSearchParams(new TextDecoder().decode(await req.arrayBuffer()));
    if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer")
      return oauthError(400, "unsupported_grant_type", "Invalid grant_type: " + form.get("grant_type"));
    const parts = (form.get("assertion") ?? "").split(".");
    if (parts.length !== 3) return oauthError(400, "invalid_request", "Invalid JWT: malformed assertion.");
    let header: { alg?: string; kid?: string };
    let claims: { iss?: string; scope?: string; aud?: string; iat?: number; exp?: number };
    try {
      header = JSON.parse(new TextDecoder().decode(unb64url(parts[0]!)));
      claims = JSON.parse(new TextDecoder().decode(unb64url(parts[1]!)));
    } catch {
      return oauthError(400, "invalid_request", "Invalid JWT: cannot decode.");
    }
    if (header.alg !== "RS256") return oauthError(400, "invalid_grant", "Invalid JWT Signature.");
    const account = claims.iss ? this.accounts.get(claims.iss) : undefined;
    if (!account) return oauthError(400, "invalid_grant", "Invalid grant: account not found");
    if (header.kid !== undefined && header.kid !== account.keyId) return oauthError(400, "invalid_grant", "Invalid JWT Signature.");
    const valid = await crypto.subtle.verify(RSA, account.keys.publicKey, unb64url(parts[2]!), enc.encode(`${parts[0]}.${parts[1]}`));
    if (!valid) return oauthError(400, "invalid_grant", "Invalid JWT Signature.");
    if (claims.aud !== GOOGLE_TOKEN_URL) return oauthError(400, "invalid_grant", "Invalid JWT: Failed audience check.");
    const now = Math.floor(this.now() / 1000);
    const { iat, exp } = claims;
    if (typeof iat !== "number" || typeof exp !== "number" || exp <= now || iat > now + 300 || exp - iat > 3600 || exp <= iat) {
      return oauthError(
        400,
        "invalid_grant",
        "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.",
      );
    }
    if (!claims.scope) return oauthError(400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.");
    return Response.json({ access_token: this.issueToken(account.email, 3599), expires_in: 3599, token_type: "Bearer" });
  }

  // ----- Security Token Service (Workload Identity Federation) ---------------------------

  private async sts(req: Request, url: URL): Promise<Response> {
    if (req.method !== "POST" || url.pathname !== "/v1/token") return googleJsonError(404, "NOT_FOUND", "Requested entity was not found.");
    const form = new URLSearchParams(await req.text());
    const token = form.get("subject_token") ?? "";
    const audience = form.get("audience") ?? "";
    const exchange: StsExchange = { token, audience, outcome: "pending" };
    this.stsExchanges.push(exchange);
    const refuse = (error: string, description: string, refusal?: string) => {
      exchange.outcome = error;
      exchange.refusal = refusal;
      return Response.json({ error, error_description: description }, { status: 400 });
    };
    if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:token-exchange") return refuse("unsupported_grant_type", "Unsupported grant type.");
    if (form.get("requested_token_type") !== "urn:ietf:params:oauth:token-type:access_token") return refuse("invalid_request", "Invalid requested_token_type.");
    if (!["urn:ietf:params:oauth:token-type:jwt", "urn:ietf:params:oauth:token-type:id_token"].includes(form.get("subject_token_type") ?? ""))
      return refuse("invalid_request", "Invalid subject_token_type.");
    const name = audience.startsWith("//iam.googleapis.com/") ? audience.slice("//iam.googleapis.com/".length) : "";
    const provider = this.wifProviders.get(name);
    if (!provider)
      return refuse(
        "invalid_target",
        'The target service indicated by the "audience" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn\'t exist.',
      );
    let sub: string;
    try {
      const v = await verifyIdentityToken(token, {
        issuer: provider.issuer,
        audiences: provider.allowedAudiences ?? [`https://iam.googleapis.com/${name}`],
        fetch: provider.fetch,
        now: this.now(),
      });
      sub = v.payload.sub;
    } catch (e) {
      if (!(e instanceof TokenRefused)) throw e;
      return refuse("invalid_grant", `The subject token is invalid: ${e.message}`, e.reason);
    }
    exchange.outcome = "ok";
    return Response.json({
      access_token: this.issueToken(FakeGoogle.principal(name, sub), 3600),
      issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
      token_type: "Bearer",
      expires_in: 3600,
    });
  }

  private issueToken(email: string, lifetimeSeconds: number): string {
    const token = `ya29.fake-${randomHex(24)}`;
    this.tokens.set(token, { email, expiresAt: this.now() + lifetimeSeconds * 1000 });
    return token;
  }

  private bearer(req: Request): IssuedToken | null {
    const m = /^Bearer (.+)$/.exec(req.headers.get("authorization") ?? "");
    const t = m ? this.tokens.get(m[1]!) : undefined;
    return t && t.expiresAt > this.now() ? t : null;
  }

  // ----- IAM Credentials ----------------------------------------------------------------

  private async iam(req: Request, url: URL): Promise<Response> {
    const m = /^\/v1\/projects\/-\/serviceAccounts\/([^/:]+):(signBlob|generateAccessToken)$/.exec(url.pathname);
    if (req.method !== "POST" || !m) return googleJsonError(404, "NOT_FOUND", "Requested entity was not found.");
    const caller = this.bearer(req);
    if (!caller) {
      return googleJsonError(
        401,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
      );
    }
    const email = decodeURIComponent(m[1]!);
    const target = this.accounts.get(email);
    if (!target) return googleJsonError(404, "NOT_FOUND", `Not found; Gaia id not found for email ${email}`);
    const permission = m[2] === "signBlob" ? "iam.serviceAccounts.signBlob" : "iam.serviceAccounts.getAccessToken";
    if (!target.tokenCreators.has(caller.email)) {
      return googleJsonError(403, "PERMISSION_DENIED", `Permission '${permission}' denied on resource (or it may not exist).`, [
        { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "IAM_PERMISSION_DENIED", domain: "iam.googleapis.com", metadata: { permission } },
      ]);
    }
    let body: { payload?: unknown; scope?: unknown; lifetime?: unknown };
    try {
      body = (await req.json()) as typeof body;
    } catch {
      return googleJsonError(400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
    }
    if (m[2] === "generateAccessToken") {
      const lifetime = typeof body.lifetime === "string" ? parseInt(body.lifetime, 10) : 3600;
      if (!Array.isArray(body.scope) || body.scope.length === 0) return googleJsonError(400, "INVALID_ARGUMENT", "Scope required.");
      const token = this.issueToken(target.email, lifetime);
      return Response.json({ accessToken: token, expireTime: new Date(this.now() + lifetime * 1000).toISOString() });
    }
    if (typeof body.payload !== "string") return googleJsonError(400, "INVALID_ARGUMENT", "Invalid value at 'payload'.");
    let payload: Uint8Array;
    try {
      payload = unb64(body.payload);
    } catch {
      return googleJsonError(400, "INVALID_ARGUMENT", "Invalid value at 'payload' (TYPE_BYTES), Base64 decoding failed.");
    }
    const signature = await crypto.subtle.sign(RSA, target.keys.privateKey, payload);
    return Response.json({ keyId: target.keyId, signedBlob: b64(signature) });
  }

  // ----- JSON API (bucket metadata) -----------------------------------------------------

  private jsonApi(req: Request, url: URL): Response {
    const m = /^\/storage\/v1\/b\/([^/]+)$/.exec(url.pathname);
    if (req.method !== "GET" || !m) return Response.json({ error: { code: 404, message: "Not Found" } }, { status: 404 });
    const name = decodeURIComponent(m[1]!);
    const caller = this.bearer(req);
    if (!caller) {
      return Response.json(
        {
          error: {
            code: 401,
            message: `Anonymous caller does not have storage.buckets.get access to the Google Cloud Storage bucket.`,
            errors: [{ domain: "global", reason: "required" }],
          },
        },
        { status: 401 },
      );
    }
    const bucket = this.buckets.get(name);
    const roles = bucket?.members.get(caller.email);
    if (!bucket || !roles?.has(LEGACY_BUCKET_READER)) {
      const message = `${caller.email} does not have storage.buckets.get access to the Google Cloud Storage bucket. Permission 'storage.buckets.get' denied on resource (or it may not exist).`;
      return Response.json({ error: { code: 403, message, errors: [{ message, domain: "global", reason: "forbidden" }] } }, { status: 403 });
    }
    const full: Record<string, unknown> = { kind: "storage#bucket", id: name, name, ...(bucket.cors.length ? { cors: bucket.cors } : {}) };
    const fields = url.searchParams.get("fields");
    if (!fields) return Response.json(full);
    const picked: Record<string, unknown> = {};
    for (const f of fields.split(",")) if (f in full) picked[f] = full[f];
    return Response.json(picked);
  }

  // ----- XML API (objects through V4 signed URLs) ---------------------------------------

  private async storage(req: Request, url: URL): Promise<Response> {
    // Where is the object? Virtual-hosted: bucket in the host. Path-style: first segment.
    const virtual = url.hostname !== "storage.googleapis.com" && !this.storageOrigins.has(url.origin);
    const bucketName = virtual ? url.hostname.slice(0, -".storage.googleapis.com".length) : (url.pathname.split("/")[1] ?? "");
    const rawObject = virtual ? url.pathname.slice(1) : url.pathname.split("/").slice(2).join("/");
    let objectName: string;
    try {
      objectName = decodeURIComponent(rawObject);
    } catch {
      return storageXmlError(400, "InvalidURI", "Couldn't parse the specified URI.");
    }
    const bucket = this.buckets.get(bucketName);
    const corsRules = (bucket?.cors ?? []).map((r) => ({ origins: r.origin, methods: r.method, maxAge: r.maxAgeSeconds, headers: r.responseHeader }));
    const origin = req.headers.get("origin");

    if (req.method === "OPTIONS") {
      const cors = corsHeaders(corsRules, origin, req.headers.get("access-control-request-method") ?? "", requestedHeaders(req));
      if (!cors) return new Response(null, { status: 403 });
      cors.set("access-control-allow-methods", req.headers.get("access-control-request-method")!);
      return new Response(null, { status: 200, headers: cors });
    }
    if (req.method !== "GET" && req.method !== "HEAD")
      return storageXmlError(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");

    const auth = await this.verifyV4(req, url);
    if (auth instanceof Response) return auth;
    if (!bucket) return storageXmlError(404, "NoSuchBucket", "The specified bucket does not exist.");
    if (!bucket.members.get(auth.email)?.has(OBJECT_VIEWER)) {
      return storageXmlError(403, "AccessDenied", "Access denied.", {
        Details: `${auth.email} does not have storage.objects.get access to the Google Cloud Storage object. Permission 'storage.objects.get' denied on resource (or it may not exist).`,
      });
    }
    const object = bucket.objects.get(objectName);
    if (!object) return storageXmlError(404, "NoSuchKey", "The specified key does not exist.");

    const headers = new Headers({
      "content-type": auth.query.get("response-content-type") ?? object.contentType,
      "content-length": String(object.body.length),
      "x-goog-stored-content-length": String(object.body.length),
    });
    const disposition = auth.query.get("response-content-disposition");
    if (disposition !== undefined) headers.set("content-disposition", disposition);
    for (const [k, v] of corsHeaders(corsRules, origin, req.method) ?? []) headers.set(k, v);
    return new Response(req.method === "HEAD" ? null : object.body, { status: 200, headers });
  }

  /** Checks a V4 signed URL from first principles; the signer's email, or an error response. */
  private async verifyV4(req: Request, url: URL): Promise<{ email: string; query: Map<string, string> } | Response> {
    // Query: decode every name and value (RFC 3986; the URL carries no form encoding).
    const query = new Map<string, string>();
    const pairs: Array<[string, string]> = [];
    for (const part of url.search.slice(1).split("&")) {
      if (!part) continue;
      const i = part.indexOf("=");
      try {
        const k = decodeURIComponent(i < 0 ? part : part.slice(0, i));
        const v = decodeURIComponent(i < 0 ? "" : part.slice(i + 1));
        pairs.push([k, v]);
        query.set(k, v);
      } catch {
        return storageXmlError(400, "InvalidArgument", "Invalid argument.", { Details: "Malformed query string." });
      }
    }
    const signature = [...query].find(([k]) => k.toLowerCase() === "x-goog-signature")?.[1];
    if (signature === undefined) {
      return storageXmlError(403, "AccessDenied", "Access denied.", {
        Details: "Anonymous caller does not have storage.objects.get access to the Google Cloud Storage object.",
      });
    }
    const algorithm = query.get("X-Goog-Algorithm");
    const credential = query.get("X-Goog-Credential") ?? "";
    const date = query.get("X-Goog-Date") ?? "";
    const expiresRaw = query.get("X-Goog-Expires") ?? "";
    const signedHeaders = query.get("X-Goog-SignedHeaders") ?? "";
    if (algorithm !== "GOOG4-RSA-SHA256") return storageXmlError(400, "InvalidArgument", "Invalid argument.", { Details: "Unsupported X-Goog-Algorithm." });

    const cred = /^(.+)\/(\d{8})\/auto\/storage\/goog4_request$/.exec(credential);
    const dm = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
    if (!cred || !dm || cred[2] !== date.slice(0, 8)) return storageXmlError(400, "AuthorizationQueryParametersError", "Invalid credential or date.");
    const expires = /^\d+$/.test(expiresRaw) ? parseInt(expiresRaw, 10) : NaN;
    if (!(expires >= 1 && expires <= 604800)) {
      return storageXmlError(400, "AuthorizationQueryParametersError", "X-Goog-Expires must be between 1 and 604800 seconds.");
    }
    if (expires > SIGNBLOB_MAX_EXPIRES) {
      return storageXmlError(400, "AuthorizationQueryParametersError", "URLs signed with a Google-managed key (signBlob) may be valid for at most 12 hours.");
    }
    const start = Date.UTC(+dm[1]!, +dm[2]! - 1, +dm[3]!, +dm[4]!, +dm[5]!, +dm[6]!);
    const now = this.now();
    if (now < start) return storageXmlError(400, "InvalidArgument", "Invalid argument.", { Details: "Request is not yet valid." });
    if (now >= start + expires * 1000) {
      return storageXmlError(400, "ExpiredToken", "Invalid argument.", {
        Details: `Request signature expired at: ${new Date(start + expires * 1000).toISOString()}`,
      });
    }

    // Canonical request, per "V4 signing process": path encoded per RFC 3986 keeping "/",
    // query sorted by encoded name, headers lowercased, trimmed, sorted.
    const email = cred[1]!;
    const canonicalPath = url.pathname
      .split("/")
      .map((seg) => rfc3986(decodeURIComponent(seg)))
      .join("/");
    const canonicalQuery = pairs
      .filter(([k]) => k.toLowerCase() !== "x-goog-signature")
      .map(([k, v]) => [rfc3986(k), rfc3986(v)])
      .sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : a[1]! < b[1]! ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`)
      .join("&");
    const headerNames = signedHeaders.split(";");
    if (!headerNames.includes("host")) return storageXmlError(400, "AuthorizationQueryParametersError", "host must be a signed header.");
    const canonicalHeaders = headerNames.map((h) => `${h}:${h === "host" ? url.host : (req.headers.get(h) ?? "").trim().replace(/\s+/g, " ")}\n`).join("");
    const canonicalRequest = `${req.method}\n${canonicalPath}\n${canonicalQuery}\n${canonicalHeaders}\n${signedHeaders}\nUNSIGNED-PAYLOAD`;
    const digest = hex(await crypto.subtle.digest("SHA-256", enc.encode(canonicalRequest)));
    const stringToSign = `GOOG4-RSA-SHA256\n${date}\n${cred[2]}/auto/storage/goog4_request\n${digest}`;

    const signer = this.accounts.get(email);
    const sigBytes = /^[0-9a-f]+$/i.test(signature) && signature.length % 2 === 0 ? Uint8Array.from(signature.match(/../g)!, (h) => parseInt(h, 16)) : null;
    const ok = !!signer && !!sigBytes && (await crypto.subtle.verify(RSA, signer.keys.publicKey, sigBytes, enc.encode(stringToSign)));
    if (!ok) {
      return storageXmlError(403, "SignatureDoesNotMatch", "Access denied.", {
        Details: "The request signature we calculated does not match the signature you provided. Check your Google secret key and signing method.",
        StringToSign: stringToSign,
        CanonicalRequest: canonicalRequest,
      });
    }
    return { email, query };
  }
}
