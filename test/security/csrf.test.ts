/**
 * CSRF on the admin surface: every state-changing admin route (enumerated from the app, so a
 * new route is covered without editing this file) refuses a cross-site request whatever the
 * login method (Cloudflare Access JWT or session cookie), and needs the CSRF token; only the
 * ADMIN_TOKEN bearer is exempt. Same-origin requests with the token work.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { app } from "../../worker/index";
import { newWorld, testEnv, type World } from "../support/harness";
import { accessCertsRoute } from "../support/access-certs";
import { installFakeFetch } from "../support/fake-fetch";

const AUD = "aud-csrf-0123456789";
let TEAM = "";
let w: World;
let keys: CryptoKeyPair;
let kid = "";
let restoreFetch: () => void;

const b64url = (b: ArrayBuffer | string) =>
  btoa(typeof b === "string" ? b : String.fromCharCode(...new Uint8Array(b)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

async function accessJwt(): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: "RS256", kid, typ: "JWT" }));
  const body = b64url(JSON.stringify({ iss: `https://${TEAM}`, aud: [AUD], email: "owner@acme.example", sub: "user-1", exp: now + 300, iat: now }));
  const sig = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", keys.privateKey, new TextEncoder().encode(`${header}.${body}`));
  return `${header}.${body}.${b64url(sig)}`;
}

beforeEach(async () => {
  TEAM = `csrf-${crypto.randomUUID().slice(0, 8)}.cloudflareaccess.com`;
  w = await newWorld({ ACCESS_TEAM_DOMAIN: TEAM, ACCESS_AUD: AUD });
  kid = "k-" + crypto.randomUUID();
  keys = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey("jwk", keys.publicKey)) as JsonWebKey;
  const certs = accessCertsRoute(TEAM, () => [{ kid, kty: "RSA", alg: "RS256", n: jwk.n, e: jwk.e }]);
  restoreFetch = installFakeFetch({ routes: [certs], passthrough: () => true }).restore;
});
afterEach(() => {
  restoreFetch();
  w.close();
});

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Every state-changing admin API route the app serves, deletions last. */
function stateChangingRoutes(): Array<{ method: string; path: string }> {
  const seen = new Set<string>();
  const routes = app.routes
    .filter((r) => UNSAFE.has(r.method) && r.path.startsWith("/admin/api/"))
    .filter((r) => !seen.has(`${r.method} ${r.path}`) && seen.add(`${r.method} ${r.path}`))
    .map((r) => ({ method: r.method, path: r.path }));
  return routes.sort((a, b) => Number(a.method === "DELETE") - Number(b.method === "DELETE"));
}

/** A body each route would accept; `{}` for routes without a body of their own. */
const BODIES: Record<string, unknown> = {
  "POST /admin/api/integrations": { name: "created" },
  "PATCH /admin/api/integrations/:id": { name: "renamed" },
  "POST /admin/api/tokens": { name: "minted" },
};

async function fixtures(): Promise<Record<string, string>> {
  const integ = (await (await w.admin("POST", "/admin/api/integrations", { name: "target" })).json()) as { id: string };
  const token = (await (await w.admin("POST", "/admin/api/tokens", { name: "victim" })).json()) as { id: string };
  return { integrations: integ.id, tokens: token.id, invites: "inv_unknown" };
}

function concrete(path: string, ids: Record<string, string>): string {
  return path.replace(/\/([a-z-]+)\/:[A-Za-z]+/g, (_m, collection: string) => `/${collection}/${ids[collection] ?? "unknown"}`);
}

async function auditCount(): Promise<number> {
  const r = (await (await w.admin("GET", "/admin/api/audit?limit=500")).json()) as { entries: unknown[] };
  return r.entries.length;
}

const crossSiteHeaders = { origin: "https://evil.example", "sec-fetch-site": "cross-site", "sec-fetch-mode": "cors" };

