/**
 * Scheduled re-validation (the Worker's `scheduled` export, as the Cron Trigger calls it),
 * the background re-validation a `role_cannot_be_assumed` answer schedules, and the
 * status-change alert to ALERT_WEBHOOK_URL.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../../worker/index";
import { forgetCredentials } from "../../../worker/providers/aws/credentials";
import { forgetRevalidationClaims } from "../../../worker/ops/revalidate";
import { apiToken, bearer, createRoleIntegration, newWorld, PRINCIPAL_ARN, readPolicy, testEnv, type World } from "../../support/harness";
import { installFakeFetch, type InstalledFetch } from "../../support/fake-fetch";

// The rules signpost generates: the frontend and `null` (what browsers send after the redirect).
const CORS = [{ AllowedOrigins: ["https://label.example.com", "null"], AllowedMethods: ["GET", "HEAD"], AllowedHeaders: ["*"] }];
const HOOK = "https://hooks.example.com/services/T0001/B0001/abcdefghijklmnop";

let w: World;
let hooks: Array<Record<string, unknown>>;
let hookAnswers: number[];
let hookLayer: InstalledFetch;

async function setup(vars: Record<string, string> = {}) {
  w = await newWorld({ ALERT_WEBHOOK_URL: HOOK, ...vars });
  w.fake.addBucket({ name: "media-bucket", region: "us-east-1", cors: CORS, objects: { "a.txt": "A" } });
  hooks = [];
  hookAnswers = [];
  const hook = {
    matches: (url: URL) => url.origin === "https://hooks.example.com",
    async handle(req: Request) {
      hooks.push({ url: req.url, method: req.method, contentType: req.headers.get("content-type"), body: await req.json() });
      return new Response("ok", { status: hookAnswers.shift() ?? 200 });
    },
  };
  hookLayer = installFakeFetch({ routes: [hook], passthrough: () => true });
}
beforeEach(() => setup());
afterEach(() => {
  hookLayer.restore();
  w.close();
});

async function cron(): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "0 * * * *" }), w.env);
  await waitOnExecutionContext(ctx);
}

async function status(id: string): Promise<string> {
  return ((await (await w.admin("GET", `/admin/api/integrations/${id}`)).json()) as { status: string }).status;
}

async function runs(id: string): Promise<number> {
  return (await testEnv.DB.prepare("select count(*) as n from validation_runs where integration_id = ?").bind(id).first<{ n: number }>())!.n;
}

/** The owner edits the role's trust policy: signpost's External ID no longer matches. */
function breakRole(roleArn: string) {
  w.fake.addRole({
    arn: roleArn,
    trustedPrincipals: [PRINCIPAL_ARN],
    externalId: "someone-elses-external-id-0000000000",
    policy: readPolicy(["arn:aws:s3:::media-bucket", "arn:aws:s3:::media-bucket/*"]),
  });
}

async function validIntegration() {
  const integ = await createRoleIntegration(w);
  const v = await w.admin("POST", `/admin/api/integrations/${integ.id}/validate`, {});
  expect(v.status).toBe(200);
  const report = (await v.json()) as { checks: Array<{ name: string; status: string; message: string }> };
  expect(report.checks.filter((c) => c.status === "fail")).toEqual([]);
  expect(await status(integ.id)).toBe("valid");
  hooks.length = 0;
  return integ;
}

it("a broken role turns the integration invalid within one scheduled run, audited and alerted once", async () => {
  const { id, roleArn } = await validIntegration();
  breakRole(roleArn);
  await cron();
  expect(await status(id)).toBe("invalid");
  expect(hooks).toHaveLength(1);
  const hook = hooks[0]!;
  expect(hook).toMatchObject({ url: HOOK, method: "POST", contentType: "application/json" });
  const body = hook.body as Record<string, unknown>;
  expect(body).toMatchObject({ integration: { id, name: "Acme" }, from: "valid", to: "invalid" });
  expect(new Date(body.at as string).toISOString()).toBe(body.at);
  expect(body.checks).toContainEqual(expect.objectContaining({ name: "assume_role", status: "fail" }));
  // Slack incoming webhooks show `text`.
  expect(body.text).toMatch(/"Acme".*is now invalid \(was valid\).*assume_role/);

  const audit = (await (await w.admin("GET", "/admin/api/audit")).json()) as {
    entries: Array<{ action: string; actor: string; targetId: string; detail: Record<string, unknown> }>;
  };
  const changes = audit.entries.filter((e) => e.action === "integration.status_change" && e.targetId === id);
  expect(changes[0]).toMatchObject({ actor: "signpost", detail: { from: "valid", to: "invalid", trigger: "scheduled", failed: ["assume_role"] } });

  await cron(); // still invalid: no change, no second alert
  expect(await status(id)).toBe("invalid");
  expect(hooks).toHaveLength(1);
});

it("retries the webhook on 5xx (bounded), does not retry a 4xx, and never fails the run", async () => {
  const a = await validIntegration();
  breakRole(a.roleArn);
  hookAnswers.push(503, 502);
  await cron();
  expect(hooks).toHaveLength(3); // two failures, then delivered
  expect(await status(a.id)).toBe("invalid");

  hooks.length = 0;
  w.fake.addRole({
    arn: a.roleArn,
    trustedPrincipals: [PRINCIPAL_ARN],
    externalId: a.externalId,
    policy: readPolicy(["arn:aws:s3:::media-bucket", "arn:aws:s3:::media-bucket/*"]),
  });
  hookAnswers.push(500, 500, 500, 500);
  await cron();
  expect(await status(a.id)).toBe("valid"); // the run is recorded even though every alert attempt failed
  expect(hooks).toHaveLength(3);

  hooks.length = 0;
  hookAnswers.length = 0;
  breakRole(a.roleArn);
  hookAnswers.push(404);
  await cron();
  expect(hooks).toHaveLength(1);
});

