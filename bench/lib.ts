/// <reference types="node" />
/**
 * What bench/run.ts, bench/micro.ts and bench/profile.ts share: bounded lifetime (cleanup on
 * exit, errors, SIGINT and a hard time limit), the generated wrangler config, the two servers
 * (signpost through scripts/local-stack.ts, the bare 302 worker), onboarding through the admin
 * API, the load runner with per-response status checks, and CPU accounting of the servers.
 */
import autocannon, { type Instance, type Result } from "autocannon";
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { startLocalStack, type LocalStack } from "../scripts/local-stack";
import { ROOT, startWranglerDev } from "../scripts/wrangler-process";

export { ROOT, runWrangler } from "../scripts/wrangler-process";
export const DEMO_BUCKET = "demo-bucket";
export const DEMO_KEY = "hello.txt";
export const DEMO_BODY = "hello from the signpost bench\n";
export const DEMO_ROLE = "arn:aws:iam::444455556666:role/signpost-bench-demo";
export const REGION = "us-east-1";

// ---- lifetime ---------------------------------------------------------------------------

const cleanups: Array<() => Promise<void>> = [];
let cleaning: Promise<void> | null = null;
let currentLoad: Instance | null = null;

export function onCleanup(fn: () => Promise<void>): void {
  cleanups.push(fn);
}

/** Stops the running load and every registered server/child, newest first. Idempotent. */
export function cleanupAll(): Promise<void> {
  return (cleaning ??= (async () => {
    currentLoad?.stop();
    for (const fn of cleanups.splice(0).reverse()) await fn().catch((e: unknown) => console.error("cleanup:", e));
  })());
}

/** SIGINT, SIGTERM and a hard wall-clock limit all end the run, and everything it started. */
export function boundRun(limitMs: number, what: string): () => void {
  let aborting = false;
  const abort = (message: string, code: number) => {
    if (aborting) return;
    aborting = true;
    console.error(`\n${message}: stopping everything`);
    void cleanupAll().finally(() => process.exit(code));
  };
  // \`on\`, not \`once\`: Ctrl-C reaches this process more than once (from the terminal and relayed
  // by npm and tsx), and a second SIGINT without a listener would end it before the cleanup
  // has stopped the wrangler process groups.
  process.on("SIGINT", () => abort("interrupted", 130));
  process.on("SIGTERM", () => abort("terminated", 143));
  const watchdog = setTimeout(() => abort(`${what} ran longer than ${limitMs / 1000} s`, 124), limitMs);
  watchdog.unref();
  return () => clearTimeout(watchdog);
}

/** Runs `main`, then (or on error) cleans up and exits with its code. */
export function runMain(main: () => Promise<number>, disarm: () => void): void {
  main()
    .then(async (code) => {
      disarm();
      log("stopping…");
      await cleanupAll();
      process.exit(code);
    })
    .catch(async (err: unknown) => {
      disarm();
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      await cleanupAll();
      process.exit(1);
    });
}

