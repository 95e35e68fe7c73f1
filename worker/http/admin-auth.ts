/**
 * Who may use the admin surface: the ADMIN_TOKEN as a bearer token, the signed session
 * cookie the login form sets, or (when configured) a Cloudflare Access JWT.
 *
 * Sessions are `v1.{exp}.{nonce}.{mac}`, MACed with a key derived from ADMIN_TOKEN (rotating
 * the token ends every session) and recorded in D1 (logout revokes them server side).
 *
 * State-changing calls are refused when they come from another site, and must carry the
 * identity's CSRF token (X-CSRF-Token header, or the csrf form field of the page's forms).
 * That holds for sessions and for Access alike: Access turns its cookie into the JWT header
 * on every request, cross-site ones included. Only `Authorization: Bearer {ADMIN_TOKEN}` is
 * exempt, since a browser cannot add it to a cross-site request.
 */
import type { Env } from "../env";
import { config } from "../config";
import { ApiError } from "./errors";
import { timingSafeEqualStr } from "./timing-safe";
import { verifyAccessJwt } from "./access-jwt";
import { toHex } from "../lib/bytes";
import { isCrossSite } from "./same-origin";
import { db } from "../store/db";
import { insertAdminSession, isAdminSessionLive, revokeAdminSession } from "../store/admin-sessions";

export const SESSION_COOKIE = "signpost_session";
export const SESSION_TTL_MS = 12 * 60 * 60_000;
const encoder = new TextEncoder();

export interface AdminIdentity {
  /** For the audit log: "admin-token", "session", or "access:{email}". */
  actor: string;
  via: "bearer" | "session" | "access";
  /** What state-changing requests must echo (sessions and Access; bearer needs none). */
  csrf?: string;
  /** Session logins: the session's nonce (what logout revokes). */
  sessionNonce?: string;
}

const MAC_KEYS = new Map<string, Promise<CryptoKey>>();

function macKey(adminToken: string): Promise<CryptoKey> {
  let k = MAC_KEYS.get(adminToken);
  if (!k) {
    k = crypto.subtle
      .importKey("raw", encoder.encode(adminToken), { name: "HMAC", hash: "SHA-256" }, false, ["sign"])
      .then((base) => crypto.subtle.sign("HMAC", base, encoder.encode("signpost admin session v1")))
      .then((derived) => crypto.subtle.importKey("raw", derived, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]));
    MAC_KEYS.clear();
    MAC_KEYS.set(adminToken, k);
  }
  return k;
}

async function mac(adminToken: string, data: string): Promise<string> {
  return toHex(await crypto.subtle.sign("HMAC", await macKey(adminToken), encoder.encode(data)));
}

function requireAdminToken(env: Env): string {
  if (!env.ADMIN_TOKEN || env.ADMIN_TOKEN.length < 16) {
    throw new ApiError("internal_error", "ADMIN_TOKEN is not set (or shorter than 16 characters).", "Set it with `wrangler secret put ADMIN_TOKEN`.");
  }
  return env.ADMIN_TOKEN;
}

export async function checkAdminToken(env: Env, candidate: string): Promise<boolean> {
  return timingSafeEqualStr(candidate, requireAdminToken(env));
}

export async function newSession(env: Env, now = Date.now()): Promise<{ cookie: string; value: string }> {
  const token = requireAdminToken(env);
  const exp = now + SESSION_TTL_MS;
  const nonce = toHex(crypto.getRandomValues(new Uint8Array(16)).buffer);
  const body = `v1.${exp}.${nonce}`;
  const value = `${body}.${await mac(token, body)}`;
  await insertAdminSession(db(env.DB), nonce, now, exp);
  return { value, cookie: sessionCookie(value, Math.floor(SESSION_TTL_MS / 1000)) };
}

export function sessionCookie(value: string, maxAge: number): string {
  return `${SESSION_COOKIE}=${value}; Path=/admin; HttpOnly; Secure; SameSite=Strict; Max-Age=${maxAge}`;
}