describe("CSRF on every state-changing admin route", () => {
  it("enumerates the routes from the app", () => {
    const names = stateChangingRoutes().map((r) => `${r.method} ${r.path}`);
    expect(names).toEqual(
      expect.arrayContaining([
        "POST /admin/api/integrations/:id/rotate-external-id",
        "POST /admin/api/integrations/:id/default",
        "POST /admin/api/integrations/:id/validate",
        "DELETE /admin/api/tokens/:id",
      ]),
    );
  });

  it("refuses cross-site Access requests on every route (with or without the CSRF token), and accepts same-origin ones with it", async () => {
    const ids = await fixtures();
    const before = await auditCount();
    const jwt = await accessJwt();
    const page = await w.call("/admin", { headers: { "cf-access-jwt-assertion": jwt } });
    const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(await page.text())?.[1];
    expect(csrf).toMatch(/^[0-9a-f]{32}$/);

    const routes = stateChangingRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(8);
    for (const r of routes) {
      const path = concrete(r.path, ids);
      const body = JSON.stringify(BODIES[`${r.method} ${r.path}`] ?? {});
      const send = (headers: Record<string, string>) =>
        w.call(path, { method: r.method, headers: { "cf-access-jwt-assertion": jwt, "content-type": "application/json", ...headers }, body });
      // A cross-site form post or fetch: the browser attaches the Access cookie, never our token.
      for (const headers of [
        crossSiteHeaders,
        { ...crossSiteHeaders, "x-csrf-token": csrf! },
        { "sec-fetch-site": "same-site", origin: "https://other.signpost.test" },
        { origin: "null", "sec-fetch-site": "cross-site" },
      ]) {
        const res = await send(headers);
        expect(res.status, `${r.method} ${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
      }
      // Same origin without the token: still refused.
      const missing = await send({ origin: "https://signpost.test", "sec-fetch-site": "same-origin" });
      expect(missing.status, `${r.method} ${path} without token`).toBe(401);
      const wrong = await send({ origin: "https://signpost.test", "sec-fetch-site": "same-origin", "x-csrf-token": "0".repeat(32) });
      expect(wrong.status, `${r.method} ${path} wrong token`).toBe(401);
    }
    expect(await auditCount()).toBe(before); // nothing changed

    for (const r of routes) {
      const path = concrete(r.path, ids);
      const body = JSON.stringify(BODIES[`${r.method} ${r.path}`] ?? {});
      const res = await w.call(path, {
        method: r.method,
        headers: {
          "cf-access-jwt-assertion": jwt,
          "content-type": "application/json",
          origin: "https://signpost.test",
          "sec-fetch-site": "same-origin",
          "x-csrf-token": csrf!,
        },
        body,
      });
      expect(res.status, `${r.method} ${path}: ${await res.clone().text()}`).not.toBe(401);
    }
    expect(await auditCount()).toBeGreaterThan(before);
  });

  it("refuses cross-site session requests even with the right CSRF token; the bearer token is exempt", async () => {
    const ids = await fixtures();
    const login = await w.call("/admin/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://signpost.test" },
      body: new URLSearchParams({ token: testEnv.ADMIN_TOKEN! }).toString(),
    });
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const html = await (await w.call("/admin", { headers: { cookie } })).text();
    const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(html)![1]!;
    const path = `/admin/api/integrations/${ids.integrations}/rotate-external-id`;
    const cross = await w.call(path, { method: "POST", headers: { cookie, "x-csrf-token": csrf, ...crossSiteHeaders } });
    expect(cross.status).toBe(401);
    const same = await w.call(path, {
      method: "POST",
      headers: { cookie, "x-csrf-token": csrf, origin: "https://signpost.test", "sec-fetch-site": "same-origin" },
    });
    expect(same.status).toBe(200);
    const bearer = await w.call(path, { method: "POST", headers: { authorization: `Bearer ${testEnv.ADMIN_TOKEN}`, ...crossSiteHeaders } });
    expect(bearer.status).toBe(200);
  });
});