const t0 = performance.now();
export function log(msg: string): void {
  console.log(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${msg}`);
}
export function elapsedSeconds(): number {
  return (performance.now() - t0) / 1000;
}

// ---- numbers ----------------------------------------------------------------------------

export const r1 = (x: number) => Math.round(x * 10) / 10;
export const r2 = (x: number) => Math.round(x * 100) / 100;
export const r3 = (x: number) => Math.round(x * 1000) / 1000;

function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
export function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
export interface Dist {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}
/** Exact (nearest-rank) percentiles of a latency sample, in ms. */
export function dist(ms: number[]): Dist {
  const s = Float64Array.from(ms).sort();
  const mean = ms.reduce((a, b) => a + b, 0) / Math.max(1, ms.length);
  return {
    n: s.length,
    min: r2(s[0] ?? NaN),
    p50: r2(percentile(s, 50)),
    p90: r2(percentile(s, 90)),
    p99: r2(percentile(s, 99)),
    max: r2(s[s.length - 1] ?? NaN),
    mean: r2(mean),
  };
}

// ---- config -----------------------------------------------------------------------------

export async function compatibilityDate(): Promise<string> {
  const toml = await readFile(join(ROOT, "wrangler.toml"), "utf8");
  const m = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml);
  if (!m) throw new Error("wrangler.toml has no compatibility_date");
  return m[1]!;
}

/**
 * wrangler.toml as shipped, rate limits included (a successful redirect makes no limiter call),
 * with absolute paths since the copy lives in a temporary directory,
 * and running `builtMain` (the output of `wrangler deploy --dry-run`) with no_bundle: a snapshot
 * of the code as deployed, which edits made to worker/ during the run do not reload.
 */
export async function benchConfig(dir: string, builtMain: string, noBundle = true): Promise<{ path: string }> {
  const lines = (await readFile(join(ROOT, "wrangler.toml"), "utf8")).split("\n");
  const kept: string[] = [];
  for (const line of lines) {
    if (/^\s*main\s*=/.test(line)) {
      kept.push(`main = ${JSON.stringify(builtMain)}`, ...(noBundle ? ["no_bundle = true"] : []));
      continue;
    }
    const path = /^(\s*(?:migrations_dir|directory)\s*=\s*)"([^"]+)"(.*)$/.exec(line);
    kept.push(path ? `${path[1]}${JSON.stringify(resolve(ROOT, path[2]!))}${path[3]}` : line);
  }
  await mkdir(dir, { recursive: true });
  const path = join(dir, "wrangler.toml");
  await writeFile(path, `# Generated by bench/ from wrangler.toml: the built Worker, everything else as shipped.\n${kept.join("\n")}`);
  return { path };
}

/** The script `wrangler deploy --dry-run --outdir` wrote (index.js, or the entry's name, e.g. bare-worker.js). */
export async function builtScript(outDir: string): Promise<string> {
  const files = (await readdir(outDir, { recursive: true })).map(String).filter((f) => /\.m?js$/.test(f));
  if (!files.length) throw new Error(`wrangler deploy --dry-run wrote no .js into ${outDir}`);
  const sized = await Promise.all(files.map(async (f) => ({ f, size: (await stat(join(outDir, f))).size })));
  const main = sized.find((s) => /(^|\/)index\.m?js$/.test(s.f)) ?? sized.sort((a, b) => b.size - a.size)[0]!;
  return join(outDir, main.f);
}

/** bench/wrangler.bare.toml with an absolute `main`, in `dir`: wrangler keeps its build scratch (.wrangler/) next to it, out of bench/. */
export async function bareBuildConfig(dir: string): Promise<string> {
  const toml = await readFile(join(ROOT, "bench", "wrangler.bare.toml"), "utf8");
  await mkdir(dir, { recursive: true });
  const path = join(dir, "wrangler.bare.toml");
  await writeFile(
    path,
    toml.replace(/^main\s*=\s*"([^"]+)"/m, (_m, main: string) => `main = ${JSON.stringify(resolve(ROOT, "bench", main))}`),
  );
  return path;
}

/** The bare worker's config, pointing at its built script. */
export async function bareConfig(dir: string, builtMain: string, compatibilityDate: string): Promise<string> {
  const path = join(dir, "wrangler.bare.toml");
  await writeFile(
    path,
    `name = "signpost-bench-bare"\nmain = ${JSON.stringify(builtMain)}\nno_bundle = true\ncompatibility_date = "${compatibilityDate}"\nworkers_dev = false\n`,
  );
  return path;
}

export function rateLimitNote(): string {
  return "signpost runs with wrangler.toml as shipped, [[ratelimits]] included: a successful redirect makes no rate-limiter call, so a load from one IP is never answered with 429s.";
}

// ---- the servers ------------------------------------------------------------------------

export type Signpost = LocalStack & {
  /** signpost on 127.0.0.1 (what autocannon connects to), its admin token and the fake AWS. */
  api: Api;
};

/**
 * signpost as `npm start` runs it (scripts/local-stack.ts: the fake AWS, fresh secrets,
 * `wrangler dev --local`), from `config` (see benchConfig).
 */
export async function startSignpost(config: string): Promise<Signpost> {
  const stack = await startLocalStack({ config });
  return { ...stack, api: { base: `http://127.0.0.1:${stack.port}`, adminToken: stack.adminToken, fakeUrl: stack.fakeAws.url } };
}

export interface BareWorker {
  /** http://127.0.0.1:{port} */
  url: string;
  pgid: number;
  inspectorPort: number;
  stop(): Promise<void>;
}