async function readSession(env: Env, value: string, now = Date.now()): Promise<{ nonce: string } | null> {
  const parts = value.split(".");
  if (parts.length !== 4 || parts[0] !== "v1") return null;
  const [, exp, nonce, sig] = parts as [string, string, string, string];
  if (!timingSafeEqualStr(sig, await mac(requireAdminToken(env), `v1.${exp}.${nonce}`))) return null;
  if (!/^\d+$/.test(exp) || Number(exp) <= now) return null;
  if (!(await isAdminSessionLive(db(env.DB), nonce, now))) return null;
  return { nonce };
}

/** Ends a session server side: its cookie and CSRF token are refused from now on. */
export async function revokeSession(env: Env, who: AdminIdentity): Promise<void> {
  if (who.sessionNonce) await revokeAdminSession(db(env.DB), who.sessionNonce, Date.now());
}

export async function csrfToken(env: Env, nonce: string): Promise<string> {
  return (await mac(requireAdminToken(env), `csrf.${nonce}`)).slice(0, 32);
}

/** Access users have no session of ours: their CSRF token is bound to their Access identity. */
function accessCsrfToken(env: Env, subject: string): Promise<string> {
  return csrfToken(env, `access.${subject}`);
}

export function cookieValue(req: Request, name: string): string | null {
  const header = req.headers.get("cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return null;
}

const IDENTITIES = new WeakMap<Request, Promise<AdminIdentity | null>>();

/** The admin identity behind a request, or null (worked out once per request). Does not check CSRF (see requireAdmin). */
export function adminIdentity(env: Env, req: Request): Promise<AdminIdentity | null> {
  let id = IDENTITIES.get(req);
  if (!id) IDENTITIES.set(req, (id = identify(env, req)));
  return id;
}

async function identify(env: Env, req: Request): Promise<AdminIdentity | null> {
  const auth = req.headers.get("authorization");
  if (auth) {
    const m = /^Bearer\s+(.+)$/i.exec(auth);
    if (m && (await checkAdminToken(env, m[1]!.trim()))) return { actor: "admin-token", via: "bearer" };
    return null; // a wrong bearer token is never rescued by a cookie
  }
  const cfg = config(env);
  const jwt = req.headers.get("cf-access-jwt-assertion");
  if (jwt && cfg.accessTeamDomain && cfg.accessAud) {
    const claims = await verifyAccessJwt(jwt, cfg.accessTeamDomain, cfg.accessAud);
    if (claims) {
      const subject = claims.sub ?? claims.email ?? "unknown";
      return { actor: `access:${claims.email ?? claims.sub ?? "unknown"}`, via: "access", csrf: await accessCsrfToken(env, subject) };
    }
  }
  const cookie = cookieValue(req, SESSION_COOKIE);
  if (cookie) {
    const s = await readSession(env, cookie);
    if (s) return { actor: "session", via: "session", csrf: await csrfToken(env, s.nonce), sessionNonce: s.nonce };
  }
  return null;
}

export async function requireAdmin(env: Env, req: Request): Promise<AdminIdentity> {
  const id = await adminIdentity(env, req);
  if (!id) {
    throw new ApiError("unauthorized", "Admin credentials are missing or wrong.", "Send Authorization: Bearer {ADMIN_TOKEN}, or log in on /admin.", {
      "www-authenticate": 'Bearer realm="signpost admin"',
    });
  }
  if (isUnsafe(req.method) && id.via !== "bearer") {
    if (isCrossSite(req))
      throw new ApiError(
        "unauthorized",
        "Cross-site requests to the admin API are refused.",
        "Use the admin page itself, or send Authorization: Bearer {ADMIN_TOKEN}.",
      );
    if (!csrfMatches(id, req.headers.get("x-csrf-token"))) {
      throw new ApiError("unauthorized", "The CSRF token is missing or wrong.", "Reload the admin page and try again.");
    }
  }
  return id;
}

export function isUnsafe(method: string): boolean {
  return method !== "GET" && method !== "HEAD" && method !== "OPTIONS";
}

/** Whether `sent` is the identity's CSRF token (always false for an identity without one). */
export function csrfMatches(id: AdminIdentity, sent: string | null | undefined): boolean {
  return !!id.csrf && !!sent && timingSafeEqualStr(sent, id.csrf);
}
