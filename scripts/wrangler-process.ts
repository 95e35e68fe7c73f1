/// <reference types="node" />
/**
 * Running wrangler as a child, for scripts/local-stack.ts (`npm start`, the browser test) and
 * the benchmark (bench/): a minimal environment, each child in its own process group (so
 * wrangler, its esbuild and its workerd processes stop together), killed when this process
 * exits, and the last few KB of its output kept for error messages.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;

/** A port free on 127.0.0.1 right now. */
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

export function childEnv(): NodeJS.ProcessEnv {
  // Only what wrangler needs: no AWS_* or CLOUDFLARE_* of the caller leaks into the Worker.
  const env: NodeJS.ProcessEnv = {};
  for (const k of ["PATH", "HOME", "TMPDIR", "LANG", "TERM", "XDG_CONFIG_HOME", "NODE_OPTIONS", "NODE_EXTRA_CA_CERTS"]) {
    if (process.env[k] !== undefined) env[k] = process.env[k];
  }
  return { ...env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1", FORCE_COLOR: "0" };
}

/** Keeps the last few KB a child printed, for error messages. */
export function tail(child: ChildProcess): () => string {
  let out = "";
  const keep = (chunk: Buffer) => {
    // NO_COLOR is set, but some tools colour anyway: raw escape codes never reach a message.
    out = (out + chunk.toString("utf8").replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "")).slice(-8000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return () => out;
}

/** Signals a detached child's whole process group (wrangler, its esbuild and workerd). */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Ends a detached child's whole process group: SIGTERM, then SIGKILL after a grace period. */
export async function stopGroup(child: ChildProcess): Promise<void> {
  const gone = new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once("exit", () => r())));
  killGroup(child, "SIGTERM");
  const timer = setTimeout(() => killGroup(child, "SIGKILL"), STOP_TIMEOUT_MS);
  await gone;
  clearTimeout(timer);
  killGroup(child, "SIGKILL"); // stragglers in the group (workerd)
}

/** `wrangler …` in its own process group, killed (with its group) if this process exits first. */
function spawnWrangler(args: string[]): { child: ChildProcess; output: () => string; release: () => void } {
  const child = spawn(WRANGLER, args, { cwd: ROOT, env: childEnv(), stdio: ["ignore", "pipe", "pipe"], detached: true });
  const onExit = () => killGroup(child, "SIGKILL");
  process.once("exit", onExit);
  return { child, output: tail(child), release: () => process.off("exit", onExit) };
}

/** Runs wrangler to completion; killed on timeout. Resolves to the tail of its output. */
export async function runWrangler(args: string[], timeoutMs: number): Promise<string> {
  const { child, output, release } = spawnWrangler(args);
  try {
    const code = await new Promise<number | null>((done, reject) => {
      const timer = setTimeout(() => {
        killGroup(child, "SIGKILL");
        reject(new Error(`wrangler ${args.join(" ")} took longer than ${timeoutMs / 1000} s:\n${output()}`));
      }, timeoutMs);
      child.once("error", reject);
      child.once("exit", (c) => {
        clearTimeout(timer);
        done(c);
      });
    });
    if (code !== 0) throw new Error(`wrangler ${args.join(" ")} failed (exit ${code}):\n${output()}`);
    return output();
  } finally {
    release();
  }
}

export interface ReadyCheck {
  /** Polled with GET (redirects not followed) until it answers `status`. */
  url: string;
  status: number;
  /** Who answers, for error messages ("signpost"). */
  what: string;
  /** Request headers, e.g. a secret only this instance knows, so a stranger on the port never passes. */
  headers?: Record<string, string>;
  /** The body must contain this too (proves which server answered). */
  bodyIncludes?: string;
}

/** Polls `ready.url` until it answers `ready.status`; fails if the child exits first or after 60 s. */
export async function waitForReady(ready: ReadyCheck, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited = child.exitCode !== null || child.signalCode !== null;
  child.once("exit", () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`wrangler dev exited before ${ready.what} answered:\n${output()}`);
    try {
      const res = await fetch(ready.url, { redirect: "manual", headers: ready.headers, signal: AbortSignal.timeout(2_000) });
      const body = await res.text();
      if (res.status === ready.status && (ready.bodyIncludes === undefined || body.includes(ready.bodyIncludes))) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${ready.what} did not answer GET ${new URL(ready.url).pathname} with ${ready.status} within ${READY_TIMEOUT_MS / 1000} s:\n${output()}`);
}

export interface WranglerDevOptions {
  /** What else `wrangler dev` gets (--config, --env-file, --var …). */
  args: string[];
  /** D1/KV state directory. */
  persistTo: string;
  /** Default: a free port. */
  port?: number;
  /** workerd's V8 inspector; default: a free port. */
  inspectorPort?: number;
  /** Ready once GET {path} answers {status}. */
  ready: { path: string; status: number; what: string; headers?: Record<string, string>; bodyIncludes?: string };
}

export interface WranglerDev {
  /** http://127.0.0.1:{port} */
  url: string;
  port: number;
  inspectorPort: number;
  /** Process group of wrangler dev and its workerd processes (its pid), e.g. for CPU accounting. */
  pgid: number;
  /** Ends the whole group (SIGTERM, then SIGKILL). Idempotent. */
  stop(): Promise<void>;
}

/**
 * `wrangler dev --local` on 127.0.0.1, quiet and without live reload, detached in its own
 * process group; resolves once `ready` answers, and stops it again if it never does.
 */
export async function startWranglerDev(o: WranglerDevOptions): Promise<WranglerDev> {
  const port = o.port ?? (await freePort());
  const inspectorPort = o.inspectorPort ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const args = [
    "dev",
    "--local",
    ...o.args,
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    o.persistTo,
  ];
  args.push("--show-interactive-dev-session=false", "--live-reload=false", "--log-level", "warn");
  const { child, output, release } = spawnWrangler(args);
  let stopped: Promise<void> | null = null;
  const stop = () => (stopped ??= stopGroup(child).finally(release));
  try {
    await waitForReady({ ...o.ready, url: url + o.ready.path }, child, output);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port, inspectorPort, pgid: child.pid!, stop };
}
