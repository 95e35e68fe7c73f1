/**
 * The owner's page of a GCS invite in Chromium, on a deployment with signpost's OIDC issuer
 * configured: keyless (Workload Identity Federation) is offered and preselected, like the
 * keyless AWS role and Azure; switching to signpost's service account swaps the documents and
 * the one-paste command. The keyless gcloud.sh passes bash -n and shellcheck, and runs as pasted
 * against a fake gcloud (federation set up, the provider registered with the project number).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportJWK, generateKeyPair } from "jose";
import { type Browser, type Page } from "playwright-core";
import { launchChromium } from "./browser";
import { startLocalStack, type LocalStack } from "../../scripts/local-stack";
import { freePort } from "../../scripts/wrangler-process";
import { fakeTools, freshIp, run } from "./fake-clis";

const SHELLCHECK = "/usr/bin/shellcheck";
const SA = "reader@owner-proj.iam.gserviceaccount.com";
const PROVIDER = "projects/123456789012/locations/global/workloadIdentityPools/signpost/providers/signpost";
const WAIT = { timeout: 15_000 };

let stack: LocalStack;
let browser: Browser;
let owner: Page;
let dir: string;
let inviteUrl: string;
let issuer: string;
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

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "signpost-connect-keyless-"));
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  const [s, b] = await Promise.all([
    startLocalStack({
      port,
      awsKeys: false,
      extraVars: { OIDC_ISSUER: issuer },
      extraSecrets: { OIDC_SIGNING_KEY: JSON.stringify({ ...(await exportJWK(privateKey)), kid: "page-key", alg: "ES256" }) },
    }),
    launchChromium(),
  ]);
  stack = s;
  browser = b;
  const integ = await api("POST", "/admin/api/integrations", { name: "gcs-frames", provider: "gcs", serviceAccountEmail: SA, scopes: ["frames-bucket"] });
  inviteUrl = (await api("POST", `/admin/api/integrations/${integ.id}/invites`, {})).url;
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, extraHTTPHeaders: { "cf-connecting-ip": freshIp() } });
  context.setDefaultTimeout(15_000);
  owner = await context.newPage();
  owner.on("pageerror", (e) => pageErrors.push(`pageerror: ${e.message}`));
  owner.on("console", (m) => void (m.type() === "error" && pageErrors.push(`console: ${m.text()}`)));
}, 120_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("keyless GCS on the owner's page", () => {
  it("keyless is preselected; choosing signpost's service account swaps the command and the documents", async () => {
    expect((await owner.goto(inviteUrl))!.status()).toBe(200);
    const keyless = owner.getByRole("radio", { name: /Keyless \(Workload Identity Federation, recommended\)/ });
    await keyless.waitFor(WAIT);
    expect(await keyless.isChecked()).toBe(true);
    const command = () => owner.locator("#one-paste").innerText();
    expect(await command()).toBe(`curl -fsSL '${inviteUrl}/setup/gcloud.sh?serviceAccountEmail=${encodeURIComponent(SA)}&identity=oidc' | bash`);
    expect(await owner.locator('[data-doc="workloadIdentityCommands"]').isVisible()).toBe(true);
    expect(await owner.locator('[data-doc="workloadIdentityCommands"] code').innerText()).toContain(
      "gcloud iam workload-identity-pools providers create-oidc signpost",
    );
    expect(await owner.locator('[data-doc="setupCommands"]').isVisible()).toBe(false);

    await owner.getByRole("radio", { name: /signpost's own service account/ }).check();
    expect(await command()).toBe(`curl -fsSL '${inviteUrl}/setup/gcloud.sh?serviceAccountEmail=${encodeURIComponent(SA)}' | bash`);
    expect(await owner.locator('[data-doc="setupCommands"]').isVisible()).toBe(true);
    expect(await owner.locator('[data-doc="workloadIdentityCommands"]').isVisible()).toBe(false);

    await keyless.check();
    expect(await command()).toContain("identity=oidc");
  });

  it("the owner saves the workload identity provider through the page", async () => {
    await owner.getByLabel("Workload identity provider (keyless)").fill(PROVIDER);
    await owner.getByRole("button", { name: "Save" }).click();
    await owner.locator("#owner-status").filter({ hasText: "Saved" }).waitFor(WAIT);
    const view = (await (
      await fetch(`${inviteUrl}/integration`, { headers: { "cf-connecting-ip": freshIp() }, signal: AbortSignal.timeout(10_000) })
    ).json()) as { workloadIdentityProvider: string };
    expect(view.workloadIdentityProvider).toBe(PROVIDER);
  });

  it("the keyless gcloud.sh passes bash -n and shellcheck", async () => {
    const res = await fetch(`${inviteUrl}/setup/gcloud.sh?identity=oidc`, { headers: { "cf-connecting-ip": freshIp() }, signal: AbortSignal.timeout(10_000) });
    const file = join(dir, "gcloud-keyless.sh");
    writeFileSync(file, await res.text());
    const syntax = spawnSync("bash", ["-n", file], { encoding: "utf8" });
    expect(syntax.status, syntax.stderr).toBe(0);
    if (!existsSync(SHELLCHECK)) return console.warn(`${SHELLCHECK} is missing: shellcheck skipped.`);
    const lint = spawnSync(SHELLCHECK, ["--severity=style", file], { encoding: "utf8" });
    expect(lint.status, lint.stdout).toBe(0);
  });

  it("the keyless gcloud.sh, run as pasted, sets up federation and registers the provider with the project's number; a re-run is safe", async () => {
    const integ = await api("POST", "/admin/api/integrations", {
      name: "gcs-keyless-script",
      provider: "gcs",
      serviceAccountEmail: SA,
      scopes: ["frames-bucket"],
    });
    const url = (await api("POST", `/admin/api/integrations/${integ.id}/invites`, {})).url as string;
    const tools = fakeTools(dir, "gcloud-keyless", stack.fakeAws.url, { projectNumber: "987654321098" });
    const cmd = `curl -fsSL '${url}/setup/gcloud.sh?serviceAccountEmail=${encodeURIComponent(SA)}&identity=oidc' | bash`;
    const first = await run(cmd, tools.env);
    // No Google here: the token exchange fails, so validation reports it (exit 1) after registering.
    expect(first.out).toMatch(/Validation failed/);
    const calls = tools.calls().map((c) => c.argv.join(" "));
    const member = `principal://iam.googleapis.com/projects/987654321098/locations/global/workloadIdentityPools/signpost/subject/integration:${integ.id}`;
    expect(calls).toEqual([
      "iam service-accounts create reader --project=owner-proj --display-name=signpost reader",
      `storage buckets add-iam-policy-binding gs://frames-bucket --member=serviceAccount:${SA} --role=roles/storage.objectViewer`,
      "projects describe owner-proj --format=value(projectNumber)",
      "iam workload-identity-pools create signpost --project=owner-proj --location=global --display-name=signpost",
      `iam workload-identity-pools providers create-oidc signpost --project=owner-proj --location=global --workload-identity-pool=signpost --issuer-uri=${issuer} --attribute-mapping=google.subject=assertion.sub`,
      `iam service-accounts add-iam-policy-binding ${SA} --project=owner-proj --member=${member} --role=roles/iam.serviceAccountTokenCreator`,
      expect.stringMatching(/^storage buckets update gs:\/\/frames-bucket --cors-file=/),
    ]);
    const registered = await api("GET", `/admin/api/integrations/${integ.id}`);
    expect(registered.workloadIdentityProvider).toBe("projects/987654321098/locations/global/workloadIdentityPools/signpost/providers/signpost");

    tools.clearCalls();
    const again = await run(cmd, tools.env);
    expect(again.out.match(/\(already there\)/g)?.length).toBe(3);
    expect(again.out).toMatch(/Validation failed/);
    expect(tools.calls()).toHaveLength(7);
  }, 60_000);

  it("no page errors", () => {
    expect(pageErrors).toEqual([]);
  });
});
