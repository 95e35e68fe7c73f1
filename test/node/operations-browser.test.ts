/**
 * The admin page's Operations section in a real browser against the local stack: real
 * redirects and errors through `wrangler dev`, then the 24-hour chart shows them, with the last
 * error's request id and the status history. Saves the screenshot the README shows
 * (docs/images/usage.png).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserContext, type Page } from "playwright-core";
import { launchChromiumWithProfile } from "./browser";
import { PRINCIPAL_ARN, startLocalStack, type LocalStack } from "../../scripts/local-stack";

const BUCKET = "labeling-images";
const ROLE_ARN = "arn:aws:iam::444455556666:role/signpost-usage-test";
// The README's screenshot is refreshed with UPDATE_SCREENSHOTS=1; otherwise it goes to test-artifacts/.
const SCREENSHOT = process.env.UPDATE_SCREENSHOTS === "1" ? "docs/images/usage.png" : "test-artifacts/usage.png";

let stack: LocalStack;
let context: BrowserContext;
let page: Page;
let userDataDir: string;

async function control(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${stack.fakeAws.url}/__fake/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  if (!res.ok) throw new Error(`fake control ${path}: ${res.status} ${await res.text()}`);
}

async function admin(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(stack.url + path, {
    method,
    headers: { authorization: `Bearer ${stack.adminToken}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

function get(path: string): Promise<Response> {
  return fetch(stack.url + path, { redirect: "manual", signal: AbortSignal.timeout(10_000) });
}

beforeAll(async () => {
  userDataDir = mkdtempSync(join(tmpdir(), "signpost-chromium-"));
  const [s, ctx] = await Promise.all([startLocalStack(), launchChromiumWithProfile(userDataDir, { viewport: { width: 1100, height: 900 } })]);
  stack = s;
  context = ctx;
  context.setDefaultTimeout(15_000);
  page = context.pages()[0] ?? (await context.newPage());
}, 90_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await stack?.stop();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

it("real traffic shows up in the 24-hour chart, with the last error's request id and the status history", async () => {
  const created = await admin("POST", "/admin/api/integrations", { name: "acme-images", region: "us-east-1", scopes: [BUCKET] });
  const id: string = created.id;
  await control("roles", { arn: ROLE_ARN, trustedPrincipals: [PRINCIPAL_ARN], externalId: created.externalId, policy: created.permissionsPolicy });
  await control("buckets", {
    name: BUCKET,
    region: "us-east-1",
    cors: created.corsConfiguration.CORSRules,
    objects: { "cats/1.jpg": "meow", "cats/2.jpg": "purr" },
  });
  await admin("PATCH", `/admin/api/integrations/${id}`, { roleArn: ROLE_ARN });
  expect((await admin("POST", `/admin/api/integrations/${id}/validate`, {})).ok).toBe(true);

  let redirects = 0;
  for (let i = 0; i < 24; i++) {
    const res = await get(`/v1/assets/${id}/${BUCKET}/cats/${(i % 2) + 1}.jpg`);
    expect(res.status).toBe(302);
    redirects++;
  }
  let lastErrorId = "";
  for (let i = 0; i < 3; i++) {
    const res = await get(`/v1/assets/${id}/another-bucket/cats/1.jpg`);
    expect(res.status).toBe(403);
    lastErrorId = res.headers.get("x-request-id")!;
  }
  // The owner breaks the role; a re-validation records the change.
  await control("roles", {
    arn: ROLE_ARN,
    trustedPrincipals: [PRINCIPAL_ARN],
    externalId: "someone-elses-external-id-000000000",
    policy: created.permissionsPolicy,
  });
  expect((await admin("POST", `/admin/api/integrations/${id}/validate`, {})).ok).toBe(false);

  const usage = await admin("GET", `/admin/api/usage?integration=${id}`);
  expect(usage.series.reduce((n: number, s: any) => n + s.redirects, 0)).toBe(redirects);

  await page.goto(`${stack.url}/admin`);
  await page.locator("#token").fill(stack.adminToken);
  await Promise.all([page.waitForURL(`${stack.url}/admin`), page.keyboard.press("Enter")]);
  const item = page.locator(`#operations [data-integration="${id}"]`);
  await item.waitFor();
  const chart = item.locator("svg.ops-chart");
  expect(Number(await chart.getAttribute("data-redirects"))).toBe(redirects);
  expect(Number(await chart.getAttribute("data-errors"))).toBe(3);
  expect(await chart.locator("rect.r").count()).toBeGreaterThan(0);
  const bar = await chart.locator("rect.r").first().boundingBox();
  expect(bar!.height).toBeGreaterThan(10); // drawn, not a hairline
  expect(await chart.getAttribute("aria-label")).toContain(`${redirects} redirects and 3 errors`);
  expect(await item.locator("[data-last-error]").innerText()).toContain(lastErrorId);
  await item.locator("summary").click();
  const history = await item.locator("[data-status-history] li").allInnerTexts();
  expect(history[0]).toMatch(/valid → invalid \(manual\)/);
  expect(history[1]).toMatch(/unchecked → valid \(manual\)/);
  await page.locator("#operations").screenshot({ path: SCREENSHOT });
});
