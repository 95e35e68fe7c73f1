/// <reference types="node" />
/**
 * signpost running locally, for `npm start`, the browser test and the benchmark:
 * the fake AWS server (scripts/fake-aws-server.ts) plus `wrangler dev --local` pointed at it,
 * with fresh random secrets and signpost's own principal seeded in the fake.
 *
 * Everything listens on loopback. Secrets reach wrangler through a generated env file
 * (mode 0600, removed on stop), never the command line where `ps` would show them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startFakeAwsServer, type FakeAwsServer } from "./fake-aws-server";
import type { FakeAws } from "../test/fakes/aws";

export const PRINCIPAL_ARN = "arn:aws:iam::111122223333:user/signpost";
/** A labeling frontend's dev server (Vite's default): what the `cors` check expects buckets to allow. */
export const DEFAULT_CORS_ORIGINS = "http://localhost:5173";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;

export interface LocalStackOptions {
  /** Port for signpost (default: a free one). */
  port?: number;
  /**
   * D1/KV state directory (default: a fresh temporary one, removed on stop). When given, the
   * generated secrets are kept in it too, so restarts keep the admin token and stored data.
   */
  persistTo?: string;
  /** More `--var`s for the Worker; they override the defaults (e.g. CORS_ORIGINS). */
  extraVars?: Record<string, string>;
}

export interface LocalStack {
  /** `http://localhost:{port}`: localhost (not 127.0.0.1) so browsers keep the Secure session cookie on plain http. */
  url: string;
  adminToken: string;
  fakeAws: { url: string; fake: FakeAws };
  stop(): Promise<void>;
}

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
function randomUpper(n: number): string {
  return Array.from(randomBytes(n), (b) => B32[b & 31]).join("");
}

interface StackSecrets {
  adminToken: string;
  encryptionKey: string;
  principal: { accessKeyId: string; secretAccessKey: string };
}

function newSecrets(): StackSecrets {
  return {
    adminToken: randomBytes(24).toString("base64url"),
    encryptionKey: randomBytes(32).toString("base64"),
    principal: { accessKeyId: "AKIA" + randomUpper(16), secretAccessKey: randomBytes(30).toString("base64") },
  };
}

/**
 * Fresh random secrets; with persistent state they are kept next to it (mode 0600), so the
 * admin token stays the same across restarts and stored secrets can still be decrypted.
 */
async function stackSecrets(persistTo: string | undefined): Promise<StackSecrets> {
  if (!persistTo) return newSecrets();
  const file = join(persistTo, "signpost-local-secrets.json");
  try {
    const saved = JSON.parse(await readFile(file, "utf8")) as StackSecrets;
    if (saved.adminToken && saved.encryptionKey && saved.principal?.accessKeyId && saved.principal.secretAccessKey) return saved;
  } catch {
    // none yet (or unreadable): start over
  }
  const fresh = newSecrets();
  await writeFile(file, JSON.stringify(fresh, null, 2) + "\n", { mode: 0o600 });
  return fresh;
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

/** Keeps the last few KB a child printed, for error messages. */
function tail(child: ChildProcess): () => string {
  let out = "";
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString("utf8")).slice(-8000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return () => out;
}

function childEnv(): NodeJS.ProcessEnv {
  // Only what wrangler needs: no AWS_* or CLOUDFLARE_* of the caller leaks into the Worker.
  const env: NodeJS.ProcessEnv = {};
  for (const k of ["PATH", "HOME", "TMPDIR", "LANG", "TERM", "XDG_CONFIG_HOME", "NODE_OPTIONS", "NODE_EXTRA_CA_CERTS"]) {
    if (process.env[k] !== undefined) env[k] = process.env[k];
  }
  return { ...env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1", FORCE_COLOR: "0" };
}

async function run(args: string[], timeoutMs: number): Promise<void> {
  const child = spawn(WRANGLER, args, { cwd: ROOT, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
  const output = tail(child);
  const code = await new Promise<number | null>((done, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`wrangler ${args.join(" ")} took longer than ${timeoutMs / 1000} s:\n${output()}`));
    }, timeoutMs);
    child.once("error", reject);
    child.once("exit", (c) => {
      clearTimeout(timer);
      done(c);
    });
  });
  if (code !== 0) throw new Error(`wrangler ${args.join(" ")} failed (exit ${code}):\n${output()}`);
}

function killTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // the whole process group: wrangler, its esbuild and workerd
  } catch {
    // already gone
  }
}

async function waitForReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited = false;
  child.once("exit", () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`wrangler dev exited before signpost answered:\n${output()}`);
    try {
      const res = await fetch(`${url}/admin`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`signpost did not answer GET /admin within ${READY_TIMEOUT_MS / 1000} s:\n${output()}`);
}

export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const scratch = await mkdtemp(join(tmpdir(), "signpost-stack-"));
  const persistTo = resolve(opts.persistTo ?? join(scratch, "state"));
  await mkdir(persistTo, { recursive: true });

  const secretValues = await stackSecrets(opts.persistTo ? persistTo : undefined);
  const principal = { arn: PRINCIPAL_ARN, ...secretValues.principal };
  if (opts.persistTo) {
    // The KV namespace only caches temporary credentials, and the ones it holds were issued
    // by a fake AWS that is gone now: the new one would refuse every URL signed with them.
    await rm(join(persistTo, "v3", "kv"), { recursive: true, force: true });
  }
  let fakeServer: FakeAwsServer | null = null;
  let child: ChildProcess | null = null;
  const cleanup = async () => {
    if (child) {
      const c = child;
      const gone = new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once("exit", () => r())));
      killTree(c, "SIGTERM");
      const timer = setTimeout(() => killTree(c, "SIGKILL"), STOP_TIMEOUT_MS);
      await gone;
      clearTimeout(timer);
      killTree(c, "SIGKILL"); // stragglers in the group (workerd)
      process.off("exit", onExit);
    }
    await fakeServer?.close().catch(() => undefined);
    await rm(scratch, { recursive: true, force: true });
  };
  const onExit = () => child && killTree(child, "SIGKILL");

  try {
    fakeServer = await startFakeAwsServer({ seed: { principals: [principal] } });
    const port = opts.port ?? (await freePort());
    const adminToken = secretValues.adminToken;

    const envFile = join(scratch, "signpost.env");
    const secrets: Record<string, string> = {
      ADMIN_TOKEN: adminToken,
      ENCRYPTION_KEY: secretValues.encryptionKey,
      AWS_ACCESS_KEY_ID: principal.accessKeyId,
      AWS_SECRET_ACCESS_KEY: principal.secretAccessKey,
    };
    await writeFile(envFile, Object.entries(secrets).map(([k, v]) => `${k}="${v}"\n`).join(""), { mode: 0o600 });

    const vars: Record<string, string> = {
      AWS_ENDPOINT_URL_STS: fakeServer.url,
      AWS_ENDPOINT_URL_S3: fakeServer.url,
      ALLOW_HTTP_LOOPBACK_ENDPOINTS: "true",
      CORS_ORIGINS: DEFAULT_CORS_ORIGINS,
      ...opts.extraVars,
    };

    await run(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], 60_000);

    const args = ["dev", "--local", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(await freePort()), "--persist-to", persistTo];
    args.push("--env-file", envFile, "--show-interactive-dev-session=false", "--live-reload=false", "--log-level", "warn");
    for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
    // detached: its own process group, so stop() can end wrangler and every child it started.
    child = spawn(WRANGLER, args, { cwd: ROOT, env: childEnv(), stdio: ["ignore", "pipe", "pipe"], detached: true });
    process.once("exit", onExit);
    const output = tail(child);
    await waitForReady(`http://127.0.0.1:${port}`, child, output);

    let stopped: Promise<void> | null = null;
    return {
      url: `http://localhost:${port}`,
      adminToken,
      fakeAws: { url: fakeServer.url, fake: fakeServer.fake },
      stop: () => (stopped ??= cleanup()),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
