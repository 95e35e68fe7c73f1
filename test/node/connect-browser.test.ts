/**
 * The invite flow in a real browser (headless Chromium) against the local stack: the operator
 * creates an invite on the admin page; the owner opens the link on a phone-sized screen, runs
 * the one-paste command it shows (with a fake AWS CLI, as test/node/setup-scripts.test.ts),
 * presses Validate and sees the integration connected; revoked and expired links show
 * invite_not_found. Screenshots go to test-artifacts/connect-*.png (docs/images/ with UPDATE_SCREENSHOTS=1, for the README).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browser, type BrowserContext, type Page } from "playwright-core";
import { launchChromium } from "./browser";
import { startLocalStack, type LocalStack } from "../../scripts/local-stack";
import { runWrangler } from "../../scripts/wrangler-process";
import { fakeTools, freshIp, run } from "./fake-clis";

// The README's screenshots are refreshed with UPDATE_SCREENSHOTS=1; otherwise they go to test-artifacts/.
const IMAGES = process.env.UPDATE_SCREENSHOTS === "1" ? "docs/images" : "test-artifacts";
const BUCKET = "owner-bucket";
const WAIT = { timeout: 15_000 };

let stack: LocalStack;
let browser: Browser;
let adminContext: BrowserContext;
let ownerContext: BrowserContext;
let admin: Page;
let owner: Page;
let dir: string;
let state: string;
let integrationId: string;
let inviteUrl: string;
const pageErrors: string[] = [];

async function api(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(stack.url + path, {
    method,
    headers: { authorization: `Bearer ${stack.adminToken}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

function watch(page: Page): void {
  page.on("pageerror", (e) => pageErrors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    // Expected failed loads: the invite_not_found pages (404), the admin API refusing the owner (401).
    if (m.type() === "error" && !/status of 40[14] /.test(m.text())) pageErrors.push(`console: ${m.text()}`);
  });
}

beforeAll(async () => {
  mkdirSync(IMAGES, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), "signpost-connect-"));
  state = join(dir, "state");
  const [s, b] = await Promise.all([startLocalStack({ persistTo: state }), launchChromium()]);
  stack = s;
  browser = b;
  await fetch(`${stack.fakeAws.url}/__fake/buckets`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: BUCKET, region: "us-east-1", objects: { "images/0001.jpg": "jpeg bytes" } }),
  });
  adminContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // The owner: a phone, its own address (the invite pages are rate-limited per IP), no admin session.
  ownerContext = await browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    extraHTTPHeaders: { "cf-connecting-ip": freshIp() },
  });
  for (const c of [adminContext, ownerContext]) c.setDefaultTimeout(15_000);
  admin = await adminContext.newPage();
  owner = await ownerContext.newPage();
  watch(admin);
  watch(owner);
}, 120_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("invite flow in Chromium", () => {
  it("the operator creates an invite on the admin page and copies its link", async () => {
    integrationId = (await api("POST", "/admin/api/integrations", { name: "acme-images", scopes: [BUCKET] })).id;
    await admin.goto(`${stack.url}/admin`);
    await admin.getByLabel("Admin token").fill(stack.adminToken);
    await Promise.all([admin.waitForURL(`${stack.url}/admin`), admin.keyboard.press("Enter")]);
    await admin
      .locator('#integrations-body tr[data-name="acme-images"]')
      .getByRole("button", { name: /Manage/ })
      .click();
    const panel = admin.locator(".integration-panel");
    await panel.getByLabel("Link valid for").selectOption("604800");
    await panel.getByRole("button", { name: "Invite the bucket owner" }).click();
    const link = panel.locator('[data-testid="invite-url"]');
    await link.waitFor(WAIT);
    inviteUrl = (await link.innerText()).trim();
    expect(inviteUrl).toMatch(new RegExp(`^${stack.url}/connect/[A-Za-z0-9_-]{43}$`));
    await panel.locator('tr[data-state="active"]').first().waitFor(WAIT);
    const listed = await api("GET", `/admin/api/integrations/${integrationId}/invites`);
    expect(listed.invites).toHaveLength(1);
    expect(Date.parse(listed.invites[0].expiresAt) - Date.now()).toBeGreaterThan(6 * 86_400_000);
    await panel.locator('[data-role="invites"]').screenshot({ path: join(IMAGES, "connect-admin-invite.png") });
  });

  it("the owner's page: strict CSP, phone-sized, only this integration, keyboard-usable copy buttons", async () => {
    const res = await owner.goto(inviteUrl);
    expect(res!.status()).toBe(200);
    const csp = (await res!.allHeaders())["content-security-policy"]!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/script-src 'nonce-[^']+'/);
    await owner.getByRole("heading", { name: /Connect “acme-images”/ }).waitFor(WAIT);
    expect(await owner.locator("#status").getAttribute("data-status")).toBe("unchecked");
    const command = (await owner.locator("#one-paste").innerText()).trim();
    expect(command).toBe(`curl -fsSL '${inviteUrl}/setup/aws.sh' | bash`);
    // Nothing of the admin surface: no links to it, and the admin API refuses this browser.
    expect(await owner.locator('a[href*="/admin"]').count()).toBe(0);
    expect(await owner.evaluate<number>(`fetch("/admin/api/integrations").then((r) => r.status)`)).toBe(401);
    // No horizontal scrolling on a phone.
    expect(await owner.evaluate<boolean>("document.documentElement.scrollWidth <= window.innerWidth + 1")).toBe(true);
    // Keyboard: the command's copy button is reachable with Tab and works with Enter.
    await owner.locator("#one-paste").locator("xpath=..").getByRole("button").focus();
    await owner.keyboard.press("Enter");
    await owner
      .locator("#one-paste")
      .locator("xpath=..")
      .getByRole("button", { name: /Copy the setup command/ })
      .filter({ hasText: /Copied|Selected/ })
      .waitFor(WAIT);
    await owner.screenshot({ path: join(IMAGES, "connect-start.png"), fullPage: true });
  });

  it("after the one-paste script ran, Validate shows the integration connected and valid", async () => {
    const command = (await owner.locator("#one-paste").innerText()).trim();
    const tools = fakeTools(dir, "browser", stack.fakeAws.url);
    const { code, out } = await run(command, tools.env);
    expect(code, out).toBe(0);
    expect(out).toMatch(/Validation passed/);
    await owner.getByLabel("Sample object key").fill("images/0001.jpg");
    await owner.getByRole("button", { name: "Validate" }).click();
    await owner.locator("#connected").waitFor({ state: "visible", ...WAIT });
    expect(await owner.locator("#status").getAttribute("data-status")).toBe("valid");
    const statuses = await Promise.all((await owner.locator("#checks li").all()).map((li) => li.getAttribute("data-status")));
    expect(statuses.length).toBeGreaterThan(5);
    expect(statuses).not.toContain("fail");
    await owner.getByLabel("Object key", { exact: true }).fill("images/0001.jpg");
    const assetUrl = (await owner.locator("#asset-url").innerText()).trim();
    expect(assetUrl).toBe(`${stack.url}/v1/assets/${integrationId}/${BUCKET}/images/0001.jpg`);
    const redirect = await fetch(assetUrl, { redirect: "manual" });
    expect(redirect.status).toBe(302);
    await owner.screenshot({ path: join(IMAGES, "connect-connected.png"), fullPage: true });
    expect((await api("GET", `/admin/api/integrations/${integrationId}`)).status).toBe("valid");
  });

  it("a revoked invite (revoked on the admin page) shows invite_not_found", async () => {
    const panel = admin.locator(".integration-panel");
    await panel
      .getByRole("button", { name: /Revoke the invite/ })
      .first()
      .click();
    await admin.locator("#confirm-ok").click();
    await panel.locator('tr[data-state="revoked"]').waitFor(WAIT);
    const res = await owner.goto(inviteUrl);
    expect(res!.status()).toBe(404);
    await owner.locator("#error-code", { hasText: "invite_not_found" }).waitFor(WAIT);
    await owner.screenshot({ path: join(IMAGES, "connect-not-found.png"), fullPage: true });
    const apiRes = await owner.evaluate<string>(
      `fetch(${JSON.stringify(new URL(inviteUrl).pathname + "/integration")}).then((r) => r.json()).then((j) => j.error.code)`,
    );
    expect(apiRes).toBe("invite_not_found");
  });

  it("an expired invite shows invite_not_found", async () => {
    const inv = await api("POST", `/admin/api/integrations/${integrationId}/invites`, { expiresInSeconds: 300 });
    expect((await owner.goto(inv.url))!.status()).toBe(200);
    // Time cannot be moved inside workerd: the invite's expiry is moved into the past instead.
    await runWrangler(
      ["d1", "execute", "DB", "--local", "--persist-to", state, "--command", `update invites set expires_at = ${Date.now() - 1000} where id = '${inv.id}'`],
      60_000,
    );
    const res = await owner.goto(inv.url);
    expect(res!.status()).toBe(404);
    await owner.locator("#error-code", { hasText: "invite_not_found" }).waitFor(WAIT);
  });

  it("no page errors", () => {
    expect(pageErrors).toEqual([]);
  });
});