it("re-checks the least recently checked first: 60 integrations in ceil(60/25) = 3 runs", async () => {
  const ids: string[] = [];
  for (let i = 0; i < 60; i++) {
    const res = await w.admin("POST", "/admin/api/integrations", { name: `owner ${i}`, region: "us-east-1", scopes: ["media-bucket"] });
    ids.push(((await res.json()) as { id: string }).id);
  }
  const snapshot = async () =>
    new Map(
      (await testEnv.DB.prepare("select id, last_checked_at from integrations").all<{ id: string; last_checked_at: number | null }>()).results.map((r) => [
        r.id,
        r.last_checked_at,
      ]),
    );
  const everChecked = new Set<string>();
  for (let run = 1; run <= 4; run++) {
    const before = await snapshot();
    await cron();
    const after = await snapshot();
    const picked = ids.filter((id) => after.get(id) !== before.get(id));
    const left = ids.filter((id) => after.get(id) === before.get(id));
    expect(picked).toHaveLength(25);
    // Every picked one was checked no later than every one left for the next run (never = first).
    const rank = (id: string) => before.get(id) ?? -Infinity;
    expect(Math.max(...picked.map(rank))).toBeLessThanOrEqual(Math.min(...left.map(rank)));
    for (const id of picked) everChecked.add(id);
    if (run === 2) expect(everChecked.size).toBe(50);
    if (run === 3) expect(everChecked.size).toBe(60);
  }
  // Every one of them went unchecked → invalid (no role ARN yet): one alert each, and no more.
  expect(hooks).toHaveLength(60);
}, 120_000);

it("REVALIDATE_BATCH bounds a run", async () => {
  w.close();
  await setup({ REVALIDATE_BATCH: "4" });
  for (let i = 0; i < 6; i++) await w.admin("POST", "/admin/api/integrations", { name: `o${i}`, region: "us-east-1", scopes: ["media-bucket"] });
  await cron();
  expect((await testEnv.DB.prepare("select count(*) as n from validation_runs").first<{ n: number }>())!.n).toBe(4);
});

it("role_cannot_be_assumed schedules one background re-validation per integration per 5 minutes", async () => {
  const { id, roleArn } = await validIntegration();
  const runsBefore = await runs(id);
  breakRole(roleArn);
  forgetCredentials();
  const res = await w.call(`/v1/assets/${id}/media-bucket/a.txt`);
  expect(res.status).toBe(502);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe("role_cannot_be_assumed");
  expect(await runs(id)).toBe(runsBefore + 1);
  expect(await status(id)).toBe("invalid");
  expect(hooks).toHaveLength(1);
  expect((hooks[0]!.body as Record<string, unknown>).to).toBe("invalid");

  // More failures in the window: no run, in this isolate or (claim in D1) another one.
  for (let i = 0; i < 3; i++) expect((await w.call(`/v1/assets/${id}/media-bucket/a.txt`)).status).toBe(502);
  forgetRevalidationClaims();
  forgetCredentials();
  expect((await w.call(`/v1/assets/${id}/media-bucket/a.txt`)).status).toBe(502);
  expect(await runs(id)).toBe(runsBefore + 1);

  // Manual and scheduled runs do not use up the window's run; once 5 minutes have passed, the next failure triggers again.
  await w.admin("POST", `/admin/api/integrations/${id}/validate`, {});
  await cron();
  expect(await runs(id)).toBe(runsBefore + 3);
  await testEnv.DB.prepare("update revalidation_claims set claimed_at = claimed_at - 300001 where integration_id = ?").bind(id).run();
  forgetRevalidationClaims();
  forgetCredentials();
  expect((await w.call(`/v1/assets/${id}/media-bucket/a.txt`)).status).toBe(502);
  expect(await runs(id)).toBe(runsBefore + 4);
  const audit = (await (await w.admin("GET", "/admin/api/audit")).json()) as { entries: Array<{ action: string; detail: Record<string, unknown> }> };
  expect(audit.entries.find((e) => e.action === "integration.status_change")!.detail).toMatchObject({ from: "valid", to: "invalid", trigger: "request" });
});

it("a /v1/sign URL failing with role_cannot_be_assumed schedules the re-validation too", async () => {
  const { id, roleArn } = await validIntegration();
  const token = await apiToken(w);
  breakRole(roleArn);
  forgetCredentials();
  const runsBefore = await runs(id);
  const res = await w.call("/v1/sign", {
    method: "POST",
    headers: bearer(token, { "content-type": "application/json" }),
    body: JSON.stringify({ urls: ["s3://media-bucket/a.txt"], integration: id }),
  });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { results: Array<{ error?: { code: string } }> }).results[0]!.error?.code).toBe("role_cannot_be_assumed");
  expect(await runs(id)).toBe(runsBefore + 1);
  expect(await status(id)).toBe("invalid");
});

it("refuses an ALERT_WEBHOOK_URL that is not https (http only on loopback when allowed)", async () => {
  for (const [url, loopback, ok] of [
    ["http://hooks.example.com/x", "true", false],
    ["http://127.0.0.1:9/x", "", false],
    ["http://127.0.0.1:9/x", "true", true],
    ["not a url", "", false],
  ] as const) {
    w.close();
    await setup({ ALERT_WEBHOOK_URL: url, ALLOW_HTTP_LOOPBACK_ENDPOINTS: loopback });
    const res = await w.call("/health");
    expect(res.status, url).toBe(ok ? 200 : 500);
    if (!ok) expect(await res.text()).toContain("ALERT_WEBHOOK_URL");
  }
});
