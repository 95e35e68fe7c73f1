/**
 * A fake of the Microsoft services signpost's Azure support talks to, written from the
 * Azure documentation and independent of worker/azure (nothing is imported from the worker):
 *
 * - Microsoft identity platform (`login.microsoftonline.com/{tenant}/oauth2/v2.0/token`):
 *   client credentials for registered apps, only in tenants that consented the app, with
 *   the real AADSTS error codes (90002 tenant not found, 700016 app not in directory,
 *   7000215 invalid secret).
 * - Blob service (`{account}.blob.core.windows.net`): Get User Delegation Key (needs
 *   Storage Blob Delegator, or a data role, on the account), Get Blob Service Properties
 *   (CORS), and GET/HEAD of blobs through user delegation SAS, verified by recomputing the
 *   string-to-sign from the query (versions 2020-12-06 up to 2025-07-05) and the issued key,
 *   checking `st`, `se`, `skt`, `ske`, `sp`, `spr`, `sr`, and Storage Blob Data Reader.
 *
 * Stricter than Azure in one place: a SAS whose `se` lies after its key's `ske` is refused
 * outright (Azure accepts it and fails it later, once the key expires).
 */
import { TokenRefused, verifyIdentityToken, type IssuerFetch } from "./oidc-verifier";
import { FakeService, b64, unb64 } from "./google";

export const DELEGATOR = "Storage Blob Delegator";
export const DATA_READER = "Storage Blob Data Reader";
const STORAGE_SCOPE = "https://storage.azure.com/.default";

export interface AzureCorsRule {
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders?: string[];
  exposedHeaders?: string[];
  maxAgeInSeconds?: number;
}

interface App {
  clientId: string;
  clientSecret: string;
}

interface Tenant {
  /** clientId → object id of the app's service principal in this tenant. */
  servicePrincipals: Map<string, string>;
}

interface Blob {
  body: Uint8Array;
  contentType: string;
}

interface Account {
  tenantId: string;
  /** Secret from which user delegation keys are derived (as the real service derives them). */
  keySecret: Uint8Array;
  containers: Map<string, Map<string, Blob>>;
  /** Role assignments: principal object id → "role@scope" where scope is "" (account) or a container. */
  roles: Map<string, Set<string>>;
  cors: AzureCorsRule[];
}

interface IssuedToken {
  tenantId: string;
  oid: string;
  expiresAt: number;
}

interface IssuedKey {
  account: string;
  oid: string;
  tid: string;
  start: string;
  expiry: string;
  service: string;
  version: string;
  value: string;
}

const enc = new TextEncoder();
const SAS_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?Z$/;

