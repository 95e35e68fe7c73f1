/**
 * The shipped clients against the local stack: clients/python (its own unittest suite, run
 * with SIGNPOST_* variables pointing at the stack) and clients/typescript, then a
 * cross-check: signed asset links minted by Python, by the TypeScript client and by
 * clients/sign-link.ts are byte-equal and signpost answers each with a 302.
 */
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PRINCIPAL_ARN, startLocalStack, type LocalStack } from "../../scripts/local-stack";
import { ROOT } from "../../scripts/wrangler-process";
import { SignpostClient, SignpostError, signAssetLink as clientSignAssetLink } from "../../clients/typescript/signpost";
import { signAssetLink } from "../../clients/sign-link";

const LINK_SIGNING_KEY = "clients-test-link-signing-key-0123456789";
const REGION = "us-east-1";
const PLAIN = { name: "plain", bucket: "client-media", role: "arn:aws:iam::444455556666:role/signpost-clients-plain" };
const SIGNED = { name: "signed", bucket: "client-signed", role: "arn:aws:iam::444455556666:role/signpost-clients-signed" };
const PLAIN_OBJECTS: Record<string, string> = {
  "images/cat 1.jpg": "cat one",
  "images/dog+2.jpg": "dog two",
  "images/ünïcode (3).txt": "unicode three",
  "text/notes.txt": "notes",
  "text/readme.md": "readme",
};
const SIGNED_OBJECTS: Record<string, string> = {
  "frames/a b+c.png": "frame abc",
  "frames/ü(1)!*'~.txt": "frame unicode",
  "deep/x/y/z.bin": "deep",
};

const python = (() => {
  const r = spawnSync("python3", ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
})();

let stack: LocalStack;
let apiToken: string;
const ids: Record<string, string> = {};

async function call<T>(method: string, url: string, token: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

const admin = <T>(method: string, path: string, body?: unknown) => call<T>(method, `${stack.url}/admin/api${path}`, stack.adminToken, body);
const fake = (path: string, body: unknown) => call("POST", `${stack.fakeAws.url}/__fake/${path}`, "-", body);

/** An integration on a fresh fake role and bucket, validated, as a bucket owner would set it up. */
async function integration(spec: typeof PLAIN, objects: Record<string, string>, extra: Record<string, unknown>): Promise<string> {
  const integ = await admin<{ id: string; externalId: string; permissionsPolicy: unknown; corsConfiguration: { CORSRules: unknown[] } }>(
    "POST",
    "/integrations",
    {
      name: spec.name,
      region: REGION,
      scopes: [spec.bucket],
      ...extra,
    },
  );
  await fake("roles", { arn: spec.role, trustedPrincipals: [PRINCIPAL_ARN], externalId: integ.externalId, policy: integ.permissionsPolicy });
  const bodies = Object.fromEntries(Object.entries(objects).map(([k, body]) => [k, { body, contentType: "text/plain" }]));
  await fake("buckets", { name: spec.bucket, region: REGION, cors: integ.corsConfiguration.CORSRules, objects: bodies });
  await admin("PATCH", `/integrations/${integ.id}`, { roleArn: spec.role });
  const report = await admin<{ ok: boolean; checks: unknown[] }>("POST", `/integrations/${integ.id}/validate`, {});
  expect(report.ok, JSON.stringify(report.checks)).toBe(true);
  return integ.id;
}

async function text(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  expect(res.status, url).toBe(200);
  return res.text();
}

/** Runs a child without blocking this process (the fake AWS answers from it). */
function run(cmd: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolveRun({ code, out });
    });
  });
}

const pythonEnv = (extra: Record<string, string> = {}) => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  PYTHONDONTWRITEBYTECODE: "1",
  PYTHONIOENCODING: "utf-8",
  ...extra,
});

beforeAll(async () => {
  stack = await startLocalStack({ extraSecrets: { LINK_SIGNING_KEY } });
  ids.plain = await integration(PLAIN, PLAIN_OBJECTS, { writeScopes: [`${PLAIN.bucket}/exports/`] });
  ids.signed = await integration(SIGNED, SIGNED_OBJECTS, { requireSignedLinks: true });
  apiToken = (await admin<{ token: string }>("POST", "/tokens", { name: "clients test" })).token;
}, 150_000);

afterAll(async () => {
  await stack?.stop();
});

describe.skipIf(!python)("clients/python (python3 -m unittest) against the local stack", () => {
  it("passes its whole suite, live tests included", async () => {
    expect(Number(python!.split(".")[1]) >= 9 || Number(python!.split(".")[0]) > 3, `Python ${python} is older than 3.9`).toBe(true);
    const { code, out } = await run(
      "python3",
      ["-m", "unittest", "discover", "-s", join("clients", "python"), "-v"],
      pythonEnv({
        SIGNPOST_URL: stack.url,
        SIGNPOST_API_TOKEN: apiToken,
        SIGNPOST_INTEGRATION: ids.plain!,
        SIGNPOST_BUCKET: PLAIN.bucket,
        SIGNPOST_OBJECTS: JSON.stringify(PLAIN_OBJECTS),
        SIGNPOST_UPLOAD_PREFIX: "exports/",
        SIGNPOST_SIGNED_INTEGRATION: ids.signed!,
        SIGNPOST_SIGNED_BUCKET: SIGNED.bucket,
        SIGNPOST_SIGNED_OBJECTS: JSON.stringify(SIGNED_OBJECTS),
        SIGNPOST_LINK_SIGNING_KEY: LINK_SIGNING_KEY,
      }),
      120_000,
    );
    expect(code, out).toBe(0);
    expect(out).not.toMatch(/skipped/);
    expect(out).toMatch(/Ran 1\d tests/);
    expect(out).not.toContain(apiToken);
  }, 150_000);
});
if (!python) console.warn("clients/python tests SKIPPED: python3 is not installed (apt-get install -y python3).");

