/** Admin sessions are server-side: logout revokes them, and the old cookie and CSRF token stop working. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newWorld, testEnv, type World } from "../support/harness";

let w: World;
beforeEach(async () => {
  w = await newWorld();
});
afterEach(() => w.close());

const SAME = { origin: "https://signpost.test", "sec-fetch-site": "same-origin" };

async function login(): Promise<{ cookie: string; csrf: string }> {
  const res = await w.call("/admin/login", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...SAME },
    body: new URLSearchParams({ token: testEnv.ADMIN_TOKEN! }).toString(),
  });
  expect(res.status).toBe(303);
  const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
  const html = await (await w.call("/admin", { headers: { cookie } })).text();
  return { cookie, csrf: /<meta name="csrf-token" content="([^"]+)"/.exec(html)![1]! };
}

const listWith = (cookie: string) => w.call("/admin/api/integrations", { headers: { cookie } });
const mintWith = (cookie: string, csrf: string) =>
  w.call("/admin/api/tokens", {
    method: "POST",
    headers: { cookie, "x-csrf-token": csrf, "content-type": "application/json", ...SAME },
    body: JSON.stringify({ name: "after logout" }),
  });

describe("admin sessions", () => {
  it("logout revokes the session: the old cookie and its CSRF token are refused afterwards", async () => {
    const a = await login();
    const b = await login();
    expect((await listWith(a.cookie)).status).toBe(200);
    expect((await mintWith(a.cookie, a.csrf)).status).toBe(201);

    const out = await w.call("/admin/logout", {
      method: "POST",
      headers: { cookie: a.cookie, "content-type": "application/x-www-form-urlencoded", ...SAME },
      body: new URLSearchParams({ csrf: a.csrf }).toString(),
    });
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toMatch(/Max-Age=0/);

    // The browser would drop the cookie; a copy of it is now worthless.
    expect((await listWith(a.cookie)).status).toBe(401);
    expect((await mintWith(a.cookie, a.csrf)).status).toBe(401);
    const page = await (await w.call("/admin", { headers: { cookie: a.cookie } })).text();
    expect(page).toContain('name="token"'); // the login form again
    // Another session is not affected.
    expect((await listWith(b.cookie)).status).toBe(200);
  });

  it("stores only a hash of the session nonce, with its expiry", async () => {
    const { cookie } = await login();
    const nonce = cookie.split("=")[1]!.split(".")[2]!;
    const rows = await testEnv.DB.prepare("select * from admin_sessions").all<{ id: string; expires_at: number; revoked_at: number | null }>();
    expect(rows.results).toHaveLength(1);
    const row = rows.results[0]!;
    expect(row.id).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(nonce);
    expect(row.expires_at).toBeGreaterThan(Date.now() + 11 * 3600_000);
    expect(row.revoked_at).toBeNull();
  });

  it("a correctly MACed cookie without a session row is refused", async () => {
    const { cookie } = await login();
    await testEnv.DB.prepare("delete from admin_sessions").run();
    expect((await listWith(cookie)).status).toBe(401);
  });
});