function uuid(): string {
  return crypto.randomUUID();
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function storageError(status: number, code: string, message: string, detail?: string): Response {
  const body =
    `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${xmlEscape(message)}\nRequestId:${uuid()}\nTime:${new Date().toISOString()}</Message>` +
    (detail ? `<AuthenticationErrorDetail>${xmlEscape(detail)}</AuthenticationErrorDetail>` : "") +
    `</Error>`;
  return new Response(body, { status, headers: { "content-type": "application/xml", "x-ms-error-code": code, "x-ms-request-id": uuid() } });
}

function aadError(status: number, error: string, code: number, description: string): Response {
  return Response.json(
    {
      error,
      error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${uuid()}\r\nCorrelation ID: ${uuid()}\r\nTimestamp: ${new Date().toISOString()}`,
      error_codes: [code],
      timestamp: new Date().toISOString(),
      trace_id: uuid(),
      correlation_id: uuid(),
    },
    { status },
  );
}

function xmlTag(xml: string, tag: string): string | null {
  const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  return m ? m[1]! : null;
}

export class FakeAzure extends FakeService {
  private readonly apps = new Map<string, App>();
  private readonly tenants = new Map<string, Tenant>();
  private readonly accounts = new Map<string, Account>();
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly keys: IssuedKey[] = [];

  matches(url: URL): boolean {
    return url.hostname === "login.microsoftonline.com" || url.hostname.endsWith(".blob.core.windows.net");
  }

  // ----- set-up -------------------------------------------------------------------------

  registerApp(clientId: string, clientSecret: string): void {
    this.apps.set(clientId, { clientId, clientSecret });
  }

  /** Federated identity credentials of an app (`az ad app federated-credential create`): issuer + subject + audience. */
  readonly federatedCredentials = new Map<string, { issuer: string; subject: string; audience: string; fetch: IssuerFetch }>();
  /** Every client assertion presented, with the outcome. */
  readonly assertions: Array<{ token: string; outcome: string; refusal?: string }> = [];

  addFederatedCredential(clientId: string, c: { issuer: string; subject: string; audience?: string; fetch: IssuerFetch }): void {
    this.federatedCredentials.set(clientId, { audience: "api://AzureADTokenExchange", ...c });
  }

  createTenant(tenantId: string): void {
    this.tenants.set(tenantId.toLowerCase(), { servicePrincipals: new Map() });
  }

  /** Admin consent: the app gets a service principal in the tenant; returns its object id. */
  consent(tenantId: string, clientId: string): string {
    const t = this.tenant(tenantId);
    let oid = t.servicePrincipals.get(clientId);
    if (!oid) t.servicePrincipals.set(clientId, (oid = uuid()));
    return oid;
  }

  /** Replaces the Blob service's CORS rules (Set Blob Service Properties). */
  setCors(account: string, cors: AzureCorsRule[]): void {
    const a = this.accounts.get(account);
    if (!a) throw new Error(`fake-azure: no account ${account}`);
    a.cors = cors;
  }

  createAccount(name: string, tenantId: string, opts: { cors?: AzureCorsRule[] } = {}): void {
    this.tenant(tenantId);
    this.accounts.set(name, {
      tenantId: tenantId.toLowerCase(),
      keySecret: crypto.getRandomValues(new Uint8Array(32)),
      containers: new Map(),
      roles: new Map(),
      cors: opts.cors ?? [],
    });
  }

  createContainer(account: string, container: string): void {
    this.account(account).containers.set(container, new Map());
  }

  putBlob(account: string, container: string, name: string, body: string | Uint8Array, contentType = "application/octet-stream"): void {
    const c = this.account(account).containers.get(container);
    if (!c) throw new Error(`fake azure: no container ${container}`);
    c.set(name, { body: typeof body === "string" ? enc.encode(body) : body, contentType });
  }

  /** Role assignment for a principal (object id) on the account, or on one container. */
  assignRole(account: string, principalOid: string, role: string, container?: string): void {
    const a = this.account(account);
    if (!a.roles.has(principalOid)) a.roles.set(principalOid, new Set());
    a.roles.get(principalOid)!.add(`${role}@${container ?? ""}`);
  }

  removeRole(account: string, principalOid: string, role: string, container?: string): void {
    this.account(account)
      .roles.get(principalOid)
      ?.delete(`${role}@${container ?? ""}`);
  }

  /** Keys handed out by Get User Delegation Key so far. */
  get issuedKeys(): readonly IssuedKey[] {
    return this.keys;
  }

  private tenant(id: string): Tenant {
    const t = this.tenants.get(id.toLowerCase());
    if (!t) throw new Error(`fake azure: no tenant ${id}`);
    return t;
  }

  private account(name: string): Account {
    const a = this.accounts.get(name);
    if (!a) throw new Error(`fake azure: no account ${name}`);
    return a;
  }

  /** The same request fields always give the same key value; nothing else does. */
  private async deriveKey(account: Account, k: Omit<IssuedKey, "value">): Promise<string> {
    const secret = await crypto.subtle.importKey("raw", account.keySecret, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    return b64(await crypto.subtle.sign("HMAC", secret, enc.encode([k.account, k.oid, k.tid, k.start, k.expiry, k.service, k.version].join("\n"))));
  }

  private hasRole(a: Account, oid: string, role: string, container?: string): boolean {
    const r = a.roles.get(oid);
    return !!r && (r.has(`${role}@`) || (container !== undefined && r.has(`${role}@${container}`)));
  }

  // ----- routing ------------------------------------------------------------------------

  protected faultResponse(status: number, url: URL): Response {
    if (url.hostname === "login.microsoftonline.com") {
      return aadError(status, "temporarily_unavailable", status === 429 ? 50196 : 90033, "A transient error has occurred. Please try again.");
    }
    return status === 429
      ? storageError(503, "ServerBusy", "The server is currently unable to receive requests. Please retry your request.")
      : storageError(status, status === 503 ? "ServerBusy" : "InternalError", "Server encountered an internal error. Please try again after some time.");
  }

  protected async route(req: Request, url: URL): Promise<Response> {
    if (url.hostname === "login.microsoftonline.com") return this.login(req, url);
    const accountName = url.hostname.slice(0, -".blob.core.windows.net".length);
    const account = this.accounts.get(accountName);
    // A storage account that does not exist has no DNS name.
    if (!account) throw new TypeError(`fake network error: getaddrinfo ENOTFOUND ${url.hostname}`);
    const comp = url.searchParams.get("comp");
    if (url.pathname === "/" && url.searchParams.get("restype") === "service") {
      if (req.method === "POST" && comp === "userdelegationkey") return this.userDelegationKey(req, accountName, account);
      if (req.method === "GET" && comp === "properties") return this.serviceProperties(req, account);
    }
    return this.blob(req, url, accountName, account);
  }

  // ----- identity platform --------------------------------------------------------------

  private async login(req: Request, url: URL): Promise<Response> {
    const m = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    if (req.method !== "POST" || !m) return new Response("Not Found", { status: 404 });
    const tenantId = decodeURIComponent(m[1]!).toLowerCase();
    const form = new URLSearchParams(new TextDecoder().decode(await req.arrayBuffer()));
    const tenant = this.tenants.get(tenantId);
    if (!tenant) {
      return aadError(
        400,
        "invalid_request",
        90002,
        `Tenant '${tenantId}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      );
    }
    if (form.get("grant_type") !== "client_credentials") return aadError(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.");
    const clientId = form.get("client_id") ?? "";
    const app = this.apps.get(clientId);
    const oid = tenant.servicePrincipals.get(clientId);
    if (!app || !oid) {
      return aadError(
        400,
        "unauthorized_client",
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
      );
    }
    const assertion = form.get("client_assertion");
    if (assertion !== null) {
      const seen: { token: string; outcome: string; refusal?: string } = { token: assertion, outcome: "pending" };
      this.assertions.push(seen);
      const fic = this.federatedCredentials.get(clientId);
      if (form.get("client_assertion_type") !== "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" || !fic) {
        seen.outcome = "invalid_client";
        return aadError(
          401,
          "invalid_client",
          700213,
          `No matching federated identity record found for presented assertion. Assertion Issuer, Subject and Audience must match a federated credential of the app '${clientId}'.`,
        );
      }
      try {
        const v = await verifyIdentityToken(assertion, { issuer: fic.issuer, audiences: [fic.audience], fetch: fic.fetch, now: this.now() });
        if (v.payload.sub !== fic.subject) throw new TokenRefused("wrong_subject", "subject does not match");
      } catch (e) {
        if (!(e instanceof TokenRefused)) throw e;
        seen.outcome = "invalid_client";
        seen.refusal = e.reason;
        return aadError(401, "invalid_client", e.reason === "expired" ? 700024 : 700213, `AADSTS: the client assertion was refused (${e.message}).`);
      }
      seen.outcome = "ok";
    } else if (form.get("client_secret") !== app.clientSecret) {
      return aadError(
        401,
        "invalid_client",
        7000215,
        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
      );
    }
    if (form.get("scope") !== STORAGE_SCOPE) return aadError(400, "invalid_scope", 70011, "The provided value for the input parameter 'scope' is not valid.");
    const token = `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.fake.${b64(crypto.getRandomValues(new Uint8Array(18)))}`;
    this.tokens.set(token, { tenantId, oid, expiresAt: this.now() + 3599_000 });
    return Response.json({ token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: token });
  }

  /** The token's principal, or the error response Azure Storage gives. */
  private authenticate(req: Request, account: Account): IssuedToken | Response {
    const m = /^Bearer (.+)$/.exec(req.headers.get("authorization") ?? "");
    if (!m)
      return storageError(
        401,
        "NoAuthenticationInformation",
        "Server failed to authenticate the request. Please refer to the information in the www-authenticate header.",
      );
    const token = this.tokens.get(m[1]!);
    if (!token || token.expiresAt <= this.now()) {
      return storageError(401, "InvalidAuthenticationInfo", "Server failed to authenticate the request.", "Lifetime validation failed. The token is expired.");
    }
    if (token.tenantId !== account.tenantId) {
      return storageError(401, "InvalidAuthenticationInfo", "Server failed to authenticate the request.", "Issuer validation failed. Issuer did not match.");
    }
    if (!req.headers.get("x-ms-version"))
      return storageError(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is not specified.");
    return token;
  }

  // ----- Get User Delegation Key --------------------------------------------------------

  private async userDelegationKey(req: Request, accountName: string, account: Account): Promise<Response> {
    const who = this.authenticate(req, account);
    if (who instanceof Response) return who;
    // generateUserDelegationKey/action: Delegator, or the data roles, at account scope.
    if (!this.hasRole(account, who.oid, DELEGATOR) && !this.hasRole(account, who.oid, DATA_READER)) {
      return storageError(403, "AuthorizationPermissionMismatch", "This request is not authorized to perform this operation using this permission.");
    }
    const xml = await req.text();
    const start = xmlTag(xml, "Start");
    const expiry = xmlTag(xml, "Expiry");
    const now = this.now();
    const bad = (why: string) => storageError(400, "InvalidXmlNodeValue", `The value for one of the XML nodes is not in the correct format. ${why}`);
    if (!expiry || !SAS_TIME.test(expiry) || (start !== null && !SAS_TIME.test(start))) return bad("Start/Expiry must be ISO 8601 UTC.");
    const startMs = start ? Date.parse(start) : now;
    const expiryMs = Date.parse(expiry);
    if (expiryMs > now + 7 * 24 * 3600_000) return bad("Expiry must be within 7 days of the current time.");
    if (startMs < now - 7 * 24 * 3600_000) return bad("Start must be within 7 days of the current time.");
    if (expiryMs <= startMs || expiryMs <= now) return bad("Expiry must be after Start and in the future.");
    const fields = {
      account: accountName,
      oid: who.oid,
      tid: who.tenantId,
      start: start ?? new Date(now).toISOString().replace(/\.\d{3}Z$/, "Z"),
      expiry,
      service: "b",
      version: req.headers.get("x-ms-version")!,
    };
    const key: IssuedKey = { ...fields, value: await this.deriveKey(account, fields) };
    this.keys.push(key);
    return new Response(
      `<?xml version="1.0" encoding="utf-8"?><UserDelegationKey><SignedOid>${key.oid}</SignedOid><SignedTid>${key.tid}</SignedTid><SignedStart>${key.start}</SignedStart><SignedExpiry>${key.expiry}</SignedExpiry><SignedService>${key.service}</SignedService><SignedVersion>${key.version}</SignedVersion><Value>${key.value}</Value></UserDelegationKey>`,
      { status: 200, headers: { "content-type": "application/xml", "x-ms-version": key.version } },
    );
  }

  // ----- Get Blob Service Properties ----------------------------------------------------

  private serviceProperties(req: Request, account: Account): Response {
    const who = this.authenticate(req, account);
    if (who instanceof Response) return who;
    if (![...(account.roles.get(who.oid) ?? [])].some((r) => r.endsWith("@"))) {
      return storageError(403, "AuthorizationPermissionMismatch", "This request is not authorized to perform this operation using this permission.");
    }
    const rules = account.cors
      .map(
        (r) =>
          `<CorsRule><AllowedOrigins>${xmlEscape(r.allowedOrigins.join(","))}</AllowedOrigins><AllowedMethods>${r.allowedMethods.join(",")}</AllowedMethods>` +
          `<MaxAgeInSeconds>${r.maxAgeInSeconds ?? 0}</MaxAgeInSeconds><ExposedHeaders>${xmlEscape((r.exposedHeaders ?? []).join(","))}</ExposedHeaders>` +
          `<AllowedHeaders>${xmlEscape((r.allowedHeaders ?? []).join(","))}</AllowedHeaders></CorsRule>`,
      )
      .join("");
    return new Response(
      `<?xml version="1.0" encoding="utf-8"?><StorageServiceProperties><Logging><Version>1.0</Version><Read>false</Read><Write>false</Write><Delete>false</Delete><RetentionPolicy><Enabled>false</Enabled></RetentionPolicy></Logging>` +
        `<Cors>${rules}</Cors><DefaultServiceVersion>2022-11-02</DefaultServiceVersion></StorageServiceProperties>`,
      { status: 200, headers: { "content-type": "application/xml" } },
    );
  }

  // ----- Blobs through user delegation SAS ----------------------------------------------

  private async blob(req: Request, url: URL, accountName: string, account: Account): Promise<Response> {
    const slash = url.pathname.indexOf("/", 1);
    const container = slash < 0 ? url.pathname.slice(1) : url.pathname.slice(1, slash);
    let blobName: string;
    try {
      blobName = decodeURIComponent(slash < 0 ? "" : url.pathname.slice(slash + 1));
    } catch {
      return storageError(400, "InvalidUri", "The requested URI does not represent any resource on the server.");
    }
    const origin = req.headers.get("origin");
    // Blob service CORS: exact (case-sensitive) origin, the literal `null` included, or `*`; a
    // preflight's requested headers must each match an allowed header (`*` or a `prefix*`).
    const allowedHeader = (allowed: string[] | undefined, h: string) =>
      (allowed ?? []).some((a) => a === "*" || (a.endsWith("*") ? h.startsWith(a.slice(0, -1).toLowerCase()) : a.toLowerCase() === h));
    const cors = (method: string, requested: string[] = []): Headers | null => {
      if (!origin) return null;
      const rule = account.cors.find(
        (r) =>
          (r.allowedOrigins.includes("*") || r.allowedOrigins.includes(origin)) &&
          r.allowedMethods.map((m) => m.toUpperCase()).includes(method) &&
          requested.every((h) => allowedHeader(r.allowedHeaders, h)),
      );
      if (!rule) return null;
      const h = new Headers({ "access-control-allow-origin": rule.allowedOrigins.includes("*") ? "*" : origin, vary: "Origin" });
      if (rule.maxAgeInSeconds !== undefined) h.set("access-control-max-age", String(rule.maxAgeInSeconds));
      if (requested.length) h.set("access-control-allow-headers", requested.join(","));
      else if (rule.exposedHeaders?.length) h.set("access-control-expose-headers", rule.exposedHeaders.join(","));
      return h;
    };
    if (req.method === "OPTIONS") {
      const requested = (req.headers.get("access-control-request-headers") ?? "")
        .split(",")
        .map((x) => x.trim().toLowerCase())
        .filter(Boolean);
      const h = cors(req.headers.get("access-control-request-method") ?? "", requested);
      if (!h) return storageError(403, "CorsPreflightFailure", "CORS not enabled or no matching rule found for this request.");
      h.set("access-control-allow-methods", req.headers.get("access-control-request-method")!);
      return new Response(null, { status: 200, headers: h });
    }
    if (req.method !== "GET" && req.method !== "HEAD") return storageError(405, "UnsupportedHttpVerb", "The resource doesn't support the specified HTTP verb.");

    const auth = await this.verifySas(url, accountName, account, container, blobName);
    if (auth instanceof Response) return auth;
    const blobs = account.containers.get(container);
    if (!blobs) return storageError(404, "ContainerNotFound", "The specified container does not exist.");
    const blob = blobs.get(blobName);
    if (!blob) return storageError(404, "BlobNotFound", "The specified blob does not exist.");
    const headers = new Headers({
      "content-type": auth.get("rsct") ?? blob.contentType,
      "content-length": String(blob.body.length),
      "x-ms-blob-type": "BlockBlob",
      "x-ms-version": auth.get("sv")!,
    });
    if (auth.has("rscd")) headers.set("content-disposition", auth.get("rscd")!);
    for (const [k, v] of cors(req.method) ?? []) headers.set(k, v);
    return new Response(req.method === "HEAD" ? null : blob.body, { status: 200, headers });
  }

  /** Verifies a user delegation SAS from first principles; its parameters, or an error response. */
  private async verifySas(url: URL, accountName: string, account: Account, container: string, blobName: string): Promise<Map<string, string> | Response> {
    // Azure reads the query form-style: an unencoded "+" is a space (so a raw "+" in sig breaks it).
    const q = new Map<string, string>();
    for (const part of url.search.slice(1).split("&")) {
      if (!part) continue;
      const i = part.indexOf("=");
      try {
        q.set(
          decodeURIComponent((i < 0 ? part : part.slice(0, i)).replace(/\+/g, " ")),
          decodeURIComponent((i < 0 ? "" : part.slice(i + 1)).replace(/\+/g, " ")),
        );
      } catch {
        return storageError(400, "InvalidQueryParameterValue", "Value for one of the query parameters specified in the request URI is invalid.");
      }
    }
    const fail = (detail: string) =>
      storageError(
        403,
        "AuthenticationFailed",
        "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.",
        detail,
      );
    if (!q.has("sig")) return storageError(404, "ResourceNotFound", "The specified resource does not exist.");
    const g = (k: string) => q.get(k) ?? "";
    const sv = g("sv");
    if (!(sv >= "2020-12-06" && sv < "2025-07-05")) return fail(`This fake verifies service versions 2020-12-06 to 2025-07-05 only, not sv=${sv}.`);
    if (g("sr") !== "b") return fail("sr must be b for a blob.");
    if (!g("sp").includes("r"))
      return storageError(403, "AuthorizationPermissionMismatch", "This request is not authorized to perform this operation using this permission.");
    if (q.has("spr") && !g("spr").split(",").includes("https"))
      return storageError(403, "AuthorizationProtocolMismatch", "This request is not authorized to perform this operation using this protocol.");
    for (const k of ["se", "skoid", "sktid", "skt", "ske", "sks", "skv"]) if (!q.has(k)) return fail(`${k} is mandatory for a user delegation SAS.`);
    for (const k of ["st", "se", "skt", "ske"]) if (q.has(k) && !SAS_TIME.test(g(k))) return fail(`${k} is not a valid ISO 8601 time.`);

    const now = this.now();
    const st = q.has("st") ? Date.parse(g("st")) : -Infinity;
    const se = Date.parse(g("se"));
    if (now < st || now >= se) {
      return fail(
        `Signature not valid in the specified time frame: Start [${q.get("st") ?? ""}] - Expiry [${g("se")}] - Current [${new Date(now).toUTCString()}]`,
      );
    }
    // The key is derived again from the fields the SAS names, as the service does.
    const fields = { account: accountName, oid: g("skoid"), tid: g("sktid"), start: g("skt"), expiry: g("ske"), service: g("sks"), version: g("skv") };
    if (fields.tid !== account.tenantId) return fail("sktid is not the tenant of this storage account.");
    if (now < Date.parse(fields.start) || now >= Date.parse(fields.expiry)) return fail("The user delegation key is not valid at the current time.");
    if (se > Date.parse(fields.expiry)) return fail("The SAS expiry (se) lies after the user delegation key's expiry (ske).");
    const key = { ...fields, value: await this.deriveKey(account, fields) };

    const stringToSign = [
      g("sp"),
      g("st"),
      g("se"),
      `/blob/${accountName}/${container}/${blobName}`,
      g("skoid"),
      g("sktid"),
      g("skt"),
      g("ske"),
      g("sks"),
      g("skv"),
      g("saoid"),
      g("suoid"),
      g("scid"),
      g("sip"),
      g("spr"),
      sv,
      g("sr"),
      g("snapshot"),
      g("ses"),
      g("rscc"),
      g("rscd"),
      g("rsce"),
      g("rscl"),
      g("rsct"),
    ].join("\n");
    const hmac = await crypto.subtle.importKey("raw", unb64(key.value), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const expected = b64(await crypto.subtle.sign("HMAC", hmac, enc.encode(stringToSign)));
    if (expected !== g("sig")) return fail(`Signature did not match. String to sign used was ${stringToSign}`);

    if (!this.hasRole(account, key.oid, DATA_READER, container)) {
      return storageError(403, "AuthorizationPermissionMismatch", "This request is not authorized to perform this operation using this permission.");
    }
    return q;
  }
}
