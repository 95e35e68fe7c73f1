/**
 * `npm run setup` and `npm run upgrade` with a fake `wrangler` on PATH
 * (fixtures/fake-wrangler.cjs: records every call, answers like wrangler 4) and a fake
 * deployed signpost on loopback for the smoke test.
 */
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/wrangler-process";

const FAKE = join(ROOT, "test", "node", "fixtures", "fake-wrangler.cjs");
const HAS_KEYGEN = !!JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts?.["oidc:keygen"];
const ISSUER = "https://signpost.example.com";
const AWS = { id: "AKIASETUPTEST0000001", secret: "setup/test/aws/secret/0123456789abcdefghij" };

interface Call {
  args: string[];
  stdin: string;
}

let dir: string;
let server: Server;
let url: string;
let healthStatus = 200;
const seen: Array<{ path: string; auth: string | undefined }> = [];

const state = () =>
  JSON.parse(readFileSync(join(dir, "state.json"), "utf8")) as {
    d1: { uuid: string; name: string }[];
    kv: { id: string; title: string }[];
    secrets: Record<string, string>;
    migrated?: number;
    deployed?: number;
  };
const calls = (): Call[] =>
  existsSync(join(dir, "calls.jsonl"))
    ? readFileSync(join(dir, "calls.jsonl"), "utf8")
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Call)
    : [];
const commands = () => calls().map((c) => c.args.filter((a, i, all) => a !== "--config" && all[i - 1] !== "--config").join(" "));