describe("clients/typescript against the local stack", () => {
  const client = () => new SignpostClient({ baseUrl: stack.url, apiToken });

  it("batch-signs, with per-URL errors", async () => {
    const results = await client().sign([`s3://${PLAIN.bucket}/images/cat 1.jpg`, "ftp://nope"], { integration: ids.plain, ttl: 300 });
    expect(results).toHaveLength(2);
    const [ok, bad] = results;
    if (!ok || !("signedUrl" in ok)) throw new Error(`not signed: ${JSON.stringify(ok)}`);
    expect(await text(ok.signedUrl)).toBe("cat one");
    expect(bad && "error" in bad ? bad.error.code : null).toBe("invalid_url");
  });

  it("lists every page", async () => {
    const page = await client().listPage(ids.plain!, { limit: 2 });
    expect(page.objects).toHaveLength(2);
    expect(page.cursor).not.toBeNull();
    const keys: string[] = [];
    for await (const o of client().listObjects(ids.plain!, { pageSize: 2, prefix: "images/" })) keys.push(o.key);
    expect(keys.sort()).toEqual(
      Object.keys(PLAIN_OBJECTS)
        .filter((k) => k.startsWith("images/"))
        .sort(),
    );
  });

  it("uploads and reads back", async () => {
    const key = `exports/ts-${Date.now()}.json`;
    const up = await client().upload(ids.plain!, key, JSON.stringify({ from: "typescript" }), "application/json");
    expect(up.method).toBe("PUT");
    const [signed] = await client().sign([`s3://${PLAIN.bucket}/${key}`], { integration: ids.plain });
    expect(signed && "signedUrl" in signed ? await text(signed.signedUrl) : null).toBe('{"from":"typescript"}');
  });

  it("raises typed errors with the request id", async () => {
    const bad = new SignpostClient({ baseUrl: stack.url, apiToken: "not-a-token" });
    const unauthorized = await bad.sign(["s3://x/y"]).catch((e: unknown) => e);
    expect(unauthorized).toBeInstanceOf(SignpostError);
    expect(unauthorized).toMatchObject({ status: 401, code: "unauthorized", requestId: expect.stringMatching(/^req_/) });
    await expect(client().listPage("int_does_not_exist")).rejects.toMatchObject({ status: 404, code: "integration_not_found" });
    await expect(client().presignUpload({ integration: ids.plain!, key: "elsewhere/x.json", contentType: "application/json" })).rejects.toMatchObject({
      status: 403,
      code: "scope_not_allowed",
      hint: expect.any(String),
    });
    await expect(client().resolve(`${stack.url}/v1/assets/${ids.signed}/${SIGNED.bucket}/deep/x/y/z.bin`)).rejects.toMatchObject({
      code: "invalid_link_signature",
    });
  });
});

describe("signed asset links: Python, the TypeScript client and clients/sign-link.ts agree", () => {
  it("mints byte-equal links that signpost accepts with a 302", async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases = Object.keys(SIGNED_OBJECTS).map((key) => ({ key, ttl: 600 }));
    const ts = await Promise.all(
      cases.map((c) =>
        signAssetLink({ baseUrl: stack.url, integration: ids.signed!, bucket: SIGNED.bucket, key: c.key, ttlSeconds: c.ttl, secret: LINK_SIGNING_KEY, now }),
      ),
    );
    const viaClient = await Promise.all(
      cases.map((c) =>
        clientSignAssetLink({
          baseUrl: stack.url,
          integration: ids.signed!,
          bucket: SIGNED.bucket,
          key: c.key,
          ttlSeconds: c.ttl,
          secret: LINK_SIGNING_KEY,
          now,
        }),
      ),
    );
    expect(viaClient).toEqual(ts);
    if (python) {
      const script = [
        "import json, sys",
        "from signpost_client import sign_asset_link",
        "a = json.load(sys.stdin)",
        "print(json.dumps([sign_asset_link(a['base'], a['integration'], a['bucket'], c['key'], c['ttl'], a['secret'], now=a['now']) for c in a['cases']]))",
      ].join("\n");
      const input = JSON.stringify({ base: stack.url, integration: ids.signed, bucket: SIGNED.bucket, secret: LINK_SIGNING_KEY, now, cases });
      const py = spawnSync("python3", ["-c", script], { cwd: join(ROOT, "clients", "python"), input, encoding: "utf8", env: pythonEnv(), timeout: 20_000 });
      expect(py.status, py.stderr).toBe(0);
      expect(JSON.parse(py.stdout)).toEqual(ts);
    }
    for (const [i, link] of ts.entries()) {
      const res = await fetch(link, { redirect: "manual", signal: AbortSignal.timeout(10_000) });
      expect(res.status, link).toBe(302);
      expect(await text(res.headers.get("location")!)).toBe(SIGNED_OBJECTS[cases[i]!.key]);
    }
  });
});