/** bench/bare-worker.ts in its own `wrangler dev` (config: bareConfig's), on signpost's compatibility date. */
export async function startBareWorker(compatibilityDate: string, config: string): Promise<BareWorker> {
  const scratch = await mkdtemp(join(tmpdir(), "signpost-bench-bare-"));
  const removeScratch = () => rm(scratch, { recursive: true, force: true });
  try {
    const dev = await startWranglerDev({
      args: ["--config", config, "--compatibility-date", compatibilityDate],
      persistTo: join(scratch, "state"),
      ready: { path: "/", status: 302, what: "the bare worker" },
    });
    let stopped: Promise<void> | null = null;
    return { url: dev.url, pgid: dev.pgid, inspectorPort: dev.inspectorPort, stop: () => (stopped ??= dev.stop().finally(removeScratch)) };
  } catch (err) {
    await removeScratch();
    throw err;
  }
}

// ---- the admin API, as a user drives it -------------------------------------------------

export interface Api {
  base: string;
  adminToken: string;
  fakeUrl: string;
}

async function call(url: string, init: RequestInit & { expect: number }): Promise<any> {
  const res = await fetch(url, { ...init, redirect: "manual", signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  if (res.status !== init.expect) throw new Error(`${init.method ?? "GET"} ${url}: expected ${init.expect}, got ${res.status}: ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : null;
}
export function admin(api: Api, method: string, path: string, body: unknown, expect = 200): Promise<any> {
  return call(`${api.base}${path}`, {
    method,
    expect,
    headers: { authorization: `Bearer ${api.adminToken}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
/** The fake's control API: the bucket owner's side of AWS (buckets, roles). */
function fakeAws(api: Api, path: string, body: unknown): Promise<any> {
  return call(`${api.fakeUrl}/__fake/${path}`, { method: "POST", expect: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}
export async function assumeRoleCalls(api: Api): Promise<number> {
  const calls = (await call(`${api.fakeUrl}/__fake/calls`, { expect: 200 })).calls as Array<{ action: string }>;
  return calls.filter((c) => c.action === "AssumeRole").length;
}

/** create → External ID and documents → bucket and role in (fake) AWS → PATCH roleArn. */
export async function onboard(api: Api, name: string, bucket: string, roleArn: string, objects: Record<string, string>): Promise<string> {
  const created = await admin(api, "POST", "/admin/api/integrations", { name, region: REGION, scopes: [bucket] }, 201);
  const stmt = created.trustPolicy?.Statement?.[0];
  const externalId = stmt?.Condition?.StringEquals?.["sts:ExternalId"];
  if (!externalId || externalId !== created.externalId)
    throw new Error(`the trust policy does not carry the integration's External ID: ${JSON.stringify(created.trustPolicy)}`);
  await fakeAws(api, "buckets", { name: bucket, region: REGION, cors: created.corsConfiguration?.CORSRules, objects });
  await fakeAws(api, "roles", { arn: roleArn, trustedPrincipals: [stmt.Principal.AWS], externalId, policy: created.permissionsPolicy });
  await admin(api, "PATCH", `/admin/api/integrations/${created.id}`, { roleArn });
  return created.id as string;
}

export interface Scenario {
  principalArn: string;
  demoId: string;
  cold: Array<{ id: string; bucket: string }>;
  token: string;
  /** (a) bare, (b) warm assets, (c) redirect?url= */
  targets: Array<{ key: "a" | "b" | "c"; name: string; url: string }>;
  shapes: Record<string, { status: number; headers: string[]; locationLength: number }>;
  notes: string[];
}

/**
 * The demo integration (validated), `coldCount` more that are never used before (e), an API
 * token, and the three load targets, each checked: a 302 whose presigned URL fetches the object.
 */
export async function setUp(api: Api, bareUrl: string | null, coldCount: number): Promise<Scenario> {
  const notes: string[] = [];
  const principal = await admin(api, "GET", "/admin/api/principal", undefined);
  const demoId = await onboard(api, "bench-demo", DEMO_BUCKET, DEMO_ROLE, { [DEMO_KEY]: DEMO_BODY });
  const validation = await admin(api, "POST", `/admin/api/integrations/${demoId}/validate`, { sampleKey: DEMO_KEY });
  if (!validation.ok) throw new Error(`the demo integration does not validate: ${JSON.stringify(validation.checks)}`);
  // All created before any warm-up: an admin write clears the isolate's memo, which would un-warm (b).
  const cold: Scenario["cold"] = [];
  for (let i = 0; i < coldCount; i++) {
    const n = String(i).padStart(2, "0");
    const bucket = `bench-cold-${n}`;
    cold.push({ id: await onboard(api, bucket, bucket, `arn:aws:iam::4444555566${n}:role/signpost-bench-cold`, { "object.txt": `cold ${n}\n` }), bucket });
  }
  const token = (await admin(api, "POST", "/admin/api/tokens", { name: "bench", integrations: [demoId, ...cold.map((c) => c.id)] }, 201)).token as string;

  const all: Scenario["targets"] = [
    { key: "a", name: "(a) bare 302 worker", url: `${bareUrl}/v1/assets/${demoId}/${DEMO_BUCKET}/${DEMO_KEY}` },
    { key: "b", name: "(b) warm /v1/assets redirect", url: `${api.base}/v1/assets/${demoId}/${DEMO_BUCKET}/${DEMO_KEY}` },
    {
      key: "c",
      name: "(c) /v1/redirect?url=",
      url: `${api.base}/v1/redirect?url=${encodeURIComponent(`https://${DEMO_BUCKET}.s3.${REGION}.amazonaws.com/${DEMO_KEY}`)}`,
    },
  ];
  const targets = bareUrl ? all : all.filter((t) => t.key !== "a");
  const shapes: Scenario["shapes"] = {};
  for (const t of targets) {
    const res = await fetch(t.url, { redirect: "manual", signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    const location = res.headers.get("location") ?? "";
    if (res.status !== 302 || !location) throw new Error(`${t.name}: expected a 302 with a Location, got ${res.status}`);
    shapes[t.key] = { status: res.status, headers: [...res.headers.keys()].filter((h) => h !== "date").sort(), locationLength: location.length };
    if (t.key === "a") continue;
    const obj = await fetch(location, { signal: AbortSignal.timeout(10_000) });
    const body = await obj.text();
    if (obj.status !== 200 || body !== DEMO_BODY)
      throw new Error(`${t.name}: the presigned URL does not fetch the object (${obj.status}: ${body.slice(0, 200)})`);
  }
  if (shapes.a && shapes.a.headers.join() !== shapes.b!.headers.join()) {
    notes.push(`response headers differ: bare [${shapes.a.headers.join(", ")}] vs signpost [${shapes.b!.headers.join(", ")}]`);
  }
  return { principalArn: principal.arn, demoId, cold, token, targets, shapes, notes };
}

export function batchUrls(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `https://${DEMO_BUCKET}.s3.${REGION}.amazonaws.com/images/${String(i).padStart(6, "0")}.jpg`);
}

// ---- CPU accounting (Linux /proc; null elsewhere) ---------------------------------------

const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();
const HAVE_PROC = process.platform === "linux";

interface ProcCpu {
  pid: number;
  pgrp: number;
  comm: string;
  /** What the process is in a `wrangler dev` group. */
  role: string;
  /** utime + stime, in µs */
  us: number;
}
const ROLES = new Map<number, string>();
function roleOf(pid: number, comm: string): string {
  let role = ROLES.get(pid);
  if (role) return role;
  role = comm === "node" ? "wrangler (node)" : comm === "esbuild" ? "esbuild" : comm;
  if (comm === "workerd") {
    try {
      // wrangler dev runs two: the Worker's runtime (with the V8 inspector) and its local proxy (the public port).
      role = readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("--inspector-addr") ? "workerd: Worker" : "workerd: dev proxy";
    } catch {
      // exited
    }
  }
  ROLES.set(pid, role);
  return role;
}
function readProcs(): ProcCpu[] {
  const out: ProcCpu[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, "utf8");
      const close = s.lastIndexOf(")");
      const comm = s.slice(s.indexOf("(") + 1, close);
      const f = s.slice(close + 2).split(" "); // f[0] = state (field 3)
      out.push({ pid: Number(d), pgrp: Number(f[2]), comm, role: "", us: ((Number(f[11]) + Number(f[12])) * 1e6) / CLK_TCK });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}
function machineBusyUs(): number {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return ((total - f[3]! - (f[4] ?? 0)) * 1e6) / CLK_TCK; // minus idle and iowait
}

/** The workerd process that runs the Worker (not wrangler dev's proxy) in a process group. */
export function workerPid(pgid: number): number | null {
  if (!HAVE_PROC) return null;
  const p = readProcs().find((p) => p.pgrp === pgid && p.comm === "workerd" && roleOf(p.pid, p.comm) === "workerd: Worker");
  return p?.pid ?? null;
}

/** On-CPU time of every thread of a process, in ns (/proc/{pid}/task/{tid}/schedstat). */
export function processCpuNs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // thread ended
    }
  }
  return ns;
}

export interface CpuSnapshot {
  at: number;
  procs: ProcCpu[];
  selfUs: number;
  busyUs: number;
}
export function cpuSnapshot(): CpuSnapshot | null {
  if (!HAVE_PROC) return null;
  const u = process.cpuUsage();
  return { at: performance.now(), procs: readProcs(), selfUs: u.user + u.system, busyUs: machineBusyUs() };
}

export interface CpuUse {
  /** CPU of the target's process group (wrangler + workerd), µs per answered request. */
  serverUsPerRequest: number;
  /** The same, per process role (the Worker's workerd, wrangler dev's proxy workerd, wrangler, esbuild). */
  byRole: Record<string, number>;
  /** The group's processes that used CPU (a new workerd pid means a restart). */
  pids: string[];
  /** This process (autocannon + the fake AWS), % of one CPU. */
  loadGeneratorPct: number;
  /** Everything else on the machine (other users' jobs), % of all CPUs. */
  backgroundPct: number;
}
/** CPU used between two snapshots by `pgid` (the target) and by the rest of the machine. */
export function cpuUse(a: CpuSnapshot | null, b: CpuSnapshot | null, pgid: number, ourGroups: number[], requests: number): CpuUse | null {
  if (!a || !b) return null;
  const before = new Map(a.procs.map((p) => [p.pid, p]));
  const delta = (p: ProcCpu) => p.us - (before.get(p.pid)?.us ?? 0);
  let server = 0;
  let ours = b.selfUs - a.selfUs;
  const byRole: Record<string, number> = {};
  const pids: string[] = [];
  for (const p of b.procs) {
    if (!ourGroups.includes(p.pgrp)) continue;
    const d = delta(p);
    ours += d;
    if (p.pgrp !== pgid || d <= 0) continue;
    server += d;
    const role = roleOf(p.pid, p.comm);
    byRole[role] = (byRole[role] ?? 0) + d;
    pids.push(`${p.comm}[${p.pid}]`);
  }
  for (const k of Object.keys(byRole)) byRole[k] = r1(byRole[k]! / Math.max(1, requests));
  const wallUs = (b.at - a.at) * 1000;
  return {
    serverUsPerRequest: r1(server / Math.max(1, requests)),
    byRole,
    pids,
    loadGeneratorPct: r1((100 * (b.selfUs - a.selfUs)) / wallUs),
    backgroundPct: r1(Math.max(0, (100 * (b.busyUs - a.busyUs - ours)) / (wallUs * cpus().length))),
  };
}

// ---- load -------------------------------------------------------------------------------

export interface LoadRun {
  target: string;
  round: number;
  seconds: number;
  requests: number;
  ok: number;
  /** Responses other than the expected status, plus connection errors and timeouts. */
  bad: number;
  errors: number;
  timeouts: number;
  statuses: Record<string, number>;
  rps: number;
  latencyMs: Dist;
  cpu: CpuUse | null;
}

export interface LoadOptions {
  target: string;
  round: number;
  url: string;
  seconds: number;
  connections: number;
  expectStatus: number;
  /** Process group of the server under load, and of every server we started. */
  pgid: number;
  ourGroups: number[];
}

/** autocannon for `seconds` (bounded), every response's status and latency recorded. */
export function load(o: LoadOptions): Promise<LoadRun> {
  const times: number[] = [];
  const statuses: Record<string, number> = {};
  return new Promise((done, reject) => {
    const before = cpuSnapshot();
    const inst = autocannon({ url: o.url, connections: o.connections, pipelining: 1, duration: o.seconds, timeout: 10 }, (err: Error | null, res: Result) => {
      const after = cpuSnapshot();
      clearTimeout(guard);
      currentLoad = null;
      if (err) return reject(err);
      const ok = statuses[String(o.expectStatus)] ?? 0;
      done({
        target: o.target,
        round: o.round,
        seconds: r2(res.duration),
        requests: times.length,
        ok,
        bad: times.length - ok + res.errors + res.timeouts,
        errors: res.errors,
        timeouts: res.timeouts,
        statuses,
        rps: r1(ok / Math.max(res.duration, 0.001)),
        latencyMs: dist(times),
        cpu: cpuUse(before, after, o.pgid, o.ourGroups, times.length),
      });
    });
    currentLoad = inst;
    // autocannon stops itself after `duration`; this bounds it if it ever does not.
    const guard = setTimeout(() => inst.stop(), (o.seconds + 15) * 1000);
    inst.on("response", (_client: unknown, status: number, _bytes: number, responseTime: number) => {
      times.push(responseTime);
      statuses[status] = (statuses[status] ?? 0) + 1;
    });
  });
}
