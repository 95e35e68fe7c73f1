/** The admin page's server side: login, logout, headers, CSRF (issue: admin page). */
import { SELF, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CLIENT_JS } from "../../../admin/generated/client-script";

const ORIGIN = "https://signpost.test";
const TOKEN = env.ADMIN_TOKEN as string;

let nextIp = 1;
/** A fresh client address per login, so the login rate limit only applies where a test wants it. */
const freshIp = () => `198.51.100.${nextIp++ % 250}`;

function login(token: string, headers: Record<string, string> = {}) {
  return SELF.fetch(`${ORIGIN}/admin/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, "cf-connecting-ip": freshIp(), ...headers },
    body: new URLSearchParams({ token }).toString(),
  });
}

/** Logs in; returns the Cookie header value and the page's CSRF token. */
async function session(): Promise<{ cookie: string; csrf: string; page: Response; html: string }> {
  const res = await login(TOKEN);
  const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
  const page = await SELF.fetch(`${ORIGIN}/admin`, { headers: { cookie } });
  const html = await page.text();
  const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(html)![1]!;
  return { cookie, csrf, page, html };
}

function expectHtmlHeaders(res: Response) {
  const csp = res.headers.get("content-security-policy") ?? "";
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("base-uri 'none'");
  expect(csp).toContain("form-action 'self'");
  expect(csp).toContain("connect-src 'self'");
  expect(csp).not.toContain("unsafe-inline");
  expect(res.headers.get("referrer-policy")).toBe("no-referrer");
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect(res.headers.get("content-type")).toMatch(/^text\/html/);
}

describe("login", () => {
  it("shows the login form without credentials", async () => {
    const res = await SELF.fetch(`${ORIGIN}/admin`);
    expect(res.status).toBe(200);
    expectHtmlHeaders(res);
    const html = await res.text();
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain('<form method="post" action="/admin/login">');
    expect(html).toMatch(/<label for="token">Admin token<\/label>/);
    expect(html).not.toContain("csrf-token");
    expect(html).not.toContain("Integrations");
  });

  it("refuses a wrong token with 401 and the form again", async () => {
    const res = await login("wrong-token-wrong-token");
    expect(res.status).toBe(401);
    expect(res.headers.get("set-cookie")).toBeNull();
    expectHtmlHeaders(res);
    const html = await res.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain('name="token"');
  });

  it("refuses an empty or missing token with 401", async () => {
    expect((await login("")).status).toBe(401);
    const res = await SELF.fetch(`${ORIGIN}/admin/login`, { method: "POST", redirect: "manual", headers: { origin: ORIGIN, "cf-connecting-ip": freshIp() } });
    expect(res.status).toBe(401);
  });

  it("accepts the right token: 303 to /admin and a HttpOnly, Secure, SameSite=Strict session cookie", async () => {
    const res = await login(TOKEN);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin");
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^signpost_session=v1\./);
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*Secure/i);
    expect(cookie).toMatch(/;\s*SameSite=Strict/i);
    expect(cookie).toMatch(/;\s*Path=\/admin/);
  });

  it("works without an Origin header (same-site navigation in older browsers)", async () => {
    const res = await SELF.fetch(`${ORIGIN}/admin/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", "cf-connecting-ip": freshIp() },
      body: `token=${encodeURIComponent(TOKEN)}`,
    });
    expect(res.status).toBe(303);
  });

  it("limits login attempts per client address, before the token is compared (429 with the form)", async () => {
    const ip = "203.0.113.77";
    let res: Response | undefined;
    for (let i = 0; i < 40; i++) {
      res = await login("wrong-token-wrong-token", { "cf-connecting-ip": ip });
      if (res.status === 429) break;
      expect(res.status).toBe(401);
    }
    expect(res!.status).toBe(429);
    expect(res!.headers.get("retry-after")).toBe("60");
    expectHtmlHeaders(res!);
    expect(await res!.text()).toContain('name="token"');
    // Even the right token is refused while the address is limited.
    const right = await login(TOKEN, { "cf-connecting-ip": ip });
    expect(right.status).toBe(429);
    expect(right.headers.get("set-cookie")).toBeNull();
    // Other addresses are not affected.
    expect((await login(TOKEN)).status).toBe(303);
  });

  it.each([["https://evil.example"], ["null"], ["http://signpost.test"]])("refuses a login posted from origin %s", async (origin) => {
    const res = await login(TOKEN, { origin });
    expect(res.status).toBe(403);
    expect(res.headers.get("set-cookie")).toBeNull();
    expectHtmlHeaders(res);
  });

  it("accepts Origin: null from the page itself (no-referrer makes browsers send it) when Sec-Fetch-Site says same-origin", async () => {
    expect((await login(TOKEN, { origin: "null", "sec-fetch-site": "same-origin" })).status).toBe(303);
    expect((await login(TOKEN, { origin: "null", "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await login(TOKEN, { origin: "null", "sec-fetch-site": "same-site" })).status).toBe(403);
    expect((await login(TOKEN, { origin: "https://evil.example", "sec-fetch-site": "same-origin" })).status).toBe(403);
  });

  it("refuses a cross-site login by Sec-Fetch-Site even without Origin", async () => {
    const res = await SELF.fetch(`${ORIGIN}/admin/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "cross-site", "cf-connecting-ip": freshIp() },
      body: `token=${encodeURIComponent(TOKEN)}`,
    });
    expect(res.status).toBe(403);
  });
});

describe("the page", () => {
  it("renders for a session, with a CSP nonce that matches the inline script and style", async () => {
    const { page, html } = await session();
    expect(page.status).toBe(200);
    expectHtmlHeaders(page);
    const csp = page.headers.get("content-security-policy")!;
    const nonce = /script-src 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)![1]!;
    expect(nonce.length).toBeGreaterThanOrEqual(16);
    expect(csp).toContain(`style-src 'nonce-${nonce}'`);
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const attrs of scripts) expect(attrs).toContain(`nonce="${nonce}"`);
    expect(html).toContain(`<style nonce="${nonce}">`);
    expect(html).toContain(CLIENT_JS.slice(0, 40));
    expect(html).not.toMatch(/\sstyle="/); // inline style attributes would be blocked by the CSP
    expect(html).not.toMatch(/\son[a-z]+="/); // and so would inline event handlers
    expect(html).toContain('<form method="post" action="/admin/logout">');
  });

  it("uses a fresh nonce per response", async () => {
    const a = (await SELF.fetch(`${ORIGIN}/admin`)).headers.get("content-security-policy");
    const b = (await SELF.fetch(`${ORIGIN}/admin`)).headers.get("content-security-policy");
    expect(a).not.toBe(b);
  });

  it("renders for the bearer token too (no logout button: nothing to log out of)", async () => {
    const res = await SELF.fetch(`${ORIGIN}/admin`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const html = await res.text();
    expect(html).toContain('id="integrations-table"');
    expect(html).not.toContain("/admin/logout");
  });

  it("shows the login form for a forged or tampered cookie", async () => {
    const { cookie } = await session();
    const tampered = cookie.replace(/.$/, (c) => (c === "0" ? "1" : "0"));
    const html = await (await SELF.fetch(`${ORIGIN}/admin`, { headers: { cookie: tampered } })).text();
    expect(html).toContain('action="/admin/login"');
  });

  it("the inline script cannot close its own tag", () => {
    expect(CLIENT_JS).not.toMatch(/<\/script/i);
  });

  it("leaves /admin/api as JSON", async () => {
    const res = await SELF.fetch(`${ORIGIN}/admin/api/integrations`);
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  });
});

describe("logout", () => {
  it("needs the session's CSRF token as a form field", async () => {
    const { cookie, csrf } = await session();
    const post = (body: string, origin = ORIGIN) =>
      SELF.fetch(`${ORIGIN}/admin/logout`, {
        method: "POST",
        redirect: "manual",
        headers: { cookie, origin, "content-type": "application/x-www-form-urlencoded" },
        body,
      });
    for (const body of ["", "csrf=", "csrf=0123456789abcdef0123456789abcdef"]) {
      const res = await post(body);
      expect(res.status).toBe(403);
      expect(res.headers.get("set-cookie")).toBeNull();
    }
    expect((await post(`csrf=${csrf}`, "https://evil.example")).status).toBe(403);

    const res = await post(`csrf=${csrf}`);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin");
    const cleared = res.headers.get("set-cookie")!;
    expect(cleared).toMatch(/^signpost_session=;/);
    expect(cleared).toMatch(/Max-Age=0/);
  });
});

describe("the API with the session cookie", () => {
  it("reads without a CSRF token, but refuses a PATCH without X-CSRF-Token", async () => {
    const { cookie, csrf } = await session();
    const list = await SELF.fetch(`${ORIGIN}/admin/api/integrations`, { headers: { cookie } });
    expect(list.status).toBe(200);

    const patch = (headers: Record<string, string>) =>
      SELF.fetch(`${ORIGIN}/admin/api/integrations/int_missing`, {
        method: "PATCH",
        headers: { cookie, "content-type": "application/json", ...headers },
        body: JSON.stringify({ urlTtlSeconds: 600 }),
      });
    const without = await patch({});
    expect(without.status).toBe(401);
    expect(((await without.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    expect((await patch({ "x-csrf-token": "0".repeat(32) })).status).toBe(401);
    // With the token the request gets past auth (and finds no such integration).
    expect((await patch({ "x-csrf-token": csrf })).status).toBe(404);
  });
});

describe("paths", () => {
  it("/admin/ redirects to /admin", async () => {
    const res = await SELF.fetch(`${ORIGIN}/admin/`, { redirect: "manual" });
    expect(res.status).toBe(301);
    expect(new URL(res.headers.get("location")!, ORIGIN).pathname).toBe("/admin");
  });
});
