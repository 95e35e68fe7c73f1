/**
 * GET /admin (the page, or the login form), POST /admin/login, POST /admin/logout.
 *
 * Every HTML answer carries a strict CSP with a fresh nonce for the inline style and script,
 * and is never cached. Login and logout refuse cross-site posts: SameSite=Strict keeps the
 * cookie off them, but a login CSRF (logging the victim into a session) needs no cookie.
 */
import { Hono } from "hono";
import type { AppEnv, Ctx } from "../../http/context";
import { adminIdentity, checkAdminToken, csrfMatches, newSession, revokeSession, sessionCookie } from "../../http/admin-auth";
import { isCrossSite } from "../../http/same-origin";
import { ApiError } from "../../http/errors";
import { clientIp } from "../../http/client-ip";
import { readCapped } from "../../http/body";
import { enforceRateLimit } from "../../http/rate-limit";
import { renderAdminPage } from "../../../admin/page";
import { providersFor } from "../../../admin/providers";
import { config } from "../../config";
import { renderLoginPage, renderMessagePage } from "../../../admin/login";
import { operationsOverview } from "../../ops/overview";

const MAX_FORM = 8 * 1024;

function newNonce(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(18))));
}

export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** An HTML page with the admin CSP (nonce-based), no referrer, no caching: the admin and owner pages. */
export function html(c: Ctx, body: string, nonce: string, status = 200, extra: Record<string, string> = {}): Response {
  const headers = new Headers({
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": contentSecurityPolicy(nonce),
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
    "x-request-id": c.get("requestId"),
    ...extra,
  });
  return new Response(body, { status, headers });
}

async function refused(c: Ctx, message: string): Promise<Response> {
  const nonce = newNonce();
  return html(c, await renderMessagePage({ nonce, title: "Request refused", message }), nonce, 403);
}

/** The form, or null for another content type; "too_large" past MAX_FORM (read no further). */
async function formBody(c: Ctx): Promise<URLSearchParams | null | "too_large"> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) return null;
  const bytes = await readCapped(c.req.raw, MAX_FORM);
  if (bytes === null) return "too_large";
  return new URLSearchParams(new TextDecoder().decode(bytes));
}

function seeOther(location: string, cookie?: string): Response {
  const headers = new Headers({ location, "cache-control": "no-store", "referrer-policy": "no-referrer" });
  if (cookie) headers.set("set-cookie", cookie);
  return new Response(null, { status: 303, headers });
}

export const adminPage = new Hono<AppEnv>()
  .get("/", async (c) => {
    const nonce = newNonce();
    const who = await adminIdentity(c.env, c.req.raw);
    if (!who) return html(c, await renderLoginPage({ nonce }), nonce);
    const operations = await operationsOverview(c.env);
    const page = await renderAdminPage({
      nonce,
      csrf: who.csrf ?? "",
      canLogout: who.via === "session",
      operations,
      providers: providersFor({ oidc: config(c.env).oidc !== null }),
    });
    return html(c, page, nonce);
  })
  .post("/login", async (c) => {
    if (isCrossSite(c.req.raw)) return refused(c, "Cross-site login attempts are refused. Open the admin page directly and log in there.");
    // Every attempt counts, before the comparison: a limit on failures alone would still
    // let a guesser learn which guess succeeds.
    try {
      await enforceRateLimit(c.env, "login", clientIp(c.req.raw));
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== "rate_limited") throw err;
      const nonce = newNonce();
      return html(c, await renderLoginPage({ nonce, error: `${err.message} ${err.hint ?? ""}`.trim() }), nonce, 429, err.headers ?? {});
    }
    const form = await formBody(c);
    if (form === "too_large") {
      const nonce = newNonce();
      return html(c, await renderLoginPage({ nonce, error: `The login form is larger than ${MAX_FORM} bytes.` }), nonce, 413);
    }
    const token = form?.get("token") ?? "";
    if (token && (await checkAdminToken(c.env, token))) {
      const session = await newSession(c.env);
      return seeOther("/admin", session.cookie);
    }
    const nonce = newNonce();
    return html(c, await renderLoginPage({ nonce, error: "That admin token is not correct." }), nonce, 401);
  })
  .post("/logout", async (c) => {
    if (isCrossSite(c.req.raw)) return refused(c, "Cross-site logout attempts are refused.");
    const who = await adminIdentity(c.env, c.req.raw);
    if (who?.via === "session") {
      const form = await formBody(c);
      if (form === "too_large" || !csrfMatches(who, form?.get("csrf")))
        return refused(c, "The form's CSRF token is missing or wrong. Reload the admin page and try again.");
      await revokeSession(c.env, who);
    }
    return seeOther("/admin", sessionCookie("", 0));
  });