function run(
  script: "setup" | "upgrade",
  args: string[],
  opts: { env?: Record<string, string>; input?: string } = {},
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join("scripts", `${script}.ts`), "--config", join(dir, "wrangler.toml"), ...args], {
      cwd: ROOT,
      env: {
        PATH: `${join(dir, "bin")}:/usr/bin:/bin`,
        HOME: dir,
        FAKE_WRANGLER_STATE: join(dir, "state.json"),
        FAKE_WRANGLER_LOG: join(dir, "calls.jsonl"),
        FAKE_DEPLOY_URL: url,
        SIGNPOST_SMOKE_ATTEMPTS: "2",
        ...opts.env,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolveRun({ code, out });
    });
    child.stdin.end(opts.input ?? "");
  });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? "/";
    seen.push({ path, auth: req.headers.authorization });
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (path === "/health") return send(healthStatus, healthStatus === 200 ? { ok: true, version: "0.1.0" } : { error: { code: "internal_error" } });
    if (path === "/.well-known/openid-configuration") return send(200, { issuer: ISSUER, jwks_uri: `${ISSUER}/.well-known/jwks.json` });
    if (path === "/admin/api/integrations") {
      // The deployed Worker knows the ADMIN_TOKEN that setup gave wrangler.
      const token = state().secrets.ADMIN_TOKEN;
      return req.headers.authorization === `Bearer ${token}` ? send(200, { integrations: [] }) : send(401, { error: { code: "unauthorized", message: "no" } });
    }
    send(404, { error: { code: "not_found" } });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const addr = server.address();
  url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "signpost-setup-"));
  copyFileSync(join(ROOT, "wrangler.toml"), join(dir, "wrangler.toml"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "wrangler"), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(FAKE)} "$@"\n`, { mode: 0o755 });
  seen.length = 0;
  healthStatus = 200;
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("npm run setup -- --yes", () => {
  it("creates D1 and KV, writes their ids, sets the secrets over stdin, migrates, deploys and smoke-tests", async () => {
    const r = await run("setup", ["--yes", "--cors-origins", "https://label.example.com", "--oidc-issuer", ISSUER], {
      env: { SIGNPOST_AWS_ACCESS_KEY_ID: AWS.id, SIGNPOST_AWS_SECRET_ACCESS_KEY: AWS.secret },
    });
    expect(r.code, r.out).toBe(0);
    expect(commands()).toEqual([
      "whoami",
      "d1 list --json",
      "d1 create signpost",
      "kv namespace list",
      "kv namespace create signpost-credentials",
      "secret list --format json",
      "secret put ENCRYPTION_KEY",
      "secret put ADMIN_TOKEN",
      "secret put LINK_SIGNING_KEY",
      "secret put AWS_ACCESS_KEY_ID",
      "secret put AWS_SECRET_ACCESS_KEY",
      // With an issuer, npm run oidc:keygen (where the project has it) sets the signing key through the same wrangler.
      ...(HAS_KEYGEN ? ["secret put OIDC_SIGNING_KEY"] : []),
      "d1 migrations apply DB --remote",
      "deploy",
    ]);
    for (const c of calls().filter((x) => !x.args.includes("OIDC_SIGNING_KEY"))) expect(c.args.slice(-2)).toEqual(["--config", join(dir, "wrangler.toml")]);

    const s = state();
    const toml = readFileSync(join(dir, "wrangler.toml"), "utf8");
    expect(toml).toContain(`database_id = "${s.d1[0]!.uuid}"`);
    expect(toml).toContain(`id = "${s.kv[0]!.id}"`);
    expect(toml).not.toMatch(/= "0{8}-0{4}|= "0{32}"/);
    expect(toml).toContain('CORS_ORIGINS = "https://label.example.com"');
    expect(toml).toContain(`OIDC_ISSUER = "${ISSUER}"`);
    expect(Buffer.from(s.secrets.ENCRYPTION_KEY!, "base64")).toHaveLength(32);
    expect(s.secrets.ADMIN_TOKEN!.length).toBeGreaterThanOrEqual(32);
    expect(s.secrets.AWS_ACCESS_KEY_ID).toBe(AWS.id);
    expect(s.secrets.AWS_SECRET_ACCESS_KEY).toBe(AWS.secret);

    // The generated admin token is in a private file, and no secret is ever printed.
    const tokenFile = join(dir, ".signpost", "admin-token");
    expect(readFileSync(tokenFile, "utf8").trim()).toBe(s.secrets.ADMIN_TOKEN);
    expect(statSync(tokenFile).mode & 0o077).toBe(0);
    for (const v of Object.values(s.secrets)) expect(r.out).not.toContain(v);
    for (const c of calls()) for (const v of Object.values(s.secrets)) expect(c.args.join(" ")).not.toContain(v);

    // Smoke test: health, OIDC metadata, then the admin API with the token that was set.
    expect(seen.map((x) => x.path)).toEqual(["/health", "/.well-known/openid-configuration", "/admin/api/integrations"]);
    expect(seen[2]!.auth).toBe(`Bearer ${s.secrets.ADMIN_TOKEN}`);
    expect(r.out).toContain(`signpost is deployed at ${url}`);
  }, 90_000);

  it("is safe to run again: reuses the ids and keeps the existing secrets", async () => {
    expect((await run("setup", ["--yes"])).code).toBe(0);
    const first = state();
    const again = await run("setup", ["--yes"]);
    expect(again.code, again.out).toBe(0);
    const second = commands().slice(commands().lastIndexOf("whoami"));
    expect(second).toEqual(["whoami", "secret list --format json", "d1 migrations apply DB --remote", "deploy"]);
    expect(state().secrets).toEqual(first.secrets);
    expect(state().d1).toHaveLength(1);
    expect(again.out).toContain("kept the existing secret ENCRYPTION_KEY");
  }, 90_000);

  it("finds resources created before instead of creating them twice", async () => {
    writeFileSync(
      join(dir, "state.json"),
      JSON.stringify({
        d1: [{ uuid: "11111111-2222-4333-8444-555555555555", name: "signpost" }],
        kv: [{ id: "a".repeat(32), title: "signpost-credentials" }],
        secrets: {},
        loggedIn: true,
      }),
    );
    const r = await run("setup", ["--yes"]);
    expect(r.code, r.out).toBe(0);
    expect(commands().filter((c) => c.includes("create"))).toEqual([]);
    const toml = readFileSync(join(dir, "wrangler.toml"), "utf8");
    expect(toml).toContain('database_id = "11111111-2222-4333-8444-555555555555"');
    expect(toml).toContain(`id = "${"a".repeat(32)}"`);
  }, 90_000);

  it("stops before changing anything when wrangler is not logged in", async () => {
    writeFileSync(join(dir, "state.json"), JSON.stringify({ d1: [], kv: [], secrets: {}, loggedIn: false }));
    const r = await run("setup", ["--yes"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("npx wrangler login");
    expect(commands()).toEqual(["whoami"]);
  }, 60_000);

  it("fails loudly when the deployed signpost does not answer /health", async () => {
    healthStatus = 503;
    const r = await run("setup", ["--yes"]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/smoke test: GET \/health: HTTP 503/);
  }, 90_000);
});

describe("npm run setup (interactive)", () => {
  it("asks, then does the same with the answers", async () => {
    const answers = ["https://a.example.com,https://b.example.com", "203.0.113.0/24", AWS.id, AWS.secret, "my-own-admin-token-0123456789", "n", "", "y"];
    const r = await run("setup", [], { input: answers.join("\n") + "\n" });
    expect(r.code, r.out).toBe(0);
    const s = state();
    expect(s.secrets.ADMIN_TOKEN).toBe("my-own-admin-token-0123456789");
    expect(s.secrets.LINK_SIGNING_KEY).toBeUndefined();
    expect(s.secrets.AWS_SECRET_ACCESS_KEY).toBe(AWS.secret);
    const toml = readFileSync(join(dir, "wrangler.toml"), "utf8");
    expect(toml).toContain('CORS_ORIGINS = "https://a.example.com,https://b.example.com"');
    expect(toml).toContain('ALLOWED_IPS = "203.0.113.0/24"');
    expect(existsSync(join(dir, ".signpost", "admin-token"))).toBe(false); // the operator chose it
    expect(r.out).not.toContain(AWS.secret);
    expect(r.out).not.toContain("my-own-admin-token-0123456789");
    expect(seen.find((x) => x.path === "/admin/api/integrations")?.auth).toBe("Bearer my-own-admin-token-0123456789");
  }, 90_000);
});

describe("npm run upgrade", () => {
  it("applies migrations, then deploys, then smoke-tests with the saved admin token", async () => {
    expect((await run("setup", ["--yes"])).code).toBe(0);
    const before = calls().length;
    seen.length = 0;
    const r = await run("upgrade", []);
    expect(r.code, r.out).toBe(0);
    expect(commands().slice(before)).toEqual(["d1 migrations apply DB --remote", "deploy"]);
    expect(seen.map((x) => x.path)).toEqual(["/health", "/admin/api/integrations"]);
    expect(seen[1]!.auth).toBe(`Bearer ${state().secrets.ADMIN_TOKEN}`);
  }, 90_000);
});
